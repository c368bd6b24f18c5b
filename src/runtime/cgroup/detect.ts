// Which cgroup layout the host runs, from /proc/self/mountinfo. We read the mount table
// rather than probing well-known paths because distributions and container hosts mount
// hierarchies in different places (and combine controllers differently).
import { readFileSync } from 'node:fs';
import { CgroupError, type CgroupSystem } from './types.js';

/** v1 controller names as the kernel prints them in a cgroup mount's super options. */
const V1_CONTROLLERS = new Set([
  'cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls',
  'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma', 'misc', 'debug',
]);

interface CgroupMount {
  fstype: 'cgroup' | 'cgroup2';
  root: string;
  mountpoint: string;
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function parseLine(line: string): CgroupMount | undefined {
  const sep = line.indexOf(' - ');
  if (sep < 0) return undefined;
  const left = line.slice(0, sep).split(' ');
  const right = line.slice(sep + 3).split(' ');
  const fstype = right[0];
  if ((fstype !== 'cgroup' && fstype !== 'cgroup2') || left.length < 5) return undefined;
  return {
    fstype,
    root: unescapeMountinfo(left[3] ?? '/'),
    mountpoint: unescapeMountinfo(left[4] ?? ''),
    superOptions: (right[2] ?? '').split(','),
  };
}

/** 'rw,cpu,cpuacct' -> 'cpu,cpuacct'; 'rw,xattr,name=systemd' -> 'name=systemd'. */
export function hierarchyKey(superOptions: readonly string[]): string | undefined {
  const controllers = superOptions.filter((o) => V1_CONTROLLERS.has(o));
  const name = superOptions.find((o) => o.startsWith('name='));
  const parts = name ? [...controllers, name] : controllers;
  return parts.length > 0 ? parts.join(',') : undefined;
}

function pickUnified(mounts: CgroupMount[]): CgroupMount | undefined {
  const v2 = mounts.filter((m) => m.fstype === 'cgroup2');
  // a bind mount of a sub-tree may appear too; the canonical place wins
  return v2.find((m) => m.mountpoint === '/sys/fs/cgroup') ?? v2.find((m) => m.root === '/') ?? v2[0];
}

export function detectCgroups(mountinfo?: string): CgroupSystem {
  const text = mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8');
  const mounts = text.split('\n').map(parseLine).filter((m): m is CgroupMount => m !== undefined);
  const v1: Record<string, string> = {};
  const roots: Record<string, string> = {};
  for (const m of mounts) {
    if (m.fstype !== 'cgroup') continue;
    const key = hierarchyKey(m.superOptions);
    // the first mount of a hierarchy is the host's; later ones are usually bind mounts
    if (!key || v1[key] !== undefined) continue;
    v1[key] = m.mountpoint;
    if (m.root !== '/') roots[key] = m.root;
  }
  const unifiedMount = pickUnified(mounts);
  const hasV1Controllers = Object.keys(v1).some((k) => k.split(',').some((c) => V1_CONTROLLERS.has(c)));
  if (!unifiedMount && Object.keys(v1).length === 0) {
    throw new CgroupError('no cgroup filesystem is mounted (nothing of type cgroup or cgroup2 in /proc/self/mountinfo)', {
      hint: 'mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)',
    });
  }
  const system: CgroupSystem = { layout: 'v1', v1 };
  if (unifiedMount) {
    system.unified = unifiedMount.mountpoint;
    if (unifiedMount.root !== '/') roots.unified = unifiedMount.root;
    // a v1 mount that only carries a name= hierarchy (systemd's legacy tracking) does
    // not make the host hybrid: every controller is still on cgroup2
    system.layout = hasV1Controllers ? 'hybrid' : 'v2';
    if (!hasV1Controllers) {
      system.v1 = {};
      for (const key of Object.keys(roots)) if (key !== 'unified') delete roots[key];
    }
  }
  if (Object.keys(roots).length > 0) system.roots = roots;
  return system;
}

/** The v1 hierarchy key that carries a controller ('cpu' -> 'cpu,cpuacct'), if mounted. */
export function v1KeyFor(system: CgroupSystem, controller: string): string | undefined {
  return Object.keys(system.v1).find((k) => k.split(',').includes(controller));
}
