// Run by the monitor once init has exited: remove what the container held (processes left
// in its cgroup, the cgroup, the runtime state) and, if init asked for a reboot, start it
// again with a new monitor.
import { readFileSync } from 'node:fs';
import type { RuntimeContext } from '../runtime/context.js';
import { destroy } from '../runtime/delete.js';
import { lockContainerWait, removeIfEmpty } from './lock.js';
import { releaseContainerNetwork } from './net/index.js';
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
  // A newer run of the container may already own the record: not ours to remove. (No lock
  // here: a start waits for this monitor to finish, and holding it would make it wait on us.)
  const current = currentRecord(ctx, name);
  if (current && exit && current.pid !== exit.pid) return;
  await destroy(ctx, name, true);
  releaseContainerNetwork(ctx.store.root, name, (m) => ctx.log('warning', m));
  removeIfEmpty(ctx.store.root);
  if (exit?.reboot && store.exists(name)) {
    ctx.log('info', `container "${name}" asked for a reboot: starting it again`);
    const lock = await lockContainerWait(ctx.store.root, name, 'reboot', 10_000);
    try {
      await startContainer(store, ctx, name, { locked: true });
    } finally {
      lock.release();
    }
  }
}

function currentRecord(ctx: RuntimeContext, name: string): { pid: number } | undefined {
  try {
    return ctx.store.load(name);
  } catch {
    return undefined;
  }
}
