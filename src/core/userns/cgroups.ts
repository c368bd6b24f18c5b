// Cgroups for an ordinary user's containers. A user may make cgroups only below a cgroup2
// directory they own (systemd delegates user@UID.service, or root chowns a subtree); the
// kernel checks write access to cgroup.procs of the common ancestor of where a process is
// and where it goes, so that directory must also be the one the user's processes are in.
// Where there is none (this project's hybrid hosts without a systemd user session), the
// container runs in the caller's cgroup without limits: explicit limit keys are refused and
// `start` says so once.
import { constants } from 'node:fs';
import { accessSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroupManager, ownCgroup, type CgroupManager, type CgroupPaths, type CgroupResources, type CgroupStats, type CgroupSystem, type CreatedCgroup, type UpdateResult } from '../../runtime/cgroup/index.js';
import { CorralError } from '../../util/errors.js';

export type UserCgroup = { kind: 'delegated'; system: CgroupSystem; own: string } | { kind: 'none'; why: string };

export interface CgroupProbe {
  /** owner uid, or undefined when it does not exist */
  ownerOf(path: string): number | undefined;
  writable(path: string): boolean;
}

export const realProbe: CgroupProbe = {
  ownerOf: (path) => {
    try {
      return statSync(path).uid;
    } catch {
      return undefined;
    }
  },
  writable: (path) => {
    try {
      accessSync(path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/** The cgroup2 directory this user's containers can live under, or why there is none. */
export function findUserCgroup(system: CgroupSystem, selfCgroup: string, uid: number, probe: CgroupProbe = realProbe): UserCgroup {
  if (!system.unified) return { kind: 'none', why: 'this host has no cgroup2 tree, and cgroup v1 hierarchies are never delegated to a user' };
  let own: string;
  try {
    own = ownCgroup({ ...system, layout: 'v2' }, selfCgroup);
  } catch {
    return { kind: 'none', why: 'this process has no cgroup2 cgroup' };
  }
  const dir = join(system.unified, own);
  if (probe.ownerOf(dir) !== uid || !probe.writable(join(dir, 'cgroup.procs')) || !probe.writable(dir)) {
    return { kind: 'none', why: `the host does not delegate a cgroup to this user (${dir}, where this process runs, is not the user's)` };
  }
  return { kind: 'delegated', system: { layout: 'v2', v1: {}, unified: system.unified, ...(system.roots?.unified ? { roots: { unified: system.roots.unified } } : {}) }, own };
}

export const DELEGATION_HINT = 'run it in a cgroup delegated to you: systemd-run --user --scope -p Delegate=yes corral start ..., or have root make a cgroup2 directory yours (mkdir D; chown USER D D/cgroup.procs D/cgroup.subtree_control) and start from a shell moved into it';

/** The user's containers below their own (delegated) cgroup: <own>/corral/<name>. */
class DelegatedCgroupManager implements CgroupManager {
  private readonly inner: CgroupManager;
  constructor(readonly system: CgroupSystem, private readonly own: string) {
    this.inner = openCgroupManager({ system });
  }
  resolvePath(cgroupsPath: string | undefined, id: string): string {
    if (cgroupsPath) return this.inner.resolvePath(cgroupsPath.startsWith('/') ? cgroupsPath.slice(1) : cgroupsPath, id, `0::${this.own}\n`);
    return `${this.own === '/' ? '' : this.own}/corral/${id}`;
  }
  create = (path: string, r: CgroupResources | undefined) => this.inner.create(path, r);
  update = (p: CgroupPaths, r: CgroupResources) => this.inner.update(p, r);
  pids = (p: CgroupPaths) => this.inner.pids(p);
  stats = (p: CgroupPaths) => this.inner.stats(p);
  freeze = (p: CgroupPaths) => this.inner.freeze(p);
  thaw = (p: CgroupPaths) => this.inner.thaw(p);
  isFrozen = (p: CgroupPaths) => this.inner.isFrozen(p);
  killAll = (p: CgroupPaths, s: NodeJS.Signals | number) => this.inner.killAll(p, s);
  destroy = (p: CgroupPaths) => this.inner.destroy(p);
}

/**
 * No cgroup at all: the container shares its caller's cgroup. Device rules are not needed
 * (in a user namespace the kernel refuses mknod and the bind-mounted nodes keep their host
 * permissions); killing its init ends its pid namespace, and with it every process in it.
 */
export class NoCgroupManager implements CgroupManager {
  constructor(readonly system: CgroupSystem, private readonly why: string) {}
  resolvePath(_cgroupsPath: string | undefined, id: string): string {
    return `/corral/${id}`;
  }
  async create(path: string, _r: CgroupResources | undefined): Promise<CreatedCgroup> {
    return { path, dirs: {}, joinDirs: [] };
  }
  async update(_p: CgroupPaths, _r: CgroupResources): Promise<UpdateResult> {
    throw this.refusal('changing limits');
  }
  async pids(_p: CgroupPaths): Promise<number[]> {
    return [];
  }
  async stats(_p: CgroupPaths): Promise<CgroupStats> {
    return {};
  }
  async freeze(_p: CgroupPaths): Promise<void> {
    throw this.refusal('freezing');
  }
  async thaw(_p: CgroupPaths): Promise<void> {}
  async isFrozen(_p: CgroupPaths): Promise<boolean> {
    return false;
  }
  async killAll(_p: CgroupPaths, _s: NodeJS.Signals | number): Promise<void> {}
  async destroy(_p: CgroupPaths): Promise<void> {}
  private refusal(what: string): CorralError {
    return new CorralError('NOT_SUPPORTED', `${what} needs a cgroup, and this container has none: ${this.why}`, { hint: DELEGATION_HINT });
  }
}

export function userCgroupManager(system: CgroupSystem, choice: UserCgroup): CgroupManager {
  return choice.kind === 'delegated' ? new DelegatedCgroupManager(choice.system, choice.own) : new NoCgroupManager(system, choice.why);
}

export function selfCgroupText(): string {
  return readFileSync('/proc/self/cgroup', 'utf8');
}
