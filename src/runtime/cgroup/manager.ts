// The CgroupManager over cgroupfs. Layout differences are confined to making directories
// (v1.ts, v2.ts, hybrid.ts) and to where each controller lives (resources.ts locate()).
import { removeCreated, removeTree } from './dirs.js';
import { freezeV1, freezeV2, isFrozenV1, isFrozenV2, thawV1, thawV2 } from './freezer.js';
import { errnoOf, join, readOptional, writeCg } from './fsio.js';
import { makeHybridDirs } from './hybrid.js';
import { normalizeCgroupPath, resolveCgroupPath } from './paths.js';
import { applyResources, locate, neededV2Controllers, type Location } from './resources.js';
import { readStats } from './stats.js';
import { makeV1Dirs } from './v1.js';
import { DEFAULT_V2_CONTROLLERS, enableUnifiedControllers, makeUnifiedDir } from './v2.js';
import { validateResources } from './validate.js';
import {
  CgroupError, type CgroupHost, type CgroupManager, type CgroupPaths, type CgroupResources, type CgroupStats,
  type CgroupSystem, type CreatedCgroup, type UpdateResult,
} from './types.js';

/** The hierarchy whose cgroup.procs lists every process of the container. */
export function trackingDir(paths: CgroupPaths): string | undefined {
  if (paths.unifiedDir) return paths.unifiedDir;
  for (const key of ['pids', 'freezer', 'name=systemd', 'memory']) {
    const found = Object.entries(paths.dirs).find(([k]) => k.split(',').includes(key));
    if (found) return found[1];
  }
  return Object.values(paths.dirs)[0];
}

const isSigkill = (s: NodeJS.Signals | number): boolean => s === 'SIGKILL' || s === 9;

export class FsCgroupManager implements CgroupManager {
  constructor(readonly system: CgroupSystem, private readonly host: CgroupHost) {}

  resolvePath(cgroupsPath: string | undefined, id: string, selfCgroup?: string): string {
    return resolveCgroupPath(this.system, cgroupsPath, id, selfCgroup);
  }

  async create(path: string, resources: CgroupResources | undefined): Promise<CreatedCgroup> {
    const cgPath = normalizeCgroupPath(path);
    const r = resources ?? {};
    validateResources(this.system, r);
    const created: string[] = [];
    try {
      const paths = await this.makeDirs(cgPath, r, created);
      await this.refuseBusy(paths, created);
      const program = await applyResources(this.host, this.system, paths, r, false);
      return program ? { ...paths, devicesProgram: program } : paths;
    } catch (err) {
      const cleanupError = await removeCreated(this.host, created);
      if (cleanupError && err instanceof CgroupError) {
        err.cleanupError = cleanupError;
        err.message += `; undoing the create also failed: ${cleanupError.message}`;
      }
      throw err;
    }
  }

  private async makeDirs(path: string, r: CgroupResources, created: string[]): Promise<CgroupPaths> {
    const neededV2 = neededV2Controllers(this.system, r);
    if (this.system.layout === 'v1') {
      const dirs = await makeV1Dirs(this.host, this.system, path, created);
      return { path, dirs, joinDirs: Object.values(dirs) };
    }
    if (this.system.layout === 'v2') {
      const unifiedDir = await makeUnifiedDir(this.host, this.system.unified!, path, DEFAULT_V2_CONTROLLERS, neededV2, created);
      return { path, dirs: {}, joinDirs: [unifiedDir], unifiedDir };
    }
    const { dirs, unifiedDir } = await makeHybridDirs(this.host, this.system, path, neededV2, created);
    const joinDirs = [...Object.values(dirs), ...(unifiedDir ? [unifiedDir] : [])];
    return unifiedDir ? { path, dirs, joinDirs, unifiedDir } : { path, dirs, joinDirs };
  }

  /** A leftover cgroup may be reused, but never one that still holds processes. */
  private async refuseBusy(paths: CgroupPaths, created: readonly string[]): Promise<void> {
    const dir = trackingDir(paths);
    if (!dir || created.includes(dir)) return;
    const pids = await this.pids(paths);
    if (pids.length > 0) {
      throw new CgroupError(`cgroup ${paths.path} already exists and holds processes (${pids.slice(0, 5).join(', ')})`, {
        file: dir, hint: 'another container uses this cgroupsPath; pick another or stop that container',
      });
    }
  }

  async update(paths: CgroupPaths, resources: CgroupResources): Promise<UpdateResult> {
    validateResources(this.system, resources);
    const neededV2 = neededV2Controllers(this.system, resources);
    if (neededV2.length > 0 && this.system.unified && paths.unifiedDir) {
      await enableUnifiedControllers(this.host, this.system.unified, paths.path, neededV2, neededV2);
    }
    const program = await applyResources(this.host, this.system, paths, resources, true);
    return program ? { devicesProgram: program } : {};
  }

  async pids(paths: CgroupPaths): Promise<number[]> {
    const dir = trackingDir(paths);
    if (!dir) return [];
    const found = new Set<number>();
    const walk = async (d: string): Promise<void> => {
      const procs = await readOptional(this.host, d, 'cgroup.procs');
      if (procs === undefined) return; // removed meanwhile
      for (const line of procs.split('\n')) if (line.trim()) found.add(Number(line));
      let children: string[] = [];
      try {
        children = await this.host.readdir(d);
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw err;
      }
      for (const child of children) await walk(join(d, child));
    };
    await walk(dir);
    return [...found].sort((a, b) => a - b);
  }

  stats(paths: CgroupPaths): Promise<CgroupStats> {
    return readStats(this.host, this.system, paths);
  }

  private freezer(paths: CgroupPaths): Location {
    const loc = locate(this.system, paths, 'freezer');
    if (!loc) throw new CgroupError(`no freezer for cgroup ${paths.path}: neither a v1 freezer hierarchy nor cgroup2 is mounted`);
    return loc;
  }

  async freeze(paths: CgroupPaths): Promise<void> {
    const loc = this.freezer(paths);
    await (loc.version === 1 ? freezeV1 : freezeV2)(this.host, loc.dir);
  }

  async thaw(paths: CgroupPaths): Promise<void> {
    const loc = this.freezer(paths);
    await (loc.version === 1 ? thawV1 : thawV2)(this.host, loc.dir);
  }

  async isFrozen(paths: CgroupPaths): Promise<boolean> {
    const loc = this.freezer(paths);
    return (loc.version === 1 ? isFrozenV1 : isFrozenV2)(this.host, loc.dir);
  }

  async killAll(paths: CgroupPaths, signal: NodeJS.Signals | number): Promise<void> {
    // cgroup.kill reaches every task at once, forks in flight included
    if (isSigkill(signal) && paths.unifiedDir && (await this.host.exists(join(paths.unifiedDir, 'cgroup.kill')))) {
      await writeCg(this.host, paths.unifiedDir, 'cgroup.kill', '1');
      return;
    }
    // otherwise freeze so no process forks between listing and signalling; a container
    // that was paused stays paused, except that v1 frozen tasks cannot die of SIGKILL
    const loc = locate(this.system, paths, 'freezer');
    const wasFrozen = loc ? await this.isFrozen(paths).catch(() => false) : false;
    let froze = false;
    if (loc && !wasFrozen) {
      try {
        await this.freeze(paths);
        froze = true;
      } catch {
        // best effort: signal anyway
      }
    }
    try {
      for (const pid of await this.pids(paths)) this.signal(pid, signal);
    } finally {
      if (froze || (wasFrozen && loc?.version === 1 && isSigkill(signal))) await this.thaw(paths);
    }
  }

  private signal(pid: number, signal: NodeJS.Signals | number): void {
    try {
      (this.host.kill ?? ((p: number, s: NodeJS.Signals | number) => process.kill(p, s)))(pid, signal);
    } catch (err) {
      if (errnoOf(err) !== 'ESRCH') throw err; // exited meanwhile
    }
  }

  async destroy(paths: CgroupPaths): Promise<void> {
    const dirs = [...Object.values(paths.dirs), ...(paths.unifiedDir ? [paths.unifiedDir] : [])];
    const errors: Error[] = [];
    for (const dir of dirs) {
      try {
        await removeTree(this.host, dir);
      } catch (err) {
        errors.push(err as Error);
      }
    }
    const [first, ...rest] = errors;
    if (first) {
      if (rest.length > 0) first.message += ` (and ${rest.length} more: ${rest.map((e) => e.message).join('; ')})`;
      throw first;
    }
  }
}
