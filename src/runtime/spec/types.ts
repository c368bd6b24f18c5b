// OCI runtime-spec v1.2 types (config.json, state, exec process.json), Linux subset plus the
// platform sections we accept and ignore. Field names are the exact JSON names of the spec.
// Go `uint64`/`int64` fields are `number`: JSON.parse loses precision above 2^53, which only
// matters for "unlimited" sentinels (e.g. rlimit 2^64-1), so consumers treat >= 2^53 as infinite.

export interface Spec {
  ociVersion: string;
  root?: Root; // required on Linux; validateSpec guarantees it is present and absolute
  mounts?: Mount[];
  process?: Process; // optional in config.json, required for create
  hostname?: string;
  domainname?: string;
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
  // Other platforms: valid spec fields, ignored (with a warning) by a Linux runtime.
  solaris?: Record<string, unknown>;
  windows?: Record<string, unknown>;
  vm?: Record<string, unknown>;
  zos?: Record<string, unknown>;
}

export interface Root {
  path: string;
  readonly?: boolean;
}

export interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: IDMapping[]; // idmapped mounts (v1.2)
  gidMappings?: IDMapping[];
}

/** Also the shape of the file given to `exec --process` (runc reads a bare specs.Process). */
export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args?: string[];
  commandLine?: string; // Windows only
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
  ioPriority?: IOPriority;
  scheduler?: Scheduler;
  execCPUAffinity?: ExecCPUAffinity;
}

export type ExecProcess = Process;

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  username?: string; // Windows only
}

export type CapabilitySet = 'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient';
export type Capabilities = Partial<Record<CapabilitySet, string[]>>;

export interface Rlimit {
  type: string; // RLIMIT_* (see constants.ts)
  soft: number;
  hard: number;
}

export interface IOPriority {
  class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
  priority: number;
}

export interface Scheduler {
  policy: string; // SCHED_*
  nice?: number;
  priority?: number;
  flags?: string[]; // SCHED_FLAG_*
  runtime?: number;
  deadline?: number;
  period?: number;
}

export interface ExecCPUAffinity {
  initial?: string; // cpu list, e.g. "0-3,7"
  final?: string;
}

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number; // seconds, > 0
}

export interface Hooks {
  prestart?: Hook[]; // deprecated in the spec, still run by runc
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface Namespace {
  type: NamespaceType;
  path?: string; // join an existing namespace instead of creating one
}

export interface TimeOffset {
  secs?: number;
  nanosecs?: number;
}

export interface Device {
  type: 'c' | 'b' | 'u' | 'p';
  path: string;
  major?: number; // required unless type is 'p'
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface Linux {
  namespaces?: Namespace[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  timeOffsets?: Partial<Record<'monotonic' | 'boottime', TimeOffset>>;
  devices?: Device[];
  netDevices?: Record<string, { name?: string }>;
  cgroupsPath?: string;
  resources?: Resources;
  rootfsPropagation?: 'private' | 'shared' | 'slave' | 'unbindable' | 'rprivate' | 'rshared' | 'rslave' | 'runbindable';
  seccomp?: Seccomp;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: IntelRdt;
  personality?: Personality;
  memoryPolicy?: MemoryPolicy; // runtime-spec 1.3, accepted for forward compatibility
}

export interface DeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string; // subset of "rwm"
}

export interface MemoryResources {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number; // deprecated, ignored
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface CPUResources {
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

export interface BlockIODevice {
  major: number;
  minor: number;
}
export interface WeightDevice extends BlockIODevice {
  weight?: number;
  leafWeight?: number;
}
export interface ThrottleDevice extends BlockIODevice {
  rate: number;
}

export interface BlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: WeightDevice[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface Resources {
  devices?: DeviceRule[];
  memory?: MemoryResources;
  cpu?: CPUResources;
  pids?: { limit: number };
  blockIO?: BlockIO;
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
  rdma?: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  unified?: Record<string, string>;
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number; // 0..5
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface Syscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface Seccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[]; // SCMP_ARCH_*
  flags?: string[]; // SECCOMP_FILTER_FLAG_*
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: Syscall[];
}

export interface IntelRdt {
  closID?: string;
  schemata?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
  enableCMT?: boolean;
  enableMBM?: boolean;
}

export interface Personality {
  domain: 'LINUX' | 'LINUX32';
  flags?: string[];
}

export interface MemoryPolicy {
  mode: string; // MPOL_*
  nodes?: string;
  flags?: string[]; // MPOL_F_*
}

/** OCI state (`corral oci state`); 'paused' is the runc extension. */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'stopped' | 'paused';

export interface State {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  pid?: number; // required while created/running
  bundle: string; // absolute
  annotations?: Record<string, string>;
}

export interface SpecIssue {
  path: string; // JSONPath-like: $.mounts[2].destination
  message: string;
}

export interface ValidatedSpec {
  spec: Spec;
  warnings: SpecIssue[];
}
