// The config written by `corral oci spec`: runc's example spec (libcontainer/specconv
// Example/ToRootless, runc >= 1.2), with hostname "corral". Keys are built in the order Go
// marshals them, so JSON.stringify(spec, null, '\t') reads like `runc spec` output.
import type { Mount, Namespace, Spec } from './types.js';

export const DEFAULT_OCI_VERSION = '1.2.0';

// Only the capabilities a plain unprivileged daemon typically needs, as in runc/Docker's floor.
const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

function defaultMounts(): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
  '/sys/devices/virtual/tpm', // runc >= 1.2.x; absent on most hosts, so masking must skip ENOENT
];

const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function rootfulSpec(args: string[]): Spec {
  return {
    ociVersion: DEFAULT_OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...DEFAULT_CAPS], effective: [...DEFAULT_CAPS], permitted: [...DEFAULT_CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'corral',
    mounts: defaultMounts(),
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      // runc adds cgroup only on cgroup v2 hosts; Corral always does (v2 is what it supports).
      namespaces: (['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'] as const).map((type) => ({ type })),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}

/**
 * runc's ToRootless: an unprivileged user cannot create a network namespace worth having
 * (no way to configure it), cannot mount a fresh sysfs outside its own netns, cannot chown
 * devpts to gid 5 (unmapped), and cannot configure cgroups without delegation.
 */
function toRootless(spec: Spec): void {
  const linux = spec.linux!;
  const namespaces: Namespace[] = (linux.namespaces ?? []).filter((ns) => ns.type !== 'network' && ns.type !== 'user');
  namespaces.push({ type: 'user' });
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  spec.linux = {
    uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
    namespaces,
    maskedPaths: linux.maskedPaths,
    readonlyPaths: linux.readonlyPaths,
  }; // resources dropped
  spec.mounts = (spec.mounts ?? []).map((m) => {
    if (m.destination === '/sys') {
      return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    }
    const options = m.options?.filter((o) => !o.startsWith('gid=') && !o.startsWith('uid='));
    return options ? { ...m, options } : m;
  });
}

/** The spec `corral oci spec [--rootless]` writes. `args` replaces the default ["sh"]. */
export function defaultSpec(opts: { rootless?: boolean; args?: string[] } = {}): Spec {
  const spec = rootfulSpec(opts.args ? [...opts.args] : ['sh']);
  if (opts.rootless) toRootless(spec);
  return spec;
}
