// OCI linux.resources -> cgroup v2 files, following runc's libcontainer/cgroups/fs2.
// OCI keeps v1 units (shares, blkio weight, memory+swap), so some values are converted.
import { errnoOf, join, readOptional, writeCg } from './fsio.js';
import type { ApplyContext } from './resources-v1.js';
import { CgroupError, type BlockIOResources, type CpuResources, type HugepageLimit, type MemoryResources } from './types.js';

/** -1 -> "max", 0 -> leave unchanged (undefined), n -> "n". */
function limitValue(n: number | undefined): string | undefined {
  if (!n) return undefined;
  return n === -1 ? 'max' : String(n);
}

/** OCI swap is memory+swap (v1 memsw); v2 memory.swap.max is swap alone. */
export function swapToV2(swap: number | undefined, limit: number | undefined): number {
  const s = swap ?? 0;
  const m = limit ?? 0;
  if (m === -1 && s === 0) return -1; // unlimited memory: unlimited swap too, as on v1
  if (s === -1 || s === 0) return s;
  if (m === 0 || m === -1) throw new CgroupError('linux.resources.memory.swap needs a memory limit on cgroup v2');
  if (s < m) throw new CgroupError(`linux.resources.memory.swap (${s}) must be at least memory.limit (${m}): it counts memory plus swap`);
  return s - m;
}

/** runc's mapping of cpu.shares [2, 262144] onto cpu.weight [1, 10000]. */
export function sharesToWeight(shares: number): number {
  const s = Math.min(Math.max(shares, 2), 262144);
  return 1 + Math.floor(((s - 2) * 9999) / 262142);
}

/** runc's mapping of blkio weight [10, 1000] onto io.weight [1, 10000]. */
export function blkioWeightToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

export async function memoryV2(ctx: ApplyContext, dir: string, m: MemoryResources): Promise<void> {
  const { host } = ctx;
  const swap = swapToV2(m.swap, m.limit);
  let swapStr = swap === -1 ? 'max' : swap > 0 ? String(swap) : undefined;
  if (swap === 0 && (m.swap ?? 0) > 0) swapStr = '0'; // swap == limit: no swap at all
  if (swapStr !== undefined) {
    try {
      await writeCg(host, dir, 'memory.swap.max', swapStr);
    } catch (err) {
      // without swap accounting there is no file, and "max" or "0" is what one gets anyway
      if (!(err instanceof CgroupError && err.errno === 'ENOENT' && (swapStr === 'max' || swapStr === '0'))) throw err;
    }
  }
  const max = limitValue(m.limit);
  if (max !== undefined) await writeCg(host, dir, 'memory.max', max);
  const low = limitValue(m.reservation);
  if (low !== undefined) await writeCg(host, dir, 'memory.low', low);
  // swappiness and disableOOMKiller have no v2 counterpart (runc ignores them too)
}

export async function cpuV2(ctx: ApplyContext, dir: string, cpu: CpuResources): Promise<void> {
  const { host } = ctx;
  if (cpu.shares) await writeCg(host, dir, 'cpu.weight', String(sharesToWeight(cpu.shares)));
  if (cpu.idle !== undefined) await writeCg(host, dir, 'cpu.idle', String(cpu.idle));
  let retryBurst = false;
  if (cpu.burst !== undefined) {
    try {
      await writeCg(host, dir, 'cpu.max.burst', String(cpu.burst));
    } catch (err) {
      const errno = err instanceof CgroupError ? err.errno : errnoOf(err);
      // ENOENT: kernel without burst; EINVAL: may pass once the new quota is in place
      if (errno === 'EINVAL' && cpu.quota) retryBurst = true;
      else if (errno !== 'ENOENT') throw err;
    }
  }
  if (cpu.quota || cpu.period) {
    let quota = cpu.quota && cpu.quota > 0 ? String(cpu.quota) : 'max';
    if (!cpu.quota) {
      // cpu.max takes "quota period" together: keep the current quota when only the period changes
      quota = (await readOptional(host, dir, 'cpu.max'))?.split(/\s+/)[0] || 'max';
    }
    await writeCg(host, dir, 'cpu.max', cpu.period ? `${quota} ${cpu.period}` : quota);
    if (retryBurst) await writeCg(host, dir, 'cpu.max.burst', String(cpu.burst));
  }
}

type Throttles = Pick<BlockIOResources, 'throttleReadBpsDevice' | 'throttleWriteBpsDevice' | 'throttleReadIOPSDevice' | 'throttleWriteIOPSDevice'>;
const THROTTLE_V2: [keyof Throttles, string][] = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
];

/** One io.max line per device: "8:0 rbps=1048576 wiops=100". Rate 0 lifts a limit, as on v1. */
export function ioMaxLines(b: BlockIOResources): string[] {
  const byDevice = new Map<string, string[]>();
  for (const [field, key] of THROTTLE_V2) {
    for (const td of b[field] ?? []) {
      const dev = `${td.major}:${td.minor}`;
      byDevice.set(dev, [...(byDevice.get(dev) ?? []), `${key}=${td.rate === 0 ? 'max' : td.rate}`]);
    }
  }
  return [...byDevice].map(([dev, parts]) => `${dev} ${parts.join(' ')}`);
}

export async function ioV2(ctx: ApplyContext, dir: string, b: BlockIOResources): Promise<void> {
  const { host } = ctx;
  // BFQ takes v1 weights as they are; io.weight (blk-iocost) needs the 1..10000 scale
  const bfq = await host.exists(join(dir, 'io.bfq.weight'));
  const file = bfq ? 'io.bfq.weight' : 'io.weight';
  const scale = (w: number): number => (bfq ? w : blkioWeightToIoWeight(w));
  const hint = 'I/O weights need the BFQ scheduler or the io.cost controller';
  if (b.weight) await writeCg(host, dir, file, String(scale(b.weight)), hint);
  for (const wd of b.weightDevice ?? []) {
    if (wd.weight) await writeCg(host, dir, file, `${wd.major}:${wd.minor} ${scale(wd.weight)}`, hint);
  }
  for (const line of ioMaxLines(b)) await writeCg(host, dir, 'io.max', line);
}

export async function hugetlbV2(ctx: ApplyContext, dir: string, limits: readonly HugepageLimit[]): Promise<void> {
  for (const h of limits) {
    await writeCg(ctx.host, dir, `hugetlb.${h.pageSize}.max`, String(h.limit), `is ${h.pageSize} a huge page size of this machine?`);
  }
}

/**
 * linux.resources.unified: each key is a file of the container's cgroup, written verbatim.
 * Its controller was enabled with the others (neededV2Controllers), so a failure here is
 * the kernel refusing the value.
 */
export async function unifiedV2(ctx: ApplyContext, dir: string, unified: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(unified)) {
    // multi-line values (io.max for several devices) are one command per line
    const lines = value.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines.length > 0 ? lines : [value]) await writeCg(ctx.host, dir, key, line);
  }
}
