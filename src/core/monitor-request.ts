// Requests to a container's monitor on its mon.sock (docs/plan-format.md, "Monitor socket").
import { createConnection } from 'node:net';
import { join } from 'node:path';

export const MONITOR_SOCKET = 'mon.sock';

export interface MonitorSession {
  /** the reply line; undefined when there is no monitor to ask (or it is slow) */
  reply: Promise<string | undefined>;
  /** the monitor closed the connection (or there was none) */
  closed: Promise<void>;
  close(): void;
}

/** A request whose connection the monitor may keep open (`stopping`: until it exits). */
export function monitorSession(runDir: string, request: string, timeoutMs = 1000): MonitorSession {
  let buffered = '';
  let answer!: (line: string | undefined) => void;
  let ended!: () => void;
  const reply = new Promise<string | undefined>((r) => (answer = r));
  const closed = new Promise<void>((r) => (ended = r));
  const sock = createConnection({ path: join(runDir, MONITOR_SOCKET) });
  const timer = setTimeout(() => answer(undefined), timeoutMs);
  const finish = () => {
    clearTimeout(timer);
    answer(buffered || undefined);
    ended();
  };
  sock.on('error', () => sock.destroy());
  sock.on('close', finish);
  sock.on('connect', () => sock.write(`${request}\n`));
  sock.on('data', (chunk) => {
    buffered += chunk.toString('utf8');
    const nl = buffered.indexOf('\n');
    if (nl >= 0) {
      clearTimeout(timer);
      answer(buffered.slice(0, nl));
    }
  });
  return { reply, closed, close: () => sock.destroy() };
}
