// Running one bundle under runc and under `corral oci`: fresh bundle copies, unique ids, the
// output captured, every container deleted afterwards, and a check that neither runtime left
// a cgroup directory behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../src/runtime/spec/types.js';
import { tempDir } from './busybox.js';
import { CORRAL } from './cli.js';

export type RuntimeName = 'runc' | 'corral';
export const RUNTIMES: readonly RuntimeName[] = ['runc', 'corral'];

export interface RunContext {
  runtime: RuntimeName;
  id: string;
  /** this run's copy of the bundle */
  bundle: string;
}

export interface RunResult {
  runtime: RuntimeName;
  id: string;
  bundle: string;
  code: number;
  stdout: string;
  stderr: string;
  /** whatever the case collected from the bundle after the run (hook logs, ...) */
  collected: string;
}

export interface RunOptions {
  /** the case's spec changes, made on this run's copy */
  adjust?: (spec: Spec, ctx: RunContext) => void;
  /** called on the copy after the run, before it is removed */
  collect?: (ctx: RunContext) => string;
  /** chown the copy's rootfs to this uid:gid (user namespace cases) */
  chownRootfs?: number;
  timeoutMs?: number;
}

export function hasRunc(): boolean {
  return spawnSync('runc', ['--version'], { stdio: 'ignore' }).status === 0;
}

let serial = 0;

/** Owns the state roots of both runtimes and the ids it handed out. */
export class DifferentialRunner {
  readonly roots: Record<RuntimeName, string> = { runc: tempDir('diff-runc-root'), corral: tempDir('diff-corral-root') };
  readonly ids: string[] = [];

  newId(runtime: RuntimeName): string {
    const id = `dt${process.pid}-${++serial}-${runtime}`;
    this.ids.push(id);
    return id;
  }

  command(runtime: RuntimeName, args: string[]): [string, string[]] {
    return runtime === 'runc'
      ? ['runc', ['--root', this.roots.runc, ...args]]
      : [process.execPath, [CORRAL, 'oci', '--root', this.roots.corral, ...args]];
  }

  /** Run a fresh copy of the template bundle in the foreground and delete the container. */
  run(runtime: RuntimeName, template: string, opts: RunOptions = {}): RunResult {
    const id = this.newId(runtime);
    const bundle = tempDir(`diff-${runtime}`);
    try {
      execFileSync('cp', ['-a', `${template}/.`, bundle]);
      const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Spec;
      const ctx: RunContext = { runtime, id, bundle };
      opts.adjust?.(spec, ctx);
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
      if (opts.chownRootfs !== undefined) {
        execFileSync('chown', ['-R', '-h', `${opts.chownRootfs}:${opts.chownRootfs}`, join(bundle, 'rootfs')]);
        chmodSync(bundle, 0o711); // mkdtemp's 0700 would keep the mapped root out of its own rootfs
      }
      const [cmd, args] = this.command(runtime, ['run', '--bundle', bundle, id]);
      const r = spawnSync(cmd, args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: opts.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
      });
      this.delete(runtime, id);
      const collected = opts.collect?.(ctx) ?? '';
      return { runtime, id, bundle, code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '', collected };
    } finally {
      this.delete(runtime, id);
      rmSync(bundle, { recursive: true, force: true });
    }
  }

  /** Start a detached container (for tests that join its namespaces); delete it with delete(). */
  runDetached(runtime: RuntimeName, bundle: string, id: string): { code: number; stderr: string } {
    const [cmd, args] = this.command(runtime, ['run', '--detach', '--bundle', bundle, id]);
    const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    return { code: r.status ?? 128, stderr: r.stderr ?? '' };
  }

  state(runtime: RuntimeName, id: string): { pid: number; status: string } | undefined {
    const [cmd, args] = this.command(runtime, ['state', id]);
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) return undefined;
    return JSON.parse(r.stdout) as { pid: number; status: string };
  }

  delete(runtime: RuntimeName, id: string): void {
    const [cmd, args] = this.command(runtime, ['delete', '--force', id]);
    spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
  }

  /** Delete every container this runner ever named, then remove the state roots. */
  cleanup(): void {
    for (const id of this.ids) this.delete(id.endsWith('-runc') ? 'runc' : 'corral', id);
    for (const root of Object.values(this.roots)) rmSync(root, { recursive: true, force: true });
  }
}

/** Cgroup directories named after one of the ids anywhere under /sys/fs/cgroup/<hierarchy>/. */
export function leftoverCgroups(ids: readonly string[], maxDepth = 6): string[] {
  const wanted = new Set(ids);
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      let isDir = false;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (!isDir) continue;
      if (wanted.has(name)) found.push(path);
      if (depth < maxDepth) walk(path, depth + 1);
    }
  };
  if (!existsSync('/sys/fs/cgroup')) return [];
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) walk(join('/sys/fs/cgroup', hierarchy), 1);
  return found;
}

/** Remove an (empty) cgroup parent directory this suite created in every hierarchy. */
export function removeCgroupParent(name: string): void {
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', hierarchy, name);
    try {
      rmdirSync(dir);
    } catch {
      // absent, or not empty: then the leftover check reports what is inside
    }
  }
}
