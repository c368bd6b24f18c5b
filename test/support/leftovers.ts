// Checks that a container left nothing behind: state dir, cgroup dirs, host mounts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerStore } from '../../src/core/store.js';
import { processStartTime } from '../../src/util/proc.js';

export function cgroupDirsOf(id: string, parent = 'corral'): string[] {
  const found: string[] = [];
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', hierarchy, parent, id);
    if (existsSync(dir)) found.push(dir);
  }
  if (existsSync(join('/sys/fs/cgroup', parent, id))) found.push(join('/sys/fs/cgroup', parent, id));
  return found;
}

export function hostMountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp.startsWith(path));
}

export function leftovers(root: string, id: string, bundle: string): string[] {
  const out: string[] = [];
  if (existsSync(join(root, id))) out.push(`state dir ${join(root, id)}`);
  for (const d of cgroupDirsOf(id)) out.push(`cgroup ${d}`);
  for (const m of hostMountsUnder(bundle)) out.push(`mount ${m}`);
  return out;
}

/** A process as seen now: its pid and start time, so a reused pid is not mistaken for it. */
export interface SeenProcess {
  pid: number;
  start: string;
  what: string;
}

export function seeProcess(pid: number, what: string): SeenProcess | undefined {
  const start = processStartTime(pid);
  return start === undefined ? undefined : { pid, start, what };
}

/** Parent pid (field 4 of /proc/<pid>/stat), or undefined if gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Those of `seen` still in /proc (zombies included: someone failed to reap them). */
export function stillThere(seen: SeenProcess[]): SeenProcess[] {
  return seen.filter((p) => processStartTime(p.pid) === p.start);
}

/**
 * What a store left behind once all its containers are destroyed: container dirs, the
 * runtime root (state dirs and `<name>.lock` dirs live there), cgroups, mounts under it.
 */
export function storeLeftovers(lxcpath: string, names: string[]): string[] {
  const out: string[] = [];
  const runtimeRoot = new ContainerStore(lxcpath).runtimeRoot;
  if (existsSync(runtimeRoot)) out.push(`runtime dir ${runtimeRoot}: ${readdirSync(runtimeRoot).join(' ')}`);
  for (const n of existsSync(lxcpath) ? readdirSync(lxcpath) : []) out.push(`container dir ${join(lxcpath, n)}`);
  for (const name of names) for (const d of cgroupDirsOf(name)) out.push(`cgroup ${d}`);
  for (const m of hostMountsUnder(lxcpath)) out.push(`mount ${m}`);
  return out;
}
