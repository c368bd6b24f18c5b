// On-disk runtime state of OCI containers: <root>/<id>/state.json, written atomically.
// The status is never trusted from disk alone: it is derived from the init process
// (pid + its start time, so a reused pid is never mistaken for the container), the
// presence of exec.fifo (created, not started) and the freezer (paused).
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError, errnoCode } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { isSameProcessAlive } from '../util/proc.js';
import type { CgroupPaths } from './cgroup/index.js';

export const DEFAULT_ROOT = '/run/corral/oci';
export const OCI_VERSION = '1.2.0';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerRecord {
  id: string;
  bundle: string;
  rootfs: string;
  pid: number;
  pidStartTime?: string;
  created: string;
  annotations?: Record<string, string>;
  cgroup?: CgroupPaths;
  /** namespace type -> path joined by exec (the init's /proc/<pid>/ns/* at creation) */
  owner: string;
  /** config.json as validated at create, used by exec (defaults), delete (poststop hooks) */
  configPath: string;
  /** set once start has released the init */
  started?: boolean;
  /** the helper that stays as the init's parent (system containers): pid and start time */
  monitor?: { pid: number; startTime?: string };
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,1023}$/;

export function validateId(id: string): void {
  if (!ID_RE.test(id) || id === '.' || id === '..') {
    throw new CorralError('INVALID_ARGUMENT', `invalid container id "${id}"`, {
      hint: 'ids are 1-1024 characters of letters, digits, "_", ".", "+", "-", starting with a letter or digit',
    });
  }
}

export class StateStore {
  constructor(readonly root: string = DEFAULT_ROOT) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  fifoPath(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  /** Reserve the id atomically: mkdir fails if another create got there first. */
  reserve(id: string): string {
    validateId(id);
    const dir = this.dir(id);
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o711 });
      try {
        mkdirSync(dir, { mode: 0o711 });
      } catch (err) {
        // the root may have just been removed as empty by another container's cleanup
        if (errnoCode(err) !== 'ENOENT') throw err;
        mkdirSync(this.root, { recursive: true, mode: 0o711 });
        mkdirSync(dir, { mode: 0o711 });
      }
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') {
        throw new CorralError('EXISTS', `container "${id}" already exists`, {
          hint: `choose another id, or remove it with: corral oci delete --force ${id}`,
        });
      }
      throw err;
    }
    return dir;
  }

  save(record: ContainerRecord): void {
    writeFileAtomic(join(this.dir(record.id), 'state.json'), JSON.stringify(record));
  }

  load(id: string): ContainerRecord {
    validateId(id);
    const file = join(this.dir(id), 'state.json');
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as ContainerRecord;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        throw new CorralError('NOT_FOUND', `container "${id}" does not exist`, {
          hint: `list containers with: corral oci --root ${this.root} list`,
        });
      }
      throw new CorralError('INTERNAL', `cannot read ${file}: ${(err as Error).message}`);
    }
  }

  exists(id: string): boolean {
    return existsSync(join(this.dir(id), 'state.json'));
  }

  ids(): string[] {
    try {
      return readdirSync(this.root).filter((name) => existsSync(join(this.root, name, 'state.json'))).sort();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * The state dir holds only plain files: unlink them directly (rmSync's recursive walk costs
   * ~5 ms cold). A monitor may still be writing its exit file: try again when a file appears.
   */
  remove(id: string): void {
    const dir = this.dir(id);
    for (let attempt = 0; ; attempt++) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return;
        throw err;
      }
      for (const name of names) {
        try {
          unlinkSync(join(dir, name));
        } catch (err) {
          if (errnoCode(err) === 'EISDIR' || errnoCode(err) === 'EPERM') rmSync(join(dir, name), { recursive: true, force: true });
          else if (errnoCode(err) !== 'ENOENT') throw err;
        }
      }
      try {
        rmdirSync(dir);
        return;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT') return;
        if (code !== 'ENOTEMPTY' || attempt >= 20) throw err;
      }
    }
  }

  /** created | running | stopped, before the freezer is considered (see status.ts). */
  baseStatus(record: ContainerRecord): ContainerStatus {
    if (!isSameProcessAlive(record.pid, record.pidStartTime)) return 'stopped';
    // A start killed after releasing init but before recording it leaves the fifo behind:
    // only a process still running the helper is really waiting for `start`.
    if (!record.started && isFifo(this.fifoPath(record.id)) && stillInHelper(record.pid)) return 'created';
    return 'running';
  }
}

/**
 * Whether pid still runs the native helper's code (it has not exec'd the container's): the
 * helper's file (possibly replaced since: "(deleted)"), or its sealed in-memory copy used
 * when joining a running pid namespace ("/memfd:corral-helper").
 */
export function stillInHelper(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`).includes('corral-helper');
  } catch {
    return true; // cannot tell: keep the fifo's word
  }
}

function isFifo(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}
