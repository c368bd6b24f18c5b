// OCI linux.resources -> cgroup v1 files, following runc's libcontainer/cgroups/fs.
// In OCI, 0 (or absent) means "leave unchanged" and -1 means "unlimited".
import { errnoOf, join, readCg, readOptional, writeCg } from './fsio.js';
import { CgroupError, type BlockIOResources, type CgroupHost, type CpuResources, type HugepageLimit, type MemoryResources } from './types.js';

export interface ApplyContext {
  host: CgroupHost;
  /** an update of a live cgroup (not a fresh one): also write values back to defaults */
  update: boolean;
}

const MEMSW = 'memory.memsw.limit_in_bytes';

async function setMemoryLimit(host: CgroupHost, dir: string, limit: number): Promise<void> {
  try {
    await writeCg(host, dir, 'memory.limit_in_bytes', String(limit));
  } catch (err) {
    if (!(err instanceof CgroupError) || err.errno !== 'EBUSY') throw err;
    const usage = await readOptional(host, dir, 'memory.usage_in_bytes');
    const peak = await readOptional(host, dir, 'memory.max_usage_in_bytes');
    throw new CgroupError(`cannot set the memory limit to ${limit}: the container uses ${usage ?? '?'} bytes (peak ${peak ?? '?'})`, {
      file: err.file, errno: 'EBUSY', hint: 'raise the limit or free memory in the container first', cause: err,
    });
  }
}

export async function memoryV1(ctx: ApplyContext, dir: string, m: MemoryResources): Promise<void> {
  const { host } = ctx;
  const limit = m.limit ?? 0;
  let swap = m.swap ?? 0;
  const hasMemsw = await host.exists(join(dir, MEMSW));
  // "unlimited memory" with no swap value means memory+swap unlimited too (as runc)
  if (limit === -1 && swap === 0 && hasMemsw) swap = -1;
  if (swap !== 0 && !hasMemsw) {
    if (swap !== -1) {
      throw new CgroupError(`linux.resources.memory.swap ${swap} needs ${join(dir, MEMSW)}, which this kernel does not have`, {
        file: join(dir, MEMSW), errno: 'ENOENT',
        hint: 'enable swap accounting (boot with swapaccount=1) or leave memory.swap unset',
      });
    }
    swap = 0; // unlimited swap is what a kernel without swap accounting gives anyway
  }
  const setSwap = (): Promise<void> => writeCg(host, dir, MEMSW, String(swap));
  if (limit !== 0 && swap !== 0) {
    // the kernel keeps memory <= memory+swap at every step: when raising, memsw goes first
    const current = Number(await readCg(host, dir, 'memory.limit_in_bytes'));
    if (swap === -1 || current < swap) {
      await setSwap();
      await setMemoryLimit(host, dir, limit);
    } else {
      await setMemoryLimit(host, dir, limit);
      await setSwap();
    }
  } else {
    if (limit !== 0) await setMemoryLimit(host, dir, limit);
    if (swap !== 0) await setSwap();
  }
  if (m.reservation) await writeCg(host, dir, 'memory.soft_limit_in_bytes', String(m.reservation));
  // on a fresh cgroup "0" is the default: writing it only logs a deprecation notice
  if (m.disableOOMKiller === true || (m.disableOOMKiller === false && ctx.update)) {
    await writeCg(host, dir, 'memory.oom_control', m.disableOOMKiller ? '1' : '0');
  }
  if (m.swappiness !== undefined && m.swappiness !== -1) await writeCg(host, dir, 'memory.swappiness', String(m.swappiness));
}

/** Write a value the kernel may refuse (EINVAL) until the quota is set; true = retry later. */
async function writeBeforeQuota(host: CgroupHost, dir: string, file: string, value: string, quotaFollows: boolean, optional: boolean): Promise<boolean> {
  try {
    await writeCg(host, dir, file, value);
    return false;
  } catch (err) {
    const errno = err instanceof CgroupError ? err.errno : errnoOf(err);
    if (optional && errno === 'ENOENT') return false; // kernel without the feature
    // old_quota/new_period may exceed the parent's limit until the new quota is in place
    if (errno === 'EINVAL' && quotaFollows) return true;
    throw err;
  }
}

export async function cpuV1(ctx: ApplyContext, dir: string, cpu: CpuResources): Promise<void> {
  const { host } = ctx;
  if (cpu.shares) {
    await writeCg(host, dir, 'cpu.shares', String(cpu.shares));
    // the kernel clamps silently; a clamped value would be a lie in the container's config
    const actual = Number(await readCg(host, dir, 'cpu.shares'));
    if (actual !== cpu.shares) {
      throw new CgroupError(`cpu.shares ${cpu.shares} was clamped by the kernel to ${actual}`, {
        file: join(dir, 'cpu.shares'), hint: `use a value between 2 and 262144`,
      });
    }
  }
  const quotaFollows = !!cpu.quota;
  const retryPeriod = !!cpu.period && (await writeBeforeQuota(host, dir, 'cpu.cfs_period_us', String(cpu.period), quotaFollows, false));
  const retryBurst = cpu.burst !== undefined && (await writeBeforeQuota(host, dir, 'cpu.cfs_burst_us', String(cpu.burst), quotaFollows, true));
  if (cpu.quota) {
    await writeCg(host, dir, 'cpu.cfs_quota_us', String(cpu.quota));
    if (retryPeriod) await writeCg(host, dir, 'cpu.cfs_period_us', String(cpu.period));
    if (retryBurst) await writeCg(host, dir, 'cpu.cfs_burst_us', String(cpu.burst));
  }
  if (cpu.idle !== undefined) await writeCg(host, dir, 'cpu.idle', String(cpu.idle));
  // the period first: the kernel checks runtime <= period
  if (cpu.realtimePeriod) await writeCg(host, dir, 'cpu.rt_period_us', String(cpu.realtimePeriod));
  if (cpu.realtimeRuntime) {
    await writeCg(host, dir, 'cpu.rt_runtime_us', String(cpu.realtimeRuntime),
      'every ancestor cgroup needs an rt_runtime_us budget at least as large');
  }
}

/** cpuset.cpus / cpuset.mems: the same files on v1 and v2. */
export async function cpusetFiles(ctx: ApplyContext, dir: string, cpu: CpuResources): Promise<void> {
  const hint = 'the CPUs and memory nodes must exist and be allowed in the parent cpuset';
  if (cpu.cpus) await writeCg(ctx.host, dir, 'cpuset.cpus', cpu.cpus, hint);
  if (cpu.mems) await writeCg(ctx.host, dir, 'cpuset.mems', cpu.mems, hint);
}

/** pids.max: the same file on v1 and v2; OCI says 0 or less is unlimited. */
export async function pidsFile(ctx: ApplyContext, dir: string, limit: number): Promise<void> {
  await writeCg(ctx.host, dir, 'pids.max', limit > 0 ? String(limit) : 'max');
}

const THROTTLE_V1: [keyof BlockIOResources, string][] = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
];

export async function blkioV1(ctx: ApplyContext, dir: string, b: BlockIOResources): Promise<void> {
  const { host } = ctx;
  // BFQ's files when the BFQ scheduler is there, else the legacy CFQ ones (as runc)
  const bfq = await host.exists(join(dir, 'blkio.bfq.weight'));
  const weightFile = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
  const weightDeviceFile = bfq ? 'blkio.bfq.weight_device' : 'blkio.weight_device';
  const schedHint = 'proportional I/O weights need the BFQ (or CFQ) I/O scheduler';
  if (b.weight) await writeCg(host, dir, weightFile, String(b.weight), schedHint);
  if (b.leafWeight) await writeCg(host, dir, 'blkio.leaf_weight', String(b.leafWeight), schedHint);
  for (const wd of b.weightDevice ?? []) {
    if (wd.weight) await writeCg(host, dir, weightDeviceFile, `${wd.major}:${wd.minor} ${wd.weight}`, schedHint);
    if (wd.leafWeight) await writeCg(host, dir, 'blkio.leaf_weight_device', `${wd.major}:${wd.minor} ${wd.leafWeight}`, schedHint);
  }
  for (const [field, file] of THROTTLE_V1) {
    for (const td of (b[field] as { major: number; minor: number; rate: number }[] | undefined) ?? []) {
      await writeCg(host, dir, file, `${td.major}:${td.minor} ${td.rate}`);
    }
  }
}

export async function hugetlbV1(ctx: ApplyContext, dir: string, limits: readonly HugepageLimit[]): Promise<void> {
  for (const h of limits) {
    await writeCg(ctx.host, dir, `hugetlb.${h.pageSize}.limit_in_bytes`, String(h.limit), `is ${h.pageSize} a huge page size of this machine?`);
  }
}
