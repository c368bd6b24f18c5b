// Talking to a container's monitor socket from a test, as `corral console` does.
import { connect } from 'node:net';

/** One request to the monitor's socket, then a line of input, reading what comes back for a while. */
export function monitorTalk(socket: string, request: string, input: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = connect(socket, () => s.write(request));
    s.on('data', (d) => (out += d.toString()));
    s.on('error', reject);
    setTimeout(() => s.write(input), 200);
    setTimeout(() => {
      s.destroy();
      resolve(out);
    }, ms);
  });
}
