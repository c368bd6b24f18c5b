// lxc.mount.auto: the standard kernel filesystems, with LXC's modes. What OCI mounts cannot
// say (a read-only /proc/sys with a writable /proc/sys/net) becomes readonlyPaths plus the
// "writablePaths" launch option for the runtime to re-bind.
import type { Mount } from '../../runtime/spec/types.js';
import { fail } from './errors.js';
import { oneOf } from './values.js';

export type CgroupAutoMode = 'mixed' | 'ro' | 'rw' | 'default';

export interface MountAuto {
  proc?: 'mixed' | 'rw';
  sys?: 'mixed' | 'ro' | 'rw';
  cgroup?: { mode: CgroupAutoMode; full: boolean; force: boolean };
  /** shmounts:<host path>[:<container path>] */
  shmounts?: string;
}

const KINDS = ['proc', 'sys', 'cgroup', 'cgroup-full', 'shmounts'] as const;

/** Apply one token ("proc:mixed", "cgroup:ro:force", ...) to the flags; later tokens win. */
function applyToken(auto: MountAuto, token: string): void {
  const [kind, ...parts] = token.split(':');
  const what = oneOf(kind ?? '', KINDS, 'lxc.mount.auto filesystem');
  if (what === 'shmounts') {
    if (parts.length < 1 || parts.length > 2 || !parts[0]) return fail(`"${token}" must be shmounts:<host path>[:<container path>]`);
    auto.shmounts = parts.join(':');
    return;
  }
  if (what === 'proc') {
    if (parts.length > 1) return fail(`"${token}" must be proc, proc:mixed or proc:rw`);
    auto.proc = parts.length === 0 ? 'mixed' : oneOf(parts[0]!, ['mixed', 'rw'] as const, 'proc mode');
    return;
  }
  if (what === 'sys') {
    if (parts.length > 1) return fail(`"${token}" must be sys, sys:mixed, sys:ro or sys:rw`);
    auto.sys = parts.length === 0 ? 'mixed' : oneOf(parts[0]!, ['mixed', 'ro', 'rw'] as const, 'sys mode');
    return;
  }
  const force = parts[parts.length - 1] === 'force';
  const modes = force ? parts.slice(0, -1) : parts;
  if (modes.length > 1) return fail(`"${token}" must be ${what}[:mixed|:ro|:rw][:force]`);
  const mode = modes.length === 0 ? 'default' : oneOf(modes[0]!, ['mixed', 'ro', 'rw'] as const, `${what} mode`);
  auto.cgroup = { mode, full: what === 'cgroup-full', force };
}

/** One lxc.mount.auto value: blank-separated tokens, added to what earlier lines set. */
export function parseMountAuto(value: string, into: MountAuto): void {
  for (const token of value.split(/\s+/).filter(Boolean)) applyToken(into, token);
}

export interface AutoMounts {
  mounts: Mount[];
  readonlyPaths: string[];
  /** paths LXC leaves writable below a read-only parent (needs a re-bind by the runtime) */
  writablePaths: string[];
  warnings: string[];
}

const NOSUID_NODEV_NOEXEC = ['nosuid', 'nodev', 'noexec'];

/**
 * The mounts of lxc.mount.auto. `hasSysAdmin` decides a cgroup mount without a mode (LXC:
 * rw if the container keeps CAP_SYS_ADMIN, since it could remount anyway; else mixed);
 * `netAdminInOwnNetns` decides whether /proc/sys/net and /sys/devices/virtual/net stay
 * writable, as LXC only does that for a container that can administer its own network.
 */
export function autoMounts(auto: MountAuto, opts: { hasSysAdmin: boolean; netAdminInOwnNetns: boolean }): AutoMounts {
  const out: AutoMounts = { mounts: [], readonlyPaths: [], writablePaths: [], warnings: [] };
  if (auto.proc) {
    out.mounts.push({ destination: '/proc', type: 'proc', source: 'proc', options: [...NOSUID_NODEV_NOEXEC] });
    if (auto.proc === 'mixed') {
      out.readonlyPaths.push('/proc/sys', '/proc/sysrq-trigger');
      if (opts.netAdminInOwnNetns) out.writablePaths.push('/proc/sys/net');
    }
  }
  if (auto.sys) {
    const options = [...NOSUID_NODEV_NOEXEC];
    if (auto.sys !== 'rw') options.push('ro');
    out.mounts.push({ destination: '/sys', type: 'sysfs', source: 'sysfs', options });
    if (auto.sys === 'mixed' && opts.netAdminInOwnNetns) out.writablePaths.push('/sys/devices/virtual/net');
  }
  if (auto.cgroup) {
    let mode = auto.cgroup.mode;
    if (mode === 'default') mode = opts.hasSysAdmin ? 'rw' : 'mixed';
    // With a cgroup namespace the container's own cgroup is the root of what it sees, so
    // "mixed" (own cgroup writable, ancestors read-only) is a read-write mount.
    const options = [...NOSUID_NODEV_NOEXEC, mode === 'ro' ? 'ro' : 'rw'];
    out.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options });
    if (auto.cgroup.full) out.warnings.push('cgroup-full: the container sees only its own cgroup subtree (a cgroup namespace is always used)');
  }
  if (auto.shmounts) out.warnings.push(`shmounts:${auto.shmounts} is not supported by Corral; ignored`);
  return out;
}
