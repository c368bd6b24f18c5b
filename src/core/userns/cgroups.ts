// Cgroups for an ordinary user's containers. A user may make cgroups only below a cgroup2
// directory they own (systemd delegates user@UID.service, or root chowns a subtree); the
// kernel checks write access to cgroup.procs of the common ancestor of where a process is
// and where it goes, so that directory must also be the one the user's processes are in.
// Where there is none (this project's hybrid hosts without a systemd user session), the
// container runs in the caller's cgroup without limits: explicit limit keys are refused and
// `start` says so once.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
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

/**
 * An ordinary user's cgroups. Where a container goes depends on the caller (its delegated
 * cgroup, or none); what is done to an existing one depends on its record: a container
 * started from a delegated cgroup has directories there, whoever stops it. Without
 * directories there is nothing to do: killing the init ends its pid namespace, and with it
 * every process in it. Device rules need no cgroup: in a user namespace the kernel refuses
 * mknod and the bind-mounted host nodes keep their host permissions (and loading a device
 * program needs CAP_SYS_ADMIN or CAP_BPF on the host).
 */
export class UserCgroupManager implements CgroupManager {
  private readonly inner: CgroupManager;
  constructor(readonly system: CgroupSystem, private readonly choice: UserCgroup) {
    this.inner = openCgroupManager({ system: choice.kind === 'delegated' ? choice.system : { layout: 'v2', v1: {}, unified: system.unified ?? '/sys/fs/cgroup' } });
  }
  resolvePath(cgroupsPath: string | undefined, id: string): string {
    if (this.choice.kind === 'none') return `/corral/${id}`;
    const own = this.choice.own;
    if (cgroupsPath) return this.inner.resolvePath(cgroupsPath.replace(/^\/+/, ''), id, `0::${own}\n`);
    return `${own === '/' ? '' : own}/corral/${id}`;
  }
  async create(path: string, r: CgroupResources | undefined): Promise<CreatedCgroup> {
    if (this.choice.kind === 'none') return { path, dirs: {}, joinDirs: [] };
    const { devicesProgram: _ignored, ...paths } = await this.inner.create(path, r);
    return paths;
  }
  private has = (p: CgroupPaths) => p.joinDirs.length > 0 || p.unifiedDir !== undefined;
  async update(p: CgroupPaths, r: CgroupResources): Promise<UpdateResult> {
    if (!this.has(p)) throw this.refusal('changing limits');
    return this.inner.update(p, r);
  }
  pids = async (p: CgroupPaths): Promise<number[]> => (this.has(p) ? this.inner.pids(p) : []);
  stats = async (p: CgroupPaths): Promise<CgroupStats> => (this.has(p) ? this.inner.stats(p) : {});
  async freeze(p: CgroupPaths): Promise<void> {
    if (!this.has(p)) throw this.refusal('freezing');
    return this.inner.freeze(p);
  }
  thaw = async (p: CgroupPaths): Promise<void> => (this.has(p) ? this.inner.thaw(p) : undefined);
  isFrozen = async (p: CgroupPaths): Promise<boolean> => (this.has(p) ? this.inner.isFrozen(p) : false);
  killAll = async (p: CgroupPaths, s: NodeJS.Signals | number): Promise<void> => (this.has(p) ? this.inner.killAll(p, s) : undefined);
  destroy = async (p: CgroupPaths): Promise<void> => (this.has(p) ? this.inner.destroy(p) : undefined);
  private refusal(what: string): CorralError {
    const why = this.choice.kind === 'none' ? this.choice.why : 'it was started without one';
    return new CorralError('NOT_SUPPORTED', `${what} needs a cgroup, and this container has none: ${why}`, { hint: DELEGATION_HINT });
  }
}

export function selfCgroupText(): string {
  return readFileSync('/proc/self/cgroup', 'utf8');
}
