// Which host devices a running container holds, in /run/corral/net/attached/: written before
// any device is made, so a CLI, container or monitor killed at any point leaves a record
// from which the next Corral command removes the veth (or returns a phys device).
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import { isSameProcessAlive, processStartTime } from '../../util/proc.js';
import { sha256Hex } from '../../util/sha256.js';
import { attachedDir, type NetPaths } from './paths.js';
import type { DevicePlan } from './plan.js';

/** A device as planned (without its ip lines), plus where a phys device was on the host. */
export type AttachedDevice = Omit<DevicePlan, 'hostLines' | 'insideLines'> & {
  physIfindex?: number;
  physMac?: string;
};

export interface Attachment {
  version: 1;
  name: string;
  lxcpath: string;
  /** the runtime root (/run/corral/lxc/<digest>) of the container's store */
  root: string;
  /** the command that is starting it, until init is known */
  owner: { pid: number; start?: string };
  init?: { pid: number; start?: string };
  devices: AttachedDevice[];
  /** leases this start made (undone if it fails; a previous lease stays the container's) */
  newLeases: { bridge: string; device: number }[];
}

export function recordPath(paths: NetPaths, root: string, name: string): string {
  const digest = sha256Hex(root).slice(0, 16);
  return join(attachedDir(paths), `${digest}.${name}.json`);
}

export function saveRecord(paths: NetPaths, rec: Attachment): void {
  mkdirSync(attachedDir(paths), { recursive: true, mode: 0o755 });
  writeFileAtomic(recordPath(paths, rec.root, rec.name), JSON.stringify(rec));
}

export function loadRecord(paths: NetPaths, root: string, name: string): Attachment | undefined {
  return readRecord(recordPath(paths, root, name));
}

function readRecord(path: string): Attachment | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Attachment;
  } catch {
    return undefined;
  }
}

export function removeRecord(paths: NetPaths, rec: Attachment): void {
  rmSync(recordPath(paths, rec.root, rec.name), { force: true });
}

export function allRecords(paths: NetPaths): Attachment[] {
  let names: string[];
  try {
    names = readdirSync(attachedDir(paths));
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.json')).flatMap((n) => readRecord(join(attachedDir(paths), n)) ?? []);
}

/** Its container (or, before init is known, the command starting it) still runs. */
export function isLive(rec: Attachment): boolean {
  if (rec.init) return isSameProcessAlive(rec.init.pid, rec.init.start);
  return isSameProcessAlive(rec.owner.pid, rec.owner.start);
}

export function newRecord(root: string, lxcpath: string, name: string): Attachment {
  return { version: 1, name, lxcpath, root, owner: { pid: process.pid, start: processStartTime(process.pid) }, devices: [], newLeases: [] };
}
