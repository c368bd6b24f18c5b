// Run by the monitor once init has exited: remove what the container held (processes left
// in its cgroup, the cgroup, the runtime state) and, if init asked for a reboot, start it
// again with a new monitor.
import { readFileSync } from 'node:fs';
import type { RuntimeContext } from '../runtime/context.js';
import { destroy } from '../runtime/delete.js';
import { startContainer } from './start.js';
import type { ContainerStore } from './store.js';

export interface ExitRecord {
  pid: number;
  exitCode: number;
  signal: number;
  reboot: boolean;
  time: number;
}

export function readExitFile(path: string | undefined): ExitRecord | undefined {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ExitRecord;
  } catch {
    return undefined;
  }
}

export async function postStop(store: ContainerStore, ctx: RuntimeContext, name: string, exitFile: string | undefined): Promise<void> {
  const exit = readExitFile(exitFile);
  await destroy(ctx, name, true);
  if (exit?.reboot && store.exists(name)) {
    ctx.log('info', `container "${name}" asked for a reboot: starting it again`);
    await startContainer(store, ctx, name);
  }
}
