// The mount table of a system container, in LXC's order: /proc, a fresh /dev (autodev)
// with its devpts, /sys and the cgroup tree (lxc.mount.auto), then lxc.mount.fstab and
// lxc.mount.entry lines. Mount destinations are created by the runtime, so create=dir|file
// need no translation; "optional" is handed to the lifecycle code (OCI has no such flag).
import type { Mount } from '../../runtime/spec/types.js';
import type { Problems } from './errors.js';
import type { LxcConfig } from './model.js';
import { autoMounts } from './mount-auto.js';
import { entryToOciMount, type MountEntry } from './mount-entry.js';

export interface MountPlan {
  mounts: Mount[];
  readonlyPaths: string[];
  maskedPaths: string[];
  writablePaths: string[];
  optionalMounts: string[];
}

export interface MountOptions {
  rootfs: string;
  caps: readonly string[];
  ownNetns: boolean;
  /** gid 5 (tty) exists in the container: no user namespace, or one that maps it */
  ttyGidMapped: boolean;
}

// LXC mounts a 500 kB tmpfs on /dev: device nodes take no space.
const AUTODEV_SIZE = 500000;

// What LXC's AppArmor profile (lxc-container-default) denies outright, plus the host-wide
// information OCI runtimes mask (the keyring, timers, the scheduler's debug view, the
// firmware). Without an LSM here, masking them is the nearest equivalent; "unconfined" asks
// for no such protection. /proc/sysrq-trigger and /proc/sys are read-only by proc:mixed.
export const LSM_MASKED = [
  '/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/latency_stats', '/proc/timer_stats',
  '/proc/acpi', '/proc/scsi', '/sys/firmware',
];

function devMounts(cfg: LxcConfig, opts: MountOptions, taken: Set<string>): Mount[] {
  const out: Mount[] = [];
  if (cfg.autodev) {
    const size = cfg.autodevTmpfsSize || AUTODEV_SIZE;
    out.push({ destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755', `size=${size}`] });
  }
  // LXC makes no devpts instance for lxc.pty.max = 0
  if (cfg.ptyMax !== 0 && !taken.has('/dev/pts')) {
    const options = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
    if (opts.ttyGidMapped) options.push('gid=5');
    // The monitor's console and ttys are made in this same devpts instance: they come on
    // top of the ptys the container may open itself (LXC gives it lxc.pty.max of its own).
    if (cfg.ptyMax) options.push(`max=${cfg.ptyMax + cfg.ttyMax + 1}`);
    out.push({ destination: '/dev/pts', type: 'devpts', source: 'devpts', options });
  }
  if (cfg.autodev && !taken.has('/dev/shm')) {
    out.push({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'nodev', 'noexec', 'mode=1777'] });
  }
  if (cfg.autodev && !taken.has('/dev/mqueue')) {
    out.push({ destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'nodev', 'noexec'] });
  }
  return out;
}

function entryMounts(entries: readonly MountEntry[], cfg: LxcConfig, opts: MountOptions, problems: Problems, plan: MountPlan): Mount[] {
  // an absolute target may name the rootfs by its configured path too
  const aliases = cfg.rootfs?.backend === 'dir' ? [cfg.rootfs.path] : [];
  const out: Mount[] = [];
  for (const e of entries) {
    const r = entryToOciMount(e, { rootfs: opts.rootfs, rootfsAliases: aliases });
    if ('skipped' in r) {
      problems.warn(e.pos, 'lxc.mount.entry', r.skipped);
      continue;
    }
    out.push(r.mount);
    if (e.optional) plan.optionalMounts.push(r.mount.destination);
  }
  return out;
}

export function buildMounts(cfg: LxcConfig, opts: MountOptions, problems: Problems): MountPlan {
  const plan: MountPlan = { mounts: [], readonlyPaths: [], maskedPaths: [], writablePaths: [], optionalMounts: [] };
  const auto = autoMounts(cfg.mountAuto, {
    hasSysAdmin: opts.caps.includes('CAP_SYS_ADMIN'),
    netAdminInOwnNetns: opts.ownNetns && opts.caps.includes('CAP_NET_ADMIN'),
  });
  for (const w of auto.warnings) problems.warn(undefined, 'lxc.mount.auto', w);
  const user = [
    ...entryMounts(cfg.fstabEntries, cfg, opts, problems, plan),
    ...entryMounts(cfg.mountEntries, cfg, opts, problems, plan),
  ];
  const taken = new Set(user.map((m) => m.destination));
  const proc = auto.mounts.filter((m) => m.destination === '/proc');
  const rest = auto.mounts.filter((m) => m.destination !== '/proc');
  plan.mounts = [...proc, ...devMounts(cfg, opts, taken), ...rest, ...user];
  plan.readonlyPaths = auto.readonlyPaths;
  plan.writablePaths = auto.writablePaths;
  if (cfg.lsm.apparmorProfile !== 'unconfined') plan.maskedPaths = [...LSM_MASKED];
  return plan;
}
