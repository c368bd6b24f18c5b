// Shared types of the cgroup layer. The resource shapes mirror OCI `linux.resources`
// field for field, so the runtime can pass a spec's resources through unchanged.

export type CgroupLayout = 'v1' | 'v2' | 'hybrid';

export interface CgroupSystem {
  layout: CgroupLayout;
  /** v1 hierarchy key ('memory', 'cpu,cpuacct', 'name=systemd', ...) -> mountpoint */
  v1: Record<string, string>;
  /** cgroup2 mountpoint (v2: the only one; hybrid: usually /sys/fs/cgroup/unified) */
  unified?: string;
  /**
   * hierarchy key (or 'unified') -> the cgroup path the mount exposes as its root, when it
   * is not '/' (a container that sees a sub-tree without a cgroup namespace).
   */
  roots?: Record<string, string>;
}

export interface DeviceRule {
  allow: boolean;
  /** 'a' = every device (like v1, an 'a' rule resets the whole list); default 'a' */
  type?: 'a' | 'b' | 'c';
  /** undefined, null or -1 = any */
  major?: number | null;
  minor?: number | null;
  /** subset of "rwm"; default "rwm" */
  access?: string;
}

export interface MemoryResources {
  limit?: number;
  reservation?: number;
  swap?: number;
  /** deprecated by OCI and removed from recent kernels: ignored, as runc does */
  kernel?: number;
  /** deprecated: ignored, as runc does */
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface CpuResources {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface WeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface ThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface BlockIOResources {
  weight?: number;
  leafWeight?: number;
  weightDevice?: WeightDevice[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface HugepageLimit {
  /** '2MB', '1GB', '64KB' */
  pageSize: string;
  limit: number;
}

export interface CgroupResources {
  devices?: DeviceRule[];
  memory?: MemoryResources;
  cpu?: CpuResources;
  pids?: { limit: number };
  blockIO?: BlockIOResources;
  hugepageLimits?: HugepageLimit[];
  /** cgroup v2 files written verbatim (key = file name), after everything else */
  unified?: Record<string, string>;
}

export interface CgroupPaths {
  /** cgroup path relative to each hierarchy root, e.g. /corral/abc */
  path: string;
  /** v1 hierarchy key -> absolute dir (empty on pure v2) */
  dirs: Record<string, string>;
  /** dirs the container's init pid must be written to (cgroup.procs), unified last */
  joinDirs: string[];
  /** the cgroup2 dir (v2 and hybrid) */
  unifiedDir?: string;
}

export interface CreatedCgroup extends CgroupPaths {
  /** eBPF BPF_PROG_TYPE_CGROUP_DEVICE instructions to load and attach to unifiedDir */
  devicesProgram?: Uint8Array;
}

export interface UpdateResult {
  /** a new device program to attach (v2) when the update changed devices */
  devicesProgram?: Uint8Array;
}

export interface CgroupStats {
  memory?: { usage: number; maxUsage?: number; limit?: number; swapUsage?: number; cache?: number; rss?: number };
  cpu?: { usageNs: number; userNs?: number; systemNs?: number; throttledPeriods?: number; throttledNs?: number };
  pids?: { current: number; limit?: number };
  blkio?: { readBytes: number; writeBytes: number };
}

/** The side effects of the cgroup layer, so unit tests can record them without root. */
export interface CgroupHost {
  readFile(path: string): Promise<string>;
  /** one write(2) of the whole value, no O_CREAT: cgroupfs treats each write as one command */
  writeFile(path: string, data: string): Promise<void>;
  /** creates parents too; an existing directory is fine */
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** names of the sub-directories (child cgroups) of path; files are left out */
  readdir(path: string): Promise<string[]>;
  /** send a signal to a process; the real host uses process.kill */
  kill?(pid: number, signal: NodeJS.Signals | number): void;
  /** wait; injectable so fakes do not slow unit tests */
  sleep?(ms: number): Promise<void>;
}

/** Every failure of this layer: says which file and value when a write failed. */
export class CgroupError extends Error {
  readonly code = 'CGROUP';
  file?: string;
  /** errno code of the underlying failure (EINVAL, EBUSY, ENOENT...) */
  errno?: string;
  hint?: string;
  /** a failure while undoing a failed create, kept beside the original one */
  cleanupError?: Error;

  constructor(message: string, opts: { file?: string; errno?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CgroupError';
    if (opts.file !== undefined) this.file = opts.file;
    if (opts.errno !== undefined) this.errno = opts.errno;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

export interface CgroupManager {
  readonly system: CgroupSystem;
  resolvePath(cgroupsPath: string | undefined, id: string, selfCgroup?: string): string;
  create(path: string, resources: CgroupResources | undefined): Promise<CreatedCgroup>;
  update(paths: CgroupPaths, resources: CgroupResources): Promise<UpdateResult>;
  pids(paths: CgroupPaths): Promise<number[]>;
  stats(paths: CgroupPaths): Promise<CgroupStats>;
  freeze(paths: CgroupPaths): Promise<void>;
  thaw(paths: CgroupPaths): Promise<void>;
  isFrozen(paths: CgroupPaths): Promise<boolean>;
  killAll(paths: CgroupPaths, signal: NodeJS.Signals | number): Promise<void>;
  destroy(paths: CgroupPaths): Promise<void>;
}
