// `kill`: signal the init (or every process in the container's cgroup with --all).
import { CorralError } from '../util/errors.js';
import type { RuntimeContext } from './context.js';
import { containerStatus } from './oci-state.js';
import { parseSignal } from './signals.js';

export async function kill(ctx: RuntimeContext, id: string, signal?: string, all = false): Promise<void> {
  const sig = parseSignal(signal);
  const record = ctx.store.load(id);
  const status = await containerStatus(ctx, record);
  if (status === 'stopped' && !all) {
    throw new CorralError('BAD_STATE', `cannot kill container "${id}": it is not running`, {
      hint: `remove it with: corral oci delete ${id}`,
    });
  }
  if (all && record.cgroup) {
    await ctx.cgroups.killAll(record.cgroup, sig);
    if (status === 'paused') await ctx.cgroups.thaw(record.cgroup).catch(() => {});
    return;
  }
  try {
    process.kill(record.pid, sig);
  } catch (err) {
    throw new CorralError('BAD_STATE', `cannot signal container "${id}" (pid ${record.pid}): ${(err as Error).message}`);
  }
}
