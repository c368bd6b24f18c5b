// The rootfs of a container with lxc.idmap, started by root: its files are owned by host
// ids (0 for a template's rootfs), which inside the user namespace would all be "nobody".
// Where the kernel allows it the rootfs is mounted idmapped (IDMAP_MOUNT: owners shift at
// the mount, nothing on disk changes); else its owners are shifted on disk once, the way
// LXC's unprivileged templates leave a rootfs, and a record of the shift keeps it from
// being done twice.
import { lchownSync, lstatSync, readdirSync, readFileSync, chmodSync, chownSync, writeFileSync, existsSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LogLevel } from '../runtime/context.js';
import { HelperError } from '../runtime/helper.js';
import type { IdMap } from './config/model.js';

export type RootfsOwnership = 'none' | 'idmapped' | 'shifted';

/** The host id of container id `id`, or undefined when the map does not cover it. */
export function hostIdOf(maps: readonly IdMap[], type: 'u' | 'g', id: number): number | undefined {
  const m = maps.find((x) => x.type === type && id >= x.containerId && id < x.containerId + x.range);
  return m === undefined ? undefined : m.hostId + (id - m.containerId);
}

/** Whether the rootfs already belongs to the container's root (shifted, or made so). */
export function rootfsIsShifted(rootfs: string, maps: readonly IdMap[]): boolean {
  const st = lstatSync(rootfs);
  return st.uid === hostIdOf(maps, 'u', 0) && st.gid === hostIdOf(maps, 'g', 0);
}

export const SHIFT_RECORD = 'rootfs.idmap';

function mapText(maps: readonly IdMap[]): string {
  return maps.map((m) => `${m.type} ${m.containerId} ${m.hostId} ${m.range}`).join('\n');
}

/** A shift already done with these maps (the record in the container's directory). */
export function shiftedWith(containerDir: string, maps: readonly IdMap[]): boolean {
  const record = join(containerDir, SHIFT_RECORD);
  return existsSync(record) && readFileSync(record, 'utf8').trim() === mapText(maps);
}

function shiftOne(path: string, st: Stats, maps: readonly IdMap[]): boolean {
  const uid = hostIdOf(maps, 'u', st.uid);
  const gid = hostIdOf(maps, 'g', st.gid);
  if (uid === undefined && gid === undefined) return false;
  lchownSync(path, uid ?? st.uid, gid ?? st.gid);
  // chown clears set-user-ID and set-group-ID, even for root: put them back
  if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) chmodSync(path, st.mode & 0o7777);
  return true;
}

/**
 * Shifts every owner of the tree (not crossing into other filesystems) from container ids to
 * the host ids the maps give them; ids the maps do not cover are left alone. Returns the number
 * of entries changed. Ids already shifted would shift again: callers check rootfsIsShifted and
 * the record first.
 */
export function shiftRootfs(rootfs: string, containerDir: string, maps: readonly IdMap[]): number {
  const dev = lstatSync(rootfs).dev;
  let changed = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.dev !== dev) continue;
      if (st.isDirectory()) walk(path);
      if (shiftOne(path, st, maps)) changed++;
    }
  };
  walk(rootfs);
  if (shiftOne(rootfs, lstatSync(rootfs), maps)) changed++;
  writeFileSync(join(containerDir, SHIFT_RECORD), `${mapText(maps)}\n`);
  return changed;
}

/**
 * What a start needs: nothing (no user namespace, or a rootfs that already belongs to the
 * container's root), or an idmapped rootfs. CORRAL_NO_IDMAPPED_MOUNTS=1 asks for the on-disk
 * shift instead (kernels or filesystems without idmapped mounts are detected by the failure).
 */
export function ownershipPlan(rootfs: string, containerDir: string, maps: readonly IdMap[]): 'none' | 'idmap' | 'shift' {
  if (maps.length === 0) return 'none';
  if (rootfsIsShifted(rootfs, maps) || shiftedWith(containerDir, maps)) return 'none';
  return process.env.CORRAL_NO_IDMAPPED_MOUNTS === '1' ? 'shift' : 'idmap';
}

/** A start that asked for an idmapped rootfs failed there: this kernel or filesystem has none. */
export function idmapUnsupported(err: unknown): err is HelperError {
  return err instanceof HelperError && err.failure.op === 'IDMAP_MOUNT';
}

/**
 * Before a start: shift the rootfs now if that is the plan, and say which way the rootfs gets
 * its owners. Returns whether to ask the runtime for an idmapped rootfs.
 */
export function prepareOwnership(log: (level: LogLevel, message: string) => void, name: string, rootfs: string, containerDir: string, maps: readonly IdMap[]): boolean {
  const plan = ownershipPlan(rootfs, containerDir, maps);
  if (maps.length > 0) reachableByContainerRoot(log, name, rootfs, containerDir, maps);
  if (plan === 'idmap') log('info', `container "${name}": rootfs mounted idmapped into its user namespace (no change on disk)`);
  if (plan === 'shift') shiftNow(log, name, rootfs, containerDir, maps, 'CORRAL_NO_IDMAPPED_MOUNTS=1');
  return plan === 'idmap';
}

/**
 * The container's root (a host id of the map) reaches its rootfs by path: the container's
 * directory (0750, as LXC's) gets the group of the container's root, as LXC does for
 * unprivileged containers; a parent it still cannot search is reported.
 */
function reachableByContainerRoot(log: (level: LogLevel, message: string) => void, name: string, rootfs: string, containerDir: string, maps: readonly IdMap[]): void {
  const gid = hostIdOf(maps, 'g', 0);
  if (gid === undefined) return;
  const st = lstatSync(containerDir);
  if (st.uid === 0 && st.gid !== gid && rootfs.startsWith(`${containerDir}/`)) chownSync(containerDir, 0, gid);
  for (let dir = dirname(containerDir); dir !== '/'; dir = dirname(dir)) {
    if ((lstatSync(dir).mode & 0o001) === 0) {
      log('warning', `container "${name}": its root (host uid ${hostIdOf(maps, 'u', 0)}) cannot search ${dir}; the start will fail with EACCES (chmod o+x ${dir})`);
      return;
    }
  }
}

/** The fallback when the idmapped mount failed: a one-time shift of the owners on disk. */
export function shiftNow(log: (level: LogLevel, message: string) => void, name: string, rootfs: string, containerDir: string, maps: readonly IdMap[], why: string): void {
  const n = shiftRootfs(rootfs, containerDir, maps);
  log('warning', `container "${name}": no idmapped mount (${why}): shifted the owners of ${n} files of the rootfs to the container's ids, once (recorded in ${join(containerDir, SHIFT_RECORD)})`);
}
