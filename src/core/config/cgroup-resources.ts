// lxc.cgroup.* and lxc.cgroup2.* -> OCI linux.resources for the host's cgroup layout.
// LXC applies only the settings of the host's own hierarchy type and silently ignores the
// others; Corral converts the other kind where it knows the key (settings of the host's own
// kind win), passes unknown v2 keys through `unified`, and refuses what it cannot apply
// rather than ignoring it.
import { DeviceEmulator } from '../../runtime/cgroup/devices-emulator.js';
import type { CgroupLayout } from '../../runtime/cgroup/types.js';
import type { DeviceRule, Resources } from '../../runtime/spec/types.js';
import { mapperFor, V2_EQUIVALENT, type ResourceAcc } from './cgroup-keys.js';
import { DEFAULT_DEVICE_RULES, deviceRule } from './cgroup-values.js';
import type { Problems } from './errors.js';
import type { CgroupSetting, LxcConfig } from './model.js';

export type { CgroupLayout };

const prefix = (version: 1 | 2): string => (version === 1 ? 'lxc.cgroup' : 'lxc.cgroup2');
const keyName = (s: CgroupSetting): string => `${prefix(s.version)}.${s.key}`;
const isDevices = (s: CgroupSetting): boolean => s.key === 'devices.allow' || s.key === 'devices.deny';

function unknownKey(s: CgroupSetting, layout: CgroupLayout, unified: Record<string, string>, problems: Problems): void {
  if (s.version === 2) {
    if (layout === 'v1') {
      problems.add(s.pos, keyName(s), 'this key has no OCI equivalent and needs cgroup v2, but this host has only cgroup v1', 'use the lxc.cgroup.* (v1) key of the same limit');
      return;
    }
    if (layout === 'hybrid') problems.warn(s.pos, keyName(s), "written to the host's cgroup2 hierarchy, which on a hybrid host may lack that controller");
    unified[s.key] = s.value;
    return;
  }
  if (layout === 'v2') {
    const eq = V2_EQUIVALENT[s.key];
    problems.add(s.pos, keyName(s), 'this host uses cgroup v2, and Corral cannot convert this cgroup v1 key',
      eq ? `the cgroup v2 equivalent is ${eq.startsWith('none') ? eq : `lxc.cgroup2.${eq}`}` : 'use the lxc.cgroup2.* key of the same limit');
    return;
  }
  problems.add(s.pos, keyName(s), 'Corral cannot apply this cgroup v1 key (it has no OCI linux.resources equivalent)',
    'supported: memory.*, cpu.*, cpuset.*, pids.max, blkio.*, hugetlb.*, net_cls.classid, net_prio.ifpriomap, devices.*');
}

/** v2 swap alone -> OCI memory+swap, which needs the memory limit it is added to. */
function resolveSwap(acc: ResourceAcc, layout: CgroupLayout, unified: Record<string, string>, at: CgroupSetting | undefined, problems: Problems): void {
  if (acc.swapV2 === undefined) return;
  const limit = acc.r.memory?.limit;
  if (acc.swapV2 === -1) (acc.r.memory ??= {}).swap = -1;
  else if (limit !== undefined && limit > 0) (acc.r.memory ??= {}).swap = limit + acc.swapV2;
  else if (layout === 'v2') unified['memory.swap.max'] = String(acc.swapV2);
  else problems.add(at?.pos, 'lxc.cgroup2.memory.swap.max', `on a cgroup ${layout} host a swap limit needs a memory limit (lxc.cgroup2.memory.max) to add it to`);
}

/** Which device rules apply: the host's own kind if given, else the other kind, else LXC's defaults. */
function deviceRules(cfg: LxcConfig, native: 1 | 2, problems: Problems): DeviceRule[] | undefined {
  const touched = (v: 1 | 2): boolean =>
    [...cfg.touched].some((k) => k === prefix(v) || k.startsWith(`${prefix(v)}.devices`));
  const settings = (v: 1 | 2): CgroupSetting[] => cfg.cgroup.filter((s) => s.version === v && isDevices(s));
  const other: 1 | 2 = native === 1 ? 2 : 1;
  let chosen: CgroupSetting[];
  if (touched(native)) chosen = settings(native);
  else if (touched(other)) chosen = settings(other);
  else return [...DEFAULT_DEVICE_RULES];
  const rules: DeviceRule[] = [];
  for (const s of chosen) {
    try {
      rules.push(deviceRule(s.value, s.key === 'devices.allow'));
    } catch (err) {
      problems.addError(s.pos, keyName(s), err);
    }
  }
  try {
    DeviceEmulator.fromRules(rules);
  } catch (err) {
    const last = chosen[chosen.length - 1];
    problems.add(last?.pos, last ? keyName(last) : undefined, err instanceof Error ? err.message : String(err));
  }
  return rules.length > 0 ? rules : undefined;
}

/** linux.resources for the config on a host with this cgroup layout; problems are collected. */
export function cgroupResources(cfg: LxcConfig, layout: CgroupLayout, problems: Problems): Resources {
  const native: 1 | 2 = layout === 'v2' ? 2 : 1;
  const acc: ResourceAcc = { r: {} };
  const unified: Record<string, string> = {};
  // the other kind first, so the host's own settings override converted ones
  const ordered = [...cfg.cgroup.filter((s) => s.version !== native), ...cfg.cgroup.filter((s) => s.version === native)];
  for (const s of ordered) {
    if (isDevices(s)) continue;
    const mapper = mapperFor(s.version, s.key);
    if (!mapper) {
      unknownKey(s, layout, unified, problems);
      continue;
    }
    try {
      mapper(acc, s.value);
    } catch (err) {
      problems.addError(s.pos, keyName(s), err);
    }
  }
  resolveSwap(acc, layout, unified, cfg.cgroup.find((s) => s.version === 2 && s.key === 'memory.swap.max'), problems);
  const devices = deviceRules(cfg, native, problems);
  if (devices) acc.r.devices = devices;
  if (Object.keys(unified).length > 0) acc.r.unified = unified;
  return acc.r;
}
