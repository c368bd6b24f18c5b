// Which hierarchy serves each controller, and applying linux.resources controller by
// controller. One code path for all layouts: a controller mounted on v1 is driven with v1
// files, anything else goes to the cgroup2 dir (pure v2, or hybrid leftovers such as a
// hugetlb controller that only cgroup2 has).
import { v1KeyFor } from './detect.js';
import { buildDeviceProgram } from './devices-bpf.js';
import { applyDevicesV1 } from './devices-v1.js';
import { blkioV1, cpusetFiles, cpuV1, hugetlbV1, memoryV1, pidsFile, type ApplyContext } from './resources-v1.js';
import { cpuV2, hugetlbV2, ioV2, memoryV2, unifiedV2 } from './resources-v2.js';
import { CgroupError, type CgroupHost, type CgroupPaths, type CgroupResources, type CgroupSystem } from './types.js';

/** Controllers by their v1 name; v2 calls blkio "io", devices and freezer are core there. */
export type Controller = 'cpuset' | 'devices' | 'memory' | 'cpu' | 'cpuacct' | 'pids' | 'blkio' | 'hugetlb' | 'freezer';

export function v2Name(c: Controller): string {
  return c === 'blkio' ? 'io' : c;
}

export interface Location {
  version: 1 | 2;
  dir: string;
}

/** Where a controller lives for this cgroup; undefined when the host does not have it. */
export function locate(system: CgroupSystem, paths: CgroupPaths, c: Controller): Location | undefined {
  const key = v1KeyFor(system, c);
  if (key) {
    const dir = paths.dirs[key];
    return dir ? { version: 1, dir } : undefined;
  }
  return paths.unifiedDir ? { version: 2, dir: paths.unifiedDir } : undefined;
}

/** The same, before any directory exists (for validation). */
export function versionOf(system: CgroupSystem, c: Controller): 1 | 2 | undefined {
  if (v1KeyFor(system, c)) return 1;
  return system.unified ? 2 : undefined;
}

const has = (o: object | undefined, keys: string[]): boolean =>
  o !== undefined && keys.some((k) => (o as Record<string, unknown>)[k] !== undefined);

/** Controllers the resources need, in the order runc applies them. */
export function neededControllers(r: CgroupResources): Controller[] {
  const out: Controller[] = [];
  if (r.cpu?.cpus || r.cpu?.mems) out.push('cpuset');
  if (r.devices) out.push('devices');
  if (has(r.memory, ['limit', 'reservation', 'swap', 'swappiness', 'disableOOMKiller'])) out.push('memory');
  if (has(r.cpu, ['shares', 'quota', 'period', 'burst', 'idle', 'realtimeRuntime', 'realtimePeriod'])) out.push('cpu');
  if (r.pids) out.push('pids');
  if (r.blockIO) out.push('blkio');
  if (r.hugepageLimits && r.hugepageLimits.length > 0) out.push('hugetlb');
  return out;
}

/** cgroup2 controllers to enable in the ancestors' cgroup.subtree_control. */
export function neededV2Controllers(system: CgroupSystem, r: CgroupResources): string[] {
  const out = new Set<string>();
  for (const c of neededControllers(r)) {
    if (c !== 'devices' && versionOf(system, c) === 2) out.add(v2Name(c));
  }
  for (const key of Object.keys(r.unified ?? {})) {
    const c = key.split('.')[0];
    if (c && c !== 'cgroup') out.add(c);
  }
  return [...out];
}

function notAvailable(c: Controller, system: CgroupSystem): CgroupError {
  return new CgroupError(`the ${c} controller is not available on this host (cgroup layout ${system.layout})`, {
    hint: system.layout === 'v2' ? `enable it in the parent's cgroup.subtree_control` : `mount the ${c} hierarchy, or drop these linux.resources`,
  });
}

async function applyOne(ctx: ApplyContext, loc: Location, c: Controller, r: CgroupResources): Promise<Uint8Array | undefined> {
  const v1 = loc.version === 1;
  switch (c) {
    case 'cpuset': await cpusetFiles(ctx, loc.dir, r.cpu ?? {}); break;
    case 'devices':
      if (!v1) return buildDeviceProgram(r.devices ?? []);
      await applyDevicesV1(ctx.host, loc.dir, r.devices ?? []);
      break;
    case 'memory': await (v1 ? memoryV1 : memoryV2)(ctx, loc.dir, r.memory ?? {}); break;
    case 'cpu': await (v1 ? cpuV1 : cpuV2)(ctx, loc.dir, r.cpu ?? {}); break;
    case 'pids': await pidsFile(ctx, loc.dir, r.pids?.limit ?? 0); break;
    case 'blkio': await (v1 ? blkioV1 : ioV2)(ctx, loc.dir, r.blockIO ?? {}); break;
    case 'hugetlb': await (v1 ? hugetlbV1 : hugetlbV2)(ctx, loc.dir, r.hugepageLimits ?? []); break;
    default: break;
  }
  return undefined;
}

/**
 * Write every resource; returns the eBPF device program when devices are enforced by
 * cgroup2 (the helper attaches it). Unified keys go last so they can override.
 */
export async function applyResources(
  host: CgroupHost, system: CgroupSystem, paths: CgroupPaths, r: CgroupResources, update: boolean,
): Promise<Uint8Array | undefined> {
  const ctx: ApplyContext = { host, update };
  let program: Uint8Array | undefined;
  for (const c of neededControllers(r)) {
    const loc = locate(system, paths, c);
    if (!loc) throw notAvailable(c, system);
    program = (await applyOne(ctx, loc, c, r)) ?? program;
  }
  if (r.unified && Object.keys(r.unified).length > 0) {
    if (!paths.unifiedDir) throw new CgroupError('linux.resources.unified needs cgroup v2, and this host has no cgroup2 mount');
    await unifiedV2(ctx, paths.unifiedDir, r.unified);
  }
  return program;
}
