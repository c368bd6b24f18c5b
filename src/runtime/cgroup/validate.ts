// Reject bad linux.resources before any directory is made or file written, with the OCI
// field name in the message. The kernel would refuse most of these too, but half-way
// through a create and with a less helpful errno.
import { DeviceEmulator } from './devices-emulator.js';
import { swapToV2 } from './resources-v2.js';
import { neededControllers, versionOf } from './resources.js';
import { CgroupError, type CgroupResources, type CgroupSystem } from './types.js';

const PREFIX = 'linux.resources';

function fail(field: string, value: unknown, why: string): never {
  throw new CgroupError(`${PREFIX}.${field} = ${JSON.stringify(value)}: ${why}`);
}

function int(field: string, v: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (v === undefined) return;
  if (!Number.isSafeInteger(v)) fail(field, v, 'must be an integer');
  if (v < min || v > max) fail(field, v, max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be between ${min} and ${max}`);
}

/** weights: 0 = unset, else the v1 range 10..1000 */
function weight(field: string, v: number | undefined): void {
  int(field, v, 0, 1000);
  if (v !== undefined && v !== 0 && v < 10) fail(field, v, 'must be between 10 and 1000');
}

const CPU_LIST = /^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/;
const PAGE_SIZE = /^[0-9]+(KB|MB|GB)$/;
const UNIFIED_KEY = /^[a-z0-9_]+\.[a-z0-9_.]+$/i;
// they move or kill processes rather than limit them: not resources
const UNIFIED_FORBIDDEN = new Set(['cgroup.procs', 'cgroup.threads', 'cgroup.kill', 'cgroup.subtree_control', 'cgroup.type']);

function validateMemory(system: CgroupSystem, r: CgroupResources): void {
  const m = r.memory;
  if (!m) return;
  int('memory.limit', m.limit, -1);
  int('memory.reservation', m.reservation, -1);
  int('memory.swap', m.swap, -1);
  if (m.swappiness !== undefined && m.swappiness !== -1) int('memory.swappiness', m.swappiness, 0, 100);
  if (m.limit && m.limit > 0 && m.swap && m.swap > 0 && m.swap < m.limit) {
    fail('memory.swap', m.swap, `counts memory plus swap, so it must be at least memory.limit (${m.limit})`);
  }
  if (versionOf(system, 'memory') === 2) {
    try {
      swapToV2(m.swap, m.limit);
    } catch (err) {
      fail('memory.swap', m.swap, (err as Error).message);
    }
  }
}

function validateCpu(system: CgroupSystem, r: CgroupResources): void {
  const c = r.cpu;
  if (!c) return;
  int('cpu.shares', c.shares, 0, 262144);
  int('cpu.quota', c.quota, -1);
  int('cpu.period', c.period, 0, 1_000_000);
  int('cpu.burst', c.burst, 0);
  int('cpu.idle', c.idle, 0, 1);
  int('cpu.realtimeRuntime', c.realtimeRuntime, -1);
  int('cpu.realtimePeriod', c.realtimePeriod, 0);
  if (c.cpus && !CPU_LIST.test(c.cpus)) fail('cpu.cpus', c.cpus, 'must be a CPU list like "0-3,5"');
  if (c.mems && !CPU_LIST.test(c.mems)) fail('cpu.mems', c.mems, 'must be a node list like "0-1"');
  if ((c.realtimeRuntime || c.realtimePeriod) && versionOf(system, 'cpu') === 2) {
    fail('cpu.realtimeRuntime', c.realtimeRuntime, 'real-time CPU bandwidth does not exist on cgroup v2');
  }
}

function validateBlockIO(r: CgroupResources): void {
  const b = r.blockIO;
  if (!b) return;
  weight('blockIO.weight', b.weight);
  weight('blockIO.leafWeight', b.leafWeight);
  const lists = ['weightDevice', 'throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const;
  for (const name of lists) {
    (b[name] ?? []).forEach((d, i) => {
      const field = `blockIO.${name}[${i}]`;
      int(`${field}.major`, d.major, 0, 0xfff);
      int(`${field}.minor`, d.minor, 0, 0xfffff);
      if ('rate' in d) int(`${field}.rate`, d.rate, 0);
      if ('weight' in d) weight(`${field}.weight`, d.weight);
      if ('leafWeight' in d) weight(`${field}.leafWeight`, d.leafWeight);
    });
  }
}

function validateUnified(system: CgroupSystem, r: CgroupResources): void {
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    if (!UNIFIED_KEY.test(key) || key.includes('..')) fail(`unified["${key}"]`, value, 'the key must be a cgroup file name like "memory.high"');
    if (UNIFIED_FORBIDDEN.has(key)) fail(`unified["${key}"]`, value, 'this file is not a resource limit');
    if (typeof value !== 'string') fail(`unified["${key}"]`, value, 'the value must be a string');
  }
  if (r.unified && Object.keys(r.unified).length > 0 && !system.unified) {
    fail('unified', r.unified, 'needs cgroup v2 and this host has none mounted');
  }
}

export function validateResources(system: CgroupSystem, r: CgroupResources): void {
  validateMemory(system, r);
  validateCpu(system, r);
  if (r.pids) int('pids.limit', r.pids.limit, Number.MIN_SAFE_INTEGER);
  validateBlockIO(r);
  (r.hugepageLimits ?? []).forEach((h, i) => {
    if (!PAGE_SIZE.test(h.pageSize)) fail(`hugepageLimits[${i}].pageSize`, h.pageSize, 'must look like "2MB" or "1GB"');
    int(`hugepageLimits[${i}].limit`, h.limit, 0);
  });
  // the emulator refuses bad types, access strings, numbers and hole-punching rules
  if (r.devices) DeviceEmulator.fromRules(r.devices);
  validateUnified(system, r);
  for (const c of neededControllers(r)) {
    if (versionOf(system, c) === undefined) {
      throw new CgroupError(`${PREFIX} needs the ${c} controller, which this host does not mount`, {
        hint: `mount the ${c} cgroup hierarchy, or drop those limits`,
      });
    }
  }
}
