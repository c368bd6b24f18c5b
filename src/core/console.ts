// lxc-console: the helper's console client talks to the monitor's socket; it receives no
// file descriptor, so the container's pty master never leaves the monitor.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RuntimeContext } from '../runtime/context.js';
import { helperPath } from '../runtime/helper-path.js';
import { MONITOR_SOCKET } from './monitor-request.js';

export function consoleClient(ctx: RuntimeContext, name: string, tty: string, escape: string): Promise<number> {
  const socket = join(ctx.store.dir(name), MONITOR_SOCKET);
  const client = spawn(helperPath(), ['console', '-e', escape, socket, tty], { stdio: 'inherit' });
  return new Promise<number>((resolve) => {
    client.on('error', () => resolve(1));
    client.on('exit', (code) => resolve(code ?? 1));
  });
}
