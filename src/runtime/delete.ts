// `delete`: remove a stopped (or, with --force, any) container: processes, cgroup, state,
// then the poststop hooks. Checked, not assumed: we wait for the processes to be gone.
import { readFileSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CgroupPaths } from './cgroup/index.js';
import { DEFAULT_PARENT } from './cgroup/paths.js';
import { CorralError } from '../util/errors.js';
import { isSameProcessAlive } from '../util/proc.js';
import type { RuntimeContext } from './context.js';
import { runHooksWarn } from './hooks.js';
import { containerStatus, hookState } from './oci-state.js';
import type { Spec } from './spec/types.js';
import type { ContainerRecord } from './state-store.js';

const KILL_WAIT_MS = 5000;

export async function destroy(ctx: RuntimeContext, id: string, force = false): Promise<void> {
  let record: ContainerRecord;
  try {
    record = ctx.store.load(id);
  } catch (err) {
    if (force && err instanceof CorralError && err.code === 'NOT_FOUND') {
      ctx.store.remove(id);
      return;
    }
    throw err;
  }
  const status = await containerStatus(ctx, record);
  if ((status === 'running' || status === 'paused') && !force) {
    throw new CorralError('BAD_STATE', `cannot delete container "${id}": it is ${status}`, {
      hint: `stop it first (corral oci kill ${id} KILL) or use: corral oci delete --force ${id}`,
    });
  }
  if (status !== 'stopped') await killEverything(ctx, record, status === 'paused');
  if (record.cgroup) {
    await ctx.cgroups.destroy(record.cgroup);
    removeDefaultParent(record.cgroup);
  }
  const spec = readSpec(record);
  ctx.store.remove(id);
  await runHooksWarn('poststop', spec?.hooks?.poststop, hookState(record, 'stopped', 0), (m) => ctx.log('warning', m));
}

async function killEverything(ctx: RuntimeContext, record: ContainerRecord, paused: boolean): Promise<void> {
  if (record.cgroup) {
    await ctx.cgroups.killAll(record.cgroup, 'SIGKILL');
    if (paused) await ctx.cgroups.thaw(record.cgroup);
  } else {
    try {
      process.kill(record.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + KILL_WAIT_MS;
  while (Date.now() < deadline) {
    const initGone = !isSameProcessAlive(record.pid, record.pidStartTime);
    const rest = record.cgroup ? await ctx.cgroups.pids(record.cgroup).catch(() => []) : [];
    if (initGone && rest.length === 0) return;
    if (rest.length > 0 && record.cgroup) await ctx.cgroups.killAll(record.cgroup, 'SIGKILL').catch(() => {});
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new CorralError('INTERNAL', `container "${record.id}": processes still alive ${KILL_WAIT_MS / 1000}s after SIGKILL`, {
    hint: 'a process stuck in uninterruptible sleep (D state) cannot be killed; retry delete --force later',
  });
}

function readSpec(record: ContainerRecord): Spec | undefined {
  try {
    return JSON.parse(readFileSync(record.configPath, 'utf8')) as Spec;
  } catch {
    return undefined;
  }
}

/**
 * The default parent (/corral) is ours: once the last container under it is gone, it goes
 * too. rmdir refuses a parent that still has children, so a concurrent container keeps it.
 */
function removeDefaultParent(paths: CgroupPaths): void {
  if (dirname(paths.path) !== DEFAULT_PARENT) return;
  for (const dir of paths.joinDirs) {
    try {
      rmdirSync(dirname(dir));
    } catch {
      // still in use, or already gone
    }
  }
}
