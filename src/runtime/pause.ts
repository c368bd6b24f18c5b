import { CorralError } from '../util/errors.js';
import type { RuntimeContext } from './context.js';
import { containerStatus } from './oci-state.js';

export async function pause(ctx: RuntimeContext, id: string): Promise<void> {
  const record = ctx.store.load(id);
  const status = await containerStatus(ctx, record);
  if (status !== 'running' && status !== 'created') {
    throw new CorralError('BAD_STATE', `cannot pause container "${id}": it is ${status}`);
  }
  if (!record.cgroup) throw new CorralError('NOT_SUPPORTED', `container "${id}" has no cgroup to freeze`);
  await ctx.cgroups.freeze(record.cgroup);
}

export async function resume(ctx: RuntimeContext, id: string): Promise<void> {
  const record = ctx.store.load(id);
  const status = await containerStatus(ctx, record);
  if (status !== 'paused') throw new CorralError('BAD_STATE', `cannot resume container "${id}": it is ${status}, not paused`);
  if (!record.cgroup) throw new CorralError('NOT_SUPPORTED', `container "${id}" has no cgroup to thaw`);
  await ctx.cgroups.thaw(record.cgroup);
}
