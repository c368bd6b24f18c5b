// `update`: change the cgroup limits of a running container (as `runc update`). Device
// rules are not updated, as in runc: they are fixed at create.
import { readFileSync } from 'node:fs';
import { CorralError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import type { CgroupResources } from './cgroup/index.js';
import type { RuntimeContext } from './context.js';
import { containerStatus } from './oci-state.js';
import type { Resources, Spec } from './spec/types.js';

export async function update(ctx: RuntimeContext, id: string, resources: Resources): Promise<void> {
  const record = ctx.store.load(id);
  const status = await containerStatus(ctx, record);
  if (status === 'stopped') throw new CorralError('BAD_STATE', `cannot update container "${id}": it is stopped`);
  if (!record.cgroup) throw new CorralError('NOT_SUPPORTED', `container "${id}" has no cgroup`);
  if (resources.devices) {
    throw new CorralError('NOT_SUPPORTED', 'device rules cannot be updated on a running container', { hint: 'recreate the container with the new linux.resources.devices' });
  }
  await ctx.cgroups.update(record.cgroup, resources as CgroupResources);
  const spec = JSON.parse(readFileSync(record.configPath, 'utf8')) as Spec;
  spec.linux = { ...(spec.linux ?? {}), resources: mergeResources(spec.linux?.resources ?? {}, resources) };
  writeFileAtomic(record.configPath, JSON.stringify(spec));
}

function mergeResources(base: Resources, change: Resources): Resources {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(change)) {
    const old = out[key];
    out[key] = value && typeof value === 'object' && !Array.isArray(value) && old && typeof old === 'object' ? { ...old, ...value } : value;
  }
  return out as Resources;
}
