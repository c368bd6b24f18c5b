// A container store is an lxcpath: <lxcpath>/<name>/config and rootfs/ beside it. Runtime
// state lives apart under /run/corral/lxc/<digest of the lxcpath>/<name> (an ordinary user's
// under $XDG_RUNTIME_DIR/corral/lxc/...), so that two stores with the same container name
// never share state.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../util/errors.js';
import { sha256Hex } from '../util/sha256.js';
import { validateName } from './names.js';
import { isRootCaller, userRunBase } from './userns/caller.js';

export const RUN_BASE = '/run/corral/lxc';

/** /run/corral/lxc for root; an ordinary user may not write /run. */
export function defaultRunBase(): string {
  return isRootCaller() ? RUN_BASE : join(userRunBase(), 'lxc');
}

export class ContainerStore {
  readonly runtimeRoot: string;

  constructor(readonly lxcpath: string, runBase = defaultRunBase()) {
    const digest = sha256Hex(lxcpath).slice(0, 16);
    this.runtimeRoot = join(runBase, digest);
  }

  dir(name: string): string {
    return join(this.lxcpath, validateName(name));
  }

  configPath(name: string): string {
    return join(this.dir(name), 'config');
  }

  defaultRootfs(name: string): string {
    return join(this.dir(name), 'rootfs');
  }

  /** The OCI runtime state dir of this container (see src/runtime/state-store.ts). */
  runDir(name: string): string {
    return join(this.runtimeRoot, validateName(name));
  }

  exists(name: string): boolean {
    return existsSync(this.configPath(name));
  }

  mustExist(name: string): void {
    if (!this.exists(name)) {
      throw new CorralError('NOT_FOUND', `container "${name}" does not exist in ${this.lxcpath}`, {
        hint: `list containers with: corral ls -P ${this.lxcpath}`,
      });
    }
  }

  names(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.lxcpath);
    } catch {
      return [];
    }
    return entries.filter((n) => existsSync(join(this.lxcpath, n, 'config'))).sort();
  }

  ensure(): void {
    mkdirSync(this.lxcpath, { recursive: true, mode: 0o755 });
  }

  /** Make the container dir; refuse if it exists (the create lock is this mkdir). */
  reserve(name: string): string {
    this.ensure();
    const dir = this.dir(name);
    try {
      mkdirSync(dir, { mode: 0o770 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CorralError('EXISTS', `container "${name}" already exists in ${this.lxcpath}`, {
          hint: `pick another name, or remove it first: corral destroy -n ${name}`,
        });
      }
      throw err;
    }
    return dir;
  }

  removeDir(name: string): void {
    const dir = this.dir(name);
    if (existsSync(dir) && statSync(dir).isDirectory()) rmSync(dir, { recursive: true, force: true });
  }
}
