// Op codes of the plan format; the C side mirrors them in native/plan.h.
// docs/plan-format.md is the specification of every op's arguments and effect.

export const PLAN_MAGIC = 'CRPL';
export const PLAN_VERSION = 1;
export const PLAN_FLAG_DEBUG = 1;

export const Op = {
  // parent ops (stage 0)
  NS_JOIN: 1,
  UNSHARE_PARENT: 2,
  TIMENS_OFFSETS: 3,
  CONSOLE_SOCKET: 4,
  STATE_DIR: 5,
  FOREGROUND: 6,
  TTY_PROXY: 7,
  CLONE_INTO_CGROUP: 8,
  MONITOR: 9,
  CLONE: 10,
  SETGROUPS: 11,
  UID_MAP: 12,
  GID_MAP: 13,
  CGROUP_JOIN: 14,
  BPF_DEVICES: 15,
  IDMAP_MOUNT: 16,
  IDMAP_TOOL: 17,
  CLONE_INTO_CGROUPNS: 18,
  // child ops
  UNSHARE: 100,
  BECOME_ROOT: 101,
  SYNC: 102,
  SETSID: 103,
  CGROUP_ENTER: 104,
  ROOTFS: 110,
  MOUNT: 111,
  MOUNT_IN_ROOT: 112,
  MKNOD_IN_ROOT: 113,
  SYMLINK_IN_ROOT: 114,
  MKDIR_IN_ROOT: 115,
  PIVOT_ROOT: 116,
  MOVE_ROOT: 117,
  MASK_PATH: 118,
  READONLY_PATH: 119,
  SYSCTL: 120,
  HOSTNAME: 121,
  DOMAINNAME: 122,
  RLIMIT: 123,
  OOM_SCORE_ADJ: 124,
  HOOK: 125,
  CONSOLE: 126,
  WAIT_START: 127,
  CHECK_EXEC: 128,
  TTY: 129,
  SETGROUPS_IDS: 130,
  SETUSER: 131,
  UMASK: 132,
  CAPS_BOUNDING: 133,
  CAPS: 134,
  NO_NEW_PRIVS: 135,
  SECCOMP_INIT: 136,
  SECCOMP_ARCH: 137,
  SECCOMP_RULE: 138,
  SECCOMP_LOAD: 139,
  CHDIR: 140,
  EXEC: 141,
  PRESERVE_FDS: 142,
  MOUNT_DETACHED: 143,
  LINK_UP: 144,
  NS_ENTER: 145,
} as const;

export type OpName = keyof typeof Op;

/**
 * The helper is spawned with its own fds 3-5 (plan, status, control); the caller's fds that
 * `--preserve-fds` hands to the container follow them, from this number on, and the child's
 * `PRESERVE_FDS` op moves them to 3, 4, ... before exec.
 */
export const PRESERVED_FDS_BASE = 6;

export const OP_NAMES: ReadonlyMap<number, OpName> = new Map(
  (Object.entries(Op) as [OpName, number][]).map(([name, code]) => [code, name]),
);

/** An argument: string, integer (int64) or raw bytes. */
export type Arg = string | number | bigint | Uint8Array;

export interface PlanOp {
  op: OpName;
  args: Arg[];
}

export interface Plan {
  debug?: boolean;
  ops: PlanOp[];
}

export function isParentOp(name: OpName): boolean {
  return Op[name] < 100;
}
