// Usage statistics from either v1 or v2 files. A section is left out when its controller
// is not there (a v2 cgroup without the memory controller has no memory.current).
import { readOptional } from './fsio.js';
import { locate, type Location } from './resources.js';
import type { CgroupHost, CgroupPaths, CgroupStats, CgroupSystem } from './types.js';

/** "key value" lines (memory.stat, cpu.stat, cgroup.events) -> numbers. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** io.stat: "8:0 rbytes=1 wbytes=2 rios=3 ..." summed over devices. */
export function parseIoStat(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    for (const field of line.trim().split(/\s+/).slice(1)) {
      const [k, v] = field.split('=');
      if (k === 'rbytes') readBytes += Number(v) || 0;
      if (k === 'wbytes') writeBytes += Number(v) || 0;
    }
  }
  return { readBytes, writeBytes };
}

/** blkio.*io_service_bytes: "8:0 Read 4096" lines (plus Total) summed over devices. */
export function parseBlkioServiceBytes(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    const [dev, op, value] = line.trim().split(/\s+/);
    if (!dev?.includes(':') || value === undefined) continue;
    if (op === 'Read') readBytes += Number(value) || 0;
    if (op === 'Write') writeBytes += Number(value) || 0;
  }
  return { readBytes, writeBytes };
}

/** v1 writes "unlimited" as a huge page-aligned number, v2 as "max": both -> undefined. */
export function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined || text === 'max' || text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n < 2 ** 62 ? n : undefined;
}

const num = (s: string | undefined): number | undefined => (s === undefined || s === '' ? undefined : Number(s));

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

async function memoryStats(host: CgroupHost, loc: Location): Promise<CgroupStats['memory']> {
  const read = (f: string): Promise<string | undefined> => readOptional(host, loc.dir, f);
  const v1 = loc.version === 1;
  const usage = num(await read(v1 ? 'memory.usage_in_bytes' : 'memory.current'));
  if (usage === undefined) return undefined;
  const stat = parseFlatKeyed((await read('memory.stat')) ?? '');
  // v1 memsw counts memory+swap; report the swap part alone, like v2 memory.swap.current
  const memsw = v1 ? num(await read('memory.memsw.usage_in_bytes')) : undefined;
  return defined({
    usage,
    maxUsage: num(await read(v1 ? 'memory.max_usage_in_bytes' : 'memory.peak')),
    limit: parseLimit(await read(v1 ? 'memory.limit_in_bytes' : 'memory.max')),
    swapUsage: v1 ? (memsw === undefined ? undefined : Math.max(0, memsw - usage)) : num(await read('memory.swap.current')),
    cache: v1 ? (stat.get('total_cache') ?? stat.get('cache')) : stat.get('file'),
    rss: v1 ? (stat.get('total_rss') ?? stat.get('rss')) : stat.get('anon'),
  });
}

const USER_HZ_NS = 1e9 / 100; // cpuacct.stat counts in USER_HZ ticks

async function cpuStatsV1(host: CgroupHost, acct: Location | undefined, cpu: Location | undefined): Promise<CgroupStats['cpu']> {
  const usage = acct && num(await readOptional(host, acct.dir, 'cpuacct.usage'));
  if (!acct || usage === undefined) return undefined;
  let userNs = num(await readOptional(host, acct.dir, 'cpuacct.usage_user'));
  let systemNs = num(await readOptional(host, acct.dir, 'cpuacct.usage_sys'));
  if (userNs === undefined || systemNs === undefined) {
    // kernels before 4.7 only have the tick counts
    const ticks = parseFlatKeyed((await readOptional(host, acct.dir, 'cpuacct.stat')) ?? '');
    userNs = ticks.has('user') ? ticks.get('user')! * USER_HZ_NS : undefined;
    systemNs = ticks.has('system') ? ticks.get('system')! * USER_HZ_NS : undefined;
  }
  const stat = cpu ? parseFlatKeyed((await readOptional(host, cpu.dir, 'cpu.stat')) ?? '') : new Map<string, number>();
  return defined({ usageNs: usage, userNs, systemNs, throttledPeriods: stat.get('nr_throttled'), throttledNs: stat.get('throttled_time') });
}

async function cpuStatsV2(host: CgroupHost, loc: Location): Promise<CgroupStats['cpu']> {
  const text = await readOptional(host, loc.dir, 'cpu.stat');
  if (text === undefined) return undefined;
  const stat = parseFlatKeyed(text);
  const ns = (k: string): number | undefined => (stat.has(k) ? stat.get(k)! * 1000 : undefined);
  return defined({
    usageNs: ns('usage_usec') ?? 0,
    userNs: ns('user_usec'),
    systemNs: ns('system_usec'),
    throttledPeriods: stat.get('nr_throttled'),
    throttledNs: ns('throttled_usec'),
  });
}

async function pidsStats(host: CgroupHost, loc: Location): Promise<CgroupStats['pids']> {
  const current = num(await readOptional(host, loc.dir, 'pids.current'));
  if (current === undefined) return undefined;
  return defined({ current, limit: parseLimit(await readOptional(host, loc.dir, 'pids.max')) });
}

async function blkioStats(host: CgroupHost, loc: Location): Promise<CgroupStats['blkio']> {
  if (loc.version === 2) {
    const text = await readOptional(host, loc.dir, 'io.stat');
    return text === undefined ? undefined : parseIoStat(text);
  }
  // the throttle layer counts every I/O, whatever the scheduler; _recursive includes children
  const text = (await readOptional(host, loc.dir, 'blkio.throttle.io_service_bytes_recursive'))
    ?? (await readOptional(host, loc.dir, 'blkio.throttle.io_service_bytes'));
  return text === undefined ? undefined : parseBlkioServiceBytes(text);
}

export async function readStats(host: CgroupHost, system: CgroupSystem, paths: CgroupPaths): Promise<CgroupStats> {
  const at = (c: Parameters<typeof locate>[2]): Location | undefined => locate(system, paths, c);
  const stats: CgroupStats = {};
  const mem = at('memory');
  if (mem) stats.memory = await memoryStats(host, mem);
  const cpu = at('cpu');
  stats.cpu = cpu?.version === 2 ? await cpuStatsV2(host, cpu) : await cpuStatsV1(host, at('cpuacct'), cpu);
  const pids = at('pids');
  if (pids) stats.pids = await pidsStats(host, pids);
  const io = at('blkio');
  if (io) stats.blkio = await blkioStats(host, io);
  return defined(stats);
}
