// Mount planning: the rootfs preparation, every OCI mount, and the cgroup filesystem view.
// All container-side targets are MOUNT_IN_ROOT ops, so the helper resolves them inside the
// rootfs and a symlink in the image cannot redirect a mount onto the host.
import { statSync } from 'node:fs';
import { isAbsolute, join, posix, resolve } from 'node:path';
import type { Mount } from '../spec/types.js';
import { secureJoin } from './in-root.js';
import { MS } from './linux-constants.js';
import { BIND_REMOUNT_FLAGS, parseMountOptions, propagationFlag } from './mount-options.js';
import type { PlanOp } from './ops.js';

/** What the planner needs to know about the host's cgroups for `type: cgroup` mounts. */
export interface CgroupMountView {
  layout: 'v1' | 'v2' | 'hybrid';
  /** hierarchy key ('memory', 'name=systemd', 'cpu,cpuacct') -> host mountpoint */
  v1: Record<string, string>;
  unified?: string;
  /** the container's cgroup path relative to each hierarchy root */
  path: string;
}

export interface MountContext {
  bundle: string;
  rootfs: string;
  newNetNs: boolean;
  newCgroupNs: boolean;
  cgroups?: CgroupMountView;
  /** host paths are examined to decide file-or-directory targets; injectable for tests */
  isDirectory?: (path: string) => boolean;
  /** paths to keep writable under a read-only mount (LXC's sys:mixed) */
  writablePaths?: string[];
}

const CREATE_DIR = 1;
const CREATE_FILE = 2;

function hostIsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return true;
  }
}

function mountInRoot(source: string, target: string, fstype: string, flags: number, data: string, create: number): PlanOp {
  return { op: 'MOUNT_IN_ROOT', args: [source, target, fstype, flags, data, create] };
}

/** rootfsPropagation types that take effect on the new root only, after pivot_root. */
export const AFTER_ROOT_SWITCH = MS.SHARED | MS.UNBINDABLE;

/** Make the host's mounts invisible to propagation, then the rootfs a mount point of its own. */
/**
 * `idmapped`: the rootfs is not bound onto itself but replaced by the idmapped copy stage 0
 * made (IDMAP_MOUNT, tree 0), so that its on-disk owners appear shifted into the container's
 * user namespace.
 */
export function rootfsPrepOps(rootfs: string, rootfsPropagation: string | undefined, idmapped = false): PlanOp[] {
  const prop = propagationFlag(rootfsPropagation);
  // Slave by default (as runc): host mount events still reach us, ours never reach the host.
  // Shared and unbindable are applied after the root switch (create-plan): a shared tree
  // would propagate to the host, and the rootfs cannot be bound out of an unbindable one.
  const first = prop !== undefined && (prop & AFTER_ROOT_SWITCH) === 0 ? prop | MS.REC : MS.SLAVE | MS.REC;
  return [
    { op: 'MOUNT', args: ['', '/', '', first, ''] },
    idmapped ? { op: 'MOUNT_DETACHED', args: [rootfs, 0] } : { op: 'MOUNT', args: [rootfs, rootfs, '', MS.BIND | MS.REC, ''] },
    { op: 'ROOTFS', args: [rootfs] },
  ];
}

export function mountOps(mounts: readonly Mount[], ctx: MountContext): PlanOp[] {
  return mounts.flatMap((m, i) => planMount(m, ctx, coveredBy(mounts.slice(0, i))));
}

/** Whether a container path lies on or below one of the earlier mounts' destinations. */
function coveredBy(earlier: readonly Mount[]): (path: string) => boolean {
  const dests = earlier.map((m) => posix.normalize(m.destination).replace(/\/+$/, ''));
  return (path) => dests.some((d) => d === '' || path === d || path.startsWith(d + '/'));
}

/**
 * Where a destination lands: symlinks of the image followed inside the rootfs, as runc's
 * securejoin does, so a mount onto an image symlink (even one naming a host path) is made
 * inside the rootfs instead of failing. Paths covered by earlier mounts are left as they are.
 */
function landing(dest: string, ctx: MountContext, covered: (path: string) => boolean): string {
  if (covered(posix.normalize(dest))) return dest;
  return secureJoin(ctx.rootfs, dest, covered) ?? dest;
}

/** The mode of an existing, uncovered directory in the image (a tmpfs over it keeps it, as in runc). */
function imageDirMode(target: string, ctx: MountContext, covered: (path: string) => boolean): number | undefined {
  if (covered(target) || !ctx.rootfs) return undefined;
  try {
    const st = statSync(join(ctx.rootfs, target));
    return st.isDirectory() ? st.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * tmpfs as runc makes it: the mode of the directory it covers first (an explicit mode= wins),
 * and read-only as a second, bind remount, so the filesystem itself stays writable. A
 * read-only /dev is remounted only after its device nodes exist (devReadonlyOps).
 */
function tmpfsOps(m: Mount, target: string, ctx: MountContext, covered: (path: string) => boolean): PlanOp[] {
  const opts = parseMountOptions(m.options);
  const mode = imageDirMode(target, ctx, covered);
  const data = mode === undefined ? opts.data : [`mode=${mode.toString(8).padStart(4, '0')}`, opts.data].filter(Boolean).join(',');
  const ops = [mountInRoot(m.source ?? 'tmpfs', target, 'tmpfs', opts.flags & ~MS.RDONLY, data, CREATE_DIR)];
  if (opts.flags & MS.RDONLY && posix.normalize(m.destination) !== '/dev') {
    ops.push(mountInRoot('', target, '', MS.REMOUNT | MS.BIND | (opts.flags & BIND_REMOUNT_FLAGS), '', 0));
  }
  return ops.concat(propagationOps(target, opts.propagation));
}

/** The read-only remount of a tmpfs /dev, after the device nodes were made in it. */
export function devReadonlyOps(mounts: readonly Mount[]): PlanOp[] {
  const dev = mounts.filter((m) => posix.normalize(m.destination) === '/dev').at(-1);
  if (!dev || dev.type !== 'tmpfs') return [];
  const flags = parseMountOptions(dev.options).flags;
  if (!(flags & MS.RDONLY)) return [];
  return [mountInRoot('', '/dev', '', MS.REMOUNT | MS.BIND | (flags & BIND_REMOUNT_FLAGS), '', 0)];
}

function planMount(m: Mount, ctx: MountContext, covered: (path: string) => boolean): PlanOp[] {
  const opts = parseMountOptions(m.options);
  const dest = landing(m.destination, ctx, covered);
  if (m.type === 'cgroup' || m.type === 'cgroup2') return cgroupMountOps(dest, opts.flags, ctx);
  if (m.type === 'tmpfs' && !opts.bind) return tmpfsOps(m, dest, ctx, covered);
  if (m.type === 'sysfs' && !ctx.newNetNs) {
    // sysfs can only be mounted by the owner of the network namespace: show the host's, as runc does.
    return bindOps('/sys', dest, (opts.flags & ~MS.BIND) | MS.REC, opts.propagation, CREATE_DIR);
  }
  if (opts.bind) {
    const source = resolveSource(m.source ?? '', ctx.bundle);
    const isDir = (ctx.isDirectory ?? hostIsDirectory)(source);
    return bindOps(source, dest, opts.flags, opts.propagation, isDir ? CREATE_DIR : CREATE_FILE);
  }
  // A read-only superblock cannot give a writable sub-path: mount it writable, then make
  // this one mount read-only, so a later bind of the sub-path can be writable again.
  const keepsWritable = (opts.flags & MS.RDONLY) !== 0 && (ctx.writablePaths ?? []).some((p) => p.startsWith(`${m.destination}/`));
  const flags = keepsWritable ? opts.flags & ~MS.RDONLY : opts.flags;
  const ops = [mountInRoot(m.source ?? m.type ?? '', dest, m.type ?? '', flags, opts.data, CREATE_DIR)];
  if (keepsWritable) ops.push(mountInRoot('', dest, '', MS.REMOUNT | MS.BIND | (opts.flags & BIND_REMOUNT_FLAGS), '', 0));
  return ops.concat(propagationOps(dest, opts.propagation));
}

function resolveSource(source: string, bundle: string): string {
  return isAbsolute(source) ? source : resolve(bundle, source);
}

function bindOps(source: string, dest: string, flags: number, propagation: number[], create: number): PlanOp[] {
  const recursive = flags & MS.REC;
  const ops = [mountInRoot(source, dest, '', MS.BIND | recursive, '', create)];
  const extra = flags & BIND_REMOUNT_FLAGS;
  if (extra) ops.push(mountInRoot('', dest, '', MS.REMOUNT | MS.BIND | extra, '', 0));
  return ops.concat(propagationOps(dest, propagation));
}

function propagationOps(dest: string, propagation: number[]): PlanOp[] {
  return propagation.map((p) => mountInRoot('', dest, '', p, '', 0));
}

/** The cgroup filesystem as the container should see it, on each host layout. */
export function cgroupMountOps(dest: string, flags: number, ctx: MountContext): PlanOp[] {
  const cg = ctx.cgroups;
  if (!cg) return [];
  const base = flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME);
  if (cg.layout === 'v2') return cgroupHierarchy(cg.unified ?? '/sys/fs/cgroup', 'cgroup2', '', dest, base, cg.path, ctx);
  const ops: PlanOp[] = [mountInRoot('tmpfs', dest, 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=755', CREATE_DIR)];
  for (const [key, mountpoint] of Object.entries(cg.v1).sort()) {
    const name = mountpoint.slice(mountpoint.lastIndexOf('/') + 1);
    ops.push(...cgroupHierarchy(mountpoint, 'cgroup', key, join(dest, name), base, cg.path, ctx));
    // A combined hierarchy (cpu,cpuacct) is reachable under each controller's name too.
    for (const controller of key.split(',')) {
      if (controller !== name && !controller.startsWith('name=')) {
        ops.push({ op: 'SYMLINK_IN_ROOT', args: [name, join(dest, controller)] });
      }
    }
  }
  if (cg.layout === 'hybrid' && cg.unified) {
    ops.push(...cgroupHierarchy(cg.unified, 'cgroup2', '', join(dest, 'unified'), base, cg.path, ctx));
  }
  if (base & MS.RDONLY) ops.push(mountInRoot('', dest, '', MS.REMOUNT | base | MS.RDONLY, 'mode=755', 0));
  return ops;
}

function cgroupHierarchy(
  hostMount: string,
  fstype: 'cgroup' | 'cgroup2',
  key: string,
  target: string,
  flags: number,
  path: string,
  ctx: MountContext,
): PlanOp[] {
  if (ctx.newCgroupNs) return [mountInRoot(fstype, target, fstype, flags, key, CREATE_DIR)];
  // Without a cgroup namespace a fresh cgroupfs would show the host's whole tree: bind only
  // the container's own subtree instead.
  return bindOps(join(hostMount, path), target, flags | MS.REC, [], CREATE_DIR);
}
