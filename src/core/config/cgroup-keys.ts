// The lxc.cgroup.<v1 key> and lxc.cgroup2.<v2 key> settings Corral understands, each as a
// mapper onto OCI linux.resources. OCI resources use v1 units (shares, blkio weights,
// memory+swap), so v2 values are converted here and converted back by the runtime's v2
// driver; the conversions are exact inverses of runtime/cgroup/resources-v2.ts.
import type { Resources } from '../../runtime/spec/types.js';
import { bytes, countOrMax, cpuList, deviceRule, deviceValue, majorMinor } from './cgroup-values.js';
import { fail } from './errors.js';
import { bool01, integer } from './values.js';

export interface ResourceAcc {
  r: Resources;
  /** v2 memory.swap.max counts swap alone; resolved against the memory limit at the end */
  swapV2?: number;
}

type Mapper = (acc: ResourceAcc, value: string) => void;

const mem = (a: ResourceAcc) => (a.r.memory ??= {});
const cpu = (a: ResourceAcc) => (a.r.cpu ??= {});
const blkio = (a: ResourceAcc) => (a.r.blockIO ??= {});

type Throttle = 'throttleReadBpsDevice' | 'throttleWriteBpsDevice' | 'throttleReadIOPSDevice' | 'throttleWriteIOPSDevice';

function throttle(list: Throttle): Mapper {
  return (a, v) => {
    const d = deviceValue(v);
    (blkio(a)[list] ??= []).push({ major: d.major, minor: d.minor, rate: d.value });
  };
}

/** The inverse of runc's shares -> cpu.weight mapping (the smallest shares giving that weight). */
export function weightToShares(weight: number): number {
  return 2 + Math.ceil(((weight - 1) * 262142) / 9999);
}

/** The inverse of runc's blkio weight -> io.weight mapping. */
export function ioWeightToBlkio(weight: number): number {
  return 10 + Math.ceil(((weight - 1) * 990) / 9999);
}

function quota(v: string): number {
  return v === '-1' ? -1 : integer(v, 1000, Number.MAX_SAFE_INTEGER);
}

function classId(v: string): number {
  if (/^0x[0-9a-f]{1,8}$/i.test(v)) return parseInt(v, 16);
  return integer(v, 0, 2 ** 32 - 1);
}

function ifPriority(a: ResourceAcc, v: string): void {
  const [name = '', prio = '', ...rest] = v.split(/\s+/).filter(Boolean);
  if (name === '' || rest.length > 0) fail(`"${v}" must be "<interface> <priority>"`);
  ((a.r.network ??= {}).priorities ??= []).push({ name, priority: integer(prio, 0, 2 ** 32 - 1) });
}

export const V1_KEYS: Readonly<Record<string, Mapper>> = {
  'memory.limit_in_bytes': (a, v) => { mem(a).limit = bytes(v, 1); },
  'memory.soft_limit_in_bytes': (a, v) => { mem(a).reservation = bytes(v, 1); },
  'memory.memsw.limit_in_bytes': (a, v) => { mem(a).swap = bytes(v, 1); },
  'memory.swappiness': (a, v) => { mem(a).swappiness = integer(v, 0, 100); },
  'memory.oom_control': (a, v) => { mem(a).disableOOMKiller = bool01(v); },
  'memory.kmem.tcp.limit_in_bytes': (a, v) => { mem(a).kernelTCP = bytes(v, 1); },
  'cpu.shares': (a, v) => { cpu(a).shares = integer(v, 2, 262144); },
  'cpu.cfs_quota_us': (a, v) => { cpu(a).quota = quota(v); },
  'cpu.cfs_period_us': (a, v) => { cpu(a).period = integer(v, 1000, 1_000_000); },
  'cpu.cfs_burst_us': (a, v) => { cpu(a).burst = integer(v, 0, Number.MAX_SAFE_INTEGER); },
  'cpu.rt_runtime_us': (a, v) => { cpu(a).realtimeRuntime = integer(v, -1, Number.MAX_SAFE_INTEGER); },
  'cpu.rt_period_us': (a, v) => { cpu(a).realtimePeriod = integer(v, 1, 1_000_000); },
  'cpuset.cpus': (a, v) => { cpu(a).cpus = cpuList(v); },
  'cpuset.mems': (a, v) => { cpu(a).mems = cpuList(v); },
  'pids.max': (a, v) => { a.r.pids = { limit: countOrMax(v, 1) }; },
  'blkio.weight': (a, v) => { blkio(a).weight = integer(v, 10, 1000); },
  'blkio.leaf_weight': (a, v) => { blkio(a).leafWeight = integer(v, 10, 1000); },
  'blkio.weight_device': (a, v) => {
    const d = deviceValue(v, 10);
    (blkio(a).weightDevice ??= []).push({ major: d.major, minor: d.minor, weight: integer(String(d.value), 10, 1000) });
  },
  'blkio.throttle.read_bps_device': throttle('throttleReadBpsDevice'),
  'blkio.throttle.write_bps_device': throttle('throttleWriteBpsDevice'),
  'blkio.throttle.read_iops_device': throttle('throttleReadIOPSDevice'),
  'blkio.throttle.write_iops_device': throttle('throttleWriteIOPSDevice'),
  'net_cls.classid': (a, v) => { (a.r.network ??= {}).classID = classId(v); },
  'net_prio.ifpriomap': ifPriority,
};

function cpuMax(a: ResourceAcc, v: string): void {
  const [q = '', period, ...rest] = v.split(/\s+/).filter(Boolean);
  if (rest.length > 0) fail(`"${v}" must be "<quota|max> [period]"`);
  cpu(a).quota = q === 'max' ? -1 : integer(q, 1000, Number.MAX_SAFE_INTEGER);
  if (period !== undefined) cpu(a).period = integer(period, 1000, 1_000_000);
}

function ioWeight(a: ResourceAcc, v: string): void {
  const parts = v.split(/\s+/).filter(Boolean);
  if (parts.length === 1 || (parts.length === 2 && parts[0] === 'default')) {
    blkio(a).weight = ioWeightToBlkio(integer(parts[parts.length - 1]!, 1, 10000));
    return;
  }
  const d = deviceValue(v, 1);
  const weight = ioWeightToBlkio(integer(String(d.value), 1, 10000));
  (blkio(a).weightDevice ??= []).push({ major: d.major, minor: d.minor, weight });
}

const IO_MAX: Record<string, Throttle> = { rbps: 'throttleReadBpsDevice', wbps: 'throttleWriteBpsDevice', riops: 'throttleReadIOPSDevice', wiops: 'throttleWriteIOPSDevice' };

function ioMax(a: ResourceAcc, v: string): void {
  const [dev = '', ...limits] = v.split(/\s+/).filter(Boolean);
  if (limits.length === 0) fail(`"${v}" must be "major:minor rbps=N wbps=N riops=N wiops=N"`);
  const [major, minor] = majorMinor(dev);
  for (const limit of limits) {
    const [k = '', n = ''] = limit.split('=');
    const list = IO_MAX[k];
    if (!list) fail(`"${limit}" must be rbps=, wbps=, riops= or wiops=`);
    const rate = n === 'max' ? 0 : integer(n, 1, Number.MAX_SAFE_INTEGER);
    (blkio(a)[list] ??= []).push({ major, minor, rate });
  }
}

export const V2_KEYS: Readonly<Record<string, Mapper>> = {
  'memory.max': (a, v) => { mem(a).limit = bytes(v, 2); },
  'memory.low': (a, v) => { mem(a).reservation = bytes(v, 2); },
  'memory.swap.max': (a, v) => { a.swapV2 = bytes(v, 2); },
  'cpu.max': cpuMax,
  'cpu.max.burst': (a, v) => { cpu(a).burst = integer(v, 0, Number.MAX_SAFE_INTEGER); },
  'cpu.weight': (a, v) => { cpu(a).shares = weightToShares(integer(v, 1, 10000)); },
  'cpu.idle': (a, v) => { cpu(a).idle = integer(v, 0, 1); },
  'cpuset.cpus': (a, v) => { cpu(a).cpus = cpuList(v); },
  'cpuset.mems': (a, v) => { cpu(a).mems = cpuList(v); },
  'pids.max': (a, v) => { a.r.pids = { limit: countOrMax(v, 2) }; },
  'io.weight': ioWeight,
  'io.max': ioMax,
};

const HUGETLB = { 1: /^hugetlb\.(\d{1,4}[KMG]B)\.limit_in_bytes$/, 2: /^hugetlb\.(\d{1,4}[KMG]B)\.max$/ } as const;

/** The mapper for a key, including hugetlb.<size>.* whose names embed the page size. */
export function mapperFor(version: 1 | 2, key: string): Mapper | undefined {
  const table = version === 1 ? V1_KEYS : V2_KEYS;
  if (Object.hasOwn(table, key)) return table[key];
  const huge = HUGETLB[version].exec(key);
  if (!huge) return undefined;
  const pageSize = huge[1]!;
  return (a, v) => {
    const limit = bytes(v, version);
    (a.r.hugepageLimits ??= []).push({ pageSize, limit: limit < 0 ? Number.MAX_SAFE_INTEGER : limit });
  };
}

/** v2 names for v1 keys Corral cannot convert, for the error on a cgroup v2 host. */
export const V2_EQUIVALENT: Readonly<Record<string, string>> = {
  'freezer.state': 'cgroup.freeze (use lxc-freeze)',
  'cpuset.cpu_exclusive': 'cpuset.cpus.partition',
  'memory.high': 'memory.high',
  'memory.kmem.limit_in_bytes': 'none (kernel memory is part of memory.max)',
  'memory.use_hierarchy': 'none (v2 is always hierarchical)',
  'memory.move_charge_at_immigrate': 'none',
};

const CG_KEY = /^[a-z0-9_]+\.[a-z0-9_.]+$/i;

/** Check a setting's value where the key is known; any other key must at least look like a cgroup file. */
export function checkCgroupSetting(version: 1 | 2, key: string, value: string): void {
  if (!CG_KEY.test(key) || key.includes('..')) fail(`"${key}" is not a cgroup file name like "memory.max"`);
  if (/[\n\0]/.test(value)) fail('a cgroup value cannot contain a newline or NUL');
  if (key === 'devices.allow' || key === 'devices.deny') {
    deviceRule(value, key === 'devices.allow');
    return;
  }
  mapperFor(version, key)?.({ r: {} }, value);
}
