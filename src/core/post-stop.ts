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
  // The monitor that runs us is our parent: a record that names another monitor belongs to
  // a later run of the container (a stop may already have cleaned up and started it again).
  const current = currentRecord(ctx, name);
  // nothing left (a stop cleaned up already), or a start is making a new record right now
  if (!current) return rebootIfAsked(store, ctx, name, exit);
  if (current.monitor?.pid !== process.ppid) return;
  if (exit && current.pid !== exit.pid) return;
  await destroy(ctx, name, true);
  releaseContainerNetwork(ctx.store.root, name, (m) => ctx.log('warning', m));
  removeIfEmpty(ctx.store.root);
  await rebootIfAsked(store, ctx, name, exit);
}

async function rebootIfAsked(store: ContainerStore, ctx: RuntimeContext, name: string, exit: ExitRecord | undefined): Promise<void> {
  if (!exit?.reboot || !store.exists(name)) return;
  ctx.log('info', `container "${name}" asked for a reboot: starting it again`);
  const lock = await lockContainerWait(ctx.store.root, name, 'reboot', 10_000);
  try {
    await startContainer(store, ctx, name, { locked: true });
  } finally {
    lock.release();
  }
}

function currentRecord(ctx: RuntimeContext, name: string): { pid: number; monitor?: { pid: number } } | undefined {
  try {
    return ctx.store.load(name);
  } catch {
    return undefined;
  }
}
