// Structural description of config.json (runtime-spec v1.2, Linux), written with schema.ts.
// One description drives validation; cross-field rules are in semantic.ts.
import { CAPABILITY_NAMES } from './capabilities.js';
import {
  MPOL_FLAGS,
  MPOL_MODES,
  NAMESPACE_TYPES,
  RLIMITS,
  ROOTFS_PROPAGATIONS,
  SCHED_FLAGS,
  SCHED_POLICIES,
  SECCOMP_ACTIONS,
  SECCOMP_ARCHES,
  SECCOMP_FLAGS,
  SECCOMP_OPERATORS,
} from './constants.js';
import {
  anyObject,
  arrayOf,
  bool,
  enumOf,
  int32,
  int64,
  integer,
  object,
  opt,
  record,
  str,
  uint16,
  uint32,
  uint64,
  unimplemented as unimpl,
  type Schema,
} from './schema.js';

const strings = (): Schema => arrayOf(str());
const capList = (): Schema => opt(arrayOf(enumOf(CAPABILITY_NAMES, 'capability')));

const idMapping = object({ containerID: uint32(), hostID: uint32(), size: uint32() });

const user = object({
  uid: uint32(),
  gid: uint32(),
  umask: opt(uint32()),
  additionalGids: opt(arrayOf(uint32())),
  username: opt(str()), // Windows; harmless on Linux
});

const capabilities = object({
  bounding: capList(),
  effective: capList(),
  inheritable: capList(),
  permitted: capList(),
  ambient: capList(),
});

const rlimit = object({
  type: enumOf(Object.keys(RLIMITS), 'rlimit type'),
  soft: uint64(),
  hard: uint64(),
});

const scheduler = object({
  policy: enumOf(SCHED_POLICIES),
  nice: opt(int32()),
  priority: opt(int32()),
  flags: opt(arrayOf(enumOf(SCHED_FLAGS))),
  runtime: opt(uint64()),
  deadline: opt(uint64()),
  period: opt(uint64()),
});

/** Shared by config.json's `process` and the `exec --process` file. */
export const processSchema: Schema = object({
  terminal: opt(bool()),
  consoleSize: opt(object({ height: uint32(), width: uint32() })),
  user,
  args: opt(strings()),
  commandLine: opt(str()), // Windows only
  env: opt(strings()),
  cwd: str(),
  capabilities: opt(capabilities),
  rlimits: opt(arrayOf(rlimit)),
  noNewPrivileges: opt(bool()),
  apparmorProfile: opt(unimpl(str(), 'no AppArmor profile is applied')),
  oomScoreAdj: opt(integer(-1000, 1000, 'integer in [-1000, 1000]')),
  selinuxLabel: opt(unimpl(str(), 'no SELinux label is applied')),
  ioPriority: opt(
    unimpl(
      object({ class: enumOf(['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE']), priority: integer(0, 7, 'integer in [0, 7]') }),
      'the I/O priority is not changed',
    ),
  ),
  scheduler: opt(unimpl(scheduler, 'the scheduling policy is not changed')),
  execCPUAffinity: opt(unimpl(object({ initial: opt(str()), final: opt(str()) }), 'the CPU affinity is not changed')),
});

const hook = object({ path: str(), args: opt(strings()), env: opt(strings()), timeout: opt(integer(1, 2 ** 31 - 1, 'positive integer')) });

const hooks = object({
  prestart: opt(arrayOf(hook)),
  createRuntime: opt(arrayOf(hook)),
  createContainer: opt(arrayOf(hook)),
  startContainer: opt(arrayOf(hook)),
  poststart: opt(arrayOf(hook)),
  poststop: opt(arrayOf(hook)),
});

const mount = object({
  destination: str(),
  type: opt(str()),
  source: opt(str()),
  options: opt(strings()),
  uidMappings: opt(arrayOf(idMapping)),
  gidMappings: opt(arrayOf(idMapping)),
});

const device = object({
  type: enumOf(['c', 'b', 'u', 'p']),
  path: str(),
  major: opt(int64()),
  minor: opt(int64()),
  fileMode: opt(uint32()),
  uid: opt(uint32()),
  gid: opt(uint32()),
});

const deviceRule = object({
  allow: bool(),
  type: opt(enumOf(['a', 'c', 'b'])),
  major: opt(int64()),
  minor: opt(int64()),
  access: opt(str(/^[rwm]*$/, 'string of r, w, m')),
});

const blkDevice = { major: int64(), minor: int64() };
const throttle = arrayOf(object({ ...blkDevice, rate: uint64() }));

const resources = object({
  devices: opt(arrayOf(deviceRule)),
  memory: opt(
    object({
      limit: opt(int64()),
      reservation: opt(int64()),
      swap: opt(int64()),
      kernel: opt(unimpl(int64(), 'kernel memory limits are deprecated and ignored')),
      kernelTCP: opt(int64()),
      swappiness: opt(uint64()),
      disableOOMKiller: opt(bool()),
      useHierarchy: opt(bool()),
      checkBeforeUpdate: opt(bool()),
    }),
  ),
  cpu: opt(
    object({
      shares: opt(uint64()),
      quota: opt(int64()),
      burst: opt(uint64()),
      period: opt(uint64()),
      realtimeRuntime: opt(int64()),
      realtimePeriod: opt(uint64()),
      cpus: opt(str()),
      mems: opt(str()),
      idle: opt(int64()),
    }),
  ),
  pids: opt(object({ limit: int64() })),
  blockIO: opt(
    object({
      weight: opt(uint16()),
      leafWeight: opt(uint16()),
      weightDevice: opt(arrayOf(object({ ...blkDevice, weight: opt(uint16()), leafWeight: opt(uint16()) }))),
      throttleReadBpsDevice: opt(throttle),
      throttleWriteBpsDevice: opt(throttle),
      throttleReadIOPSDevice: opt(throttle),
      throttleWriteIOPSDevice: opt(throttle),
    }),
  ),
  hugepageLimits: opt(unimpl(arrayOf(object({ pageSize: str(), limit: uint64() })), 'hugetlb limits are not applied')),
  network: opt(
    unimpl(
      object({ classID: opt(uint32()), priorities: opt(arrayOf(object({ name: str(), priority: uint32() }))) }),
      'net_cls/net_prio settings are not applied',
    ),
  ),
  rdma: opt(unimpl(record(object({ hcaHandles: opt(uint32()), hcaObjects: opt(uint32()) })), 'RDMA limits are not applied')),
  unified: opt(record(str())),
});

const seccompArg = object({ index: integer(0, 5, 'syscall argument index 0-5'), value: uint64(), valueTwo: opt(uint64()), op: enumOf(SECCOMP_OPERATORS) });

const seccomp = object({
  defaultAction: enumOf(SECCOMP_ACTIONS),
  defaultErrnoRet: opt(uint32()),
  architectures: opt(arrayOf(enumOf(SECCOMP_ARCHES, 'seccomp architecture'))),
  flags: opt(arrayOf(enumOf(SECCOMP_FLAGS))),
  listenerPath: opt(unimpl(str(), 'SCMP_ACT_NOTIFY requests are not forwarded to a listener')),
  listenerMetadata: opt(str()),
  syscalls: opt(arrayOf(object({ names: strings(), action: enumOf(SECCOMP_ACTIONS), errnoRet: opt(uint32()), args: opt(arrayOf(seccompArg)) }))),
});

const linux = object({
  namespaces: opt(arrayOf(object({ type: enumOf(NAMESPACE_TYPES), path: opt(str()) }))),
  uidMappings: opt(arrayOf(idMapping)),
  gidMappings: opt(arrayOf(idMapping)),
  timeOffsets: opt(record(object({ secs: opt(int64()), nanosecs: opt(uint32()) }), enumOf(['monotonic', 'boottime']))),
  devices: opt(arrayOf(device)),
  netDevices: opt(unimpl(record(object({ name: opt(str()) })), 'network devices are not moved into the container')),
  cgroupsPath: opt(str()),
  resources: opt(resources),
  rootfsPropagation: opt(enumOf(ROOTFS_PROPAGATIONS)),
  seccomp: opt(seccomp),
  sysctl: opt(record(str())),
  maskedPaths: opt(strings()),
  readonlyPaths: opt(strings()),
  mountLabel: opt(unimpl(str(), 'no SELinux mount label is applied')),
  intelRdt: opt(
    unimpl(
      object({ closID: opt(str()), schemata: opt(str()), l3CacheSchema: opt(str()), memBwSchema: opt(str()), enableCMT: opt(bool()), enableMBM: opt(bool()) }),
      'no Intel RDT class of service is set up',
    ),
  ),
  personality: opt(unimpl(object({ domain: enumOf(['LINUX', 'LINUX32']), flags: opt(strings()) }), 'the execution domain is not changed')),
  memoryPolicy: opt(
    unimpl(object({ mode: enumOf(MPOL_MODES), nodes: opt(str()), flags: opt(arrayOf(enumOf(MPOL_FLAGS))) }), 'the NUMA memory policy is not changed'),
  ),
});

const otherPlatform = (name: string): Schema => opt(unimpl(anyObject(), `"${name}" settings are for another platform and are ignored on Linux`));

export const specSchema: Schema = object({
  ociVersion: str(),
  root: opt(object({ path: str(), readonly: opt(bool()) })), // presence checked semantically
  mounts: opt(arrayOf(mount)),
  process: opt(processSchema),
  hostname: opt(str()),
  domainname: opt(str()),
  hooks: opt(hooks),
  annotations: opt(record(str())),
  linux: opt(linux),
  solaris: otherPlatform('solaris'),
  windows: otherPlatform('windows'),
  vm: otherPlatform('vm'),
  zos: otherPlatform('zos'),
});

/** linux.seccomp alone: an OCI seccomp profile file (lxc.seccomp.profile). */
export { seccomp as seccompSchema };
