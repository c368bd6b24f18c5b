// One request line to a container's monitor on its mon.sock (docs/plan-format.md, "Monitor
// socket"), and its one-line reply.
import { createConnection } from 'node:net';
import { join } from 'node:path';

export const MONITOR_SOCKET = 'mon.sock';

/** The monitor's reply line, or undefined when there is no monitor to ask (or it is slow). */
export function monitorRequest(runDir: string, request: string, timeoutMs = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let reply = '';
    const sock = createConnection({ path: join(runDir, MONITOR_SOCKET) });
    const done = (value: string | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('connect', () => sock.write(`${request}\n`));
    sock.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const nl = reply.indexOf('\n');
      if (nl >= 0) done(reply.slice(0, nl));
    });
    sock.on('end', () => done(reply || undefined));
  });
}
