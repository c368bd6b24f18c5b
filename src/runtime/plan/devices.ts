// /dev planning: the OCI default devices plus linux.devices, the standard symlinks, and the
// device-cgroup allow rules that must accompany them.
import { existsSync } from 'node:fs';
import type { Device, DeviceRule, Mount } from '../spec/types.js';
import { S_IF } from './linux-constants.js';
import type { PlanOp } from './ops.js';

export interface DeviceNode {
  path: string;
  type: 'c' | 'b' | 'p' | 'u';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** The devices every OCI container gets (runtime-spec "Default Devices"). */
export const DEFAULT_DEVICES: readonly DeviceNode[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const DEV_SYMLINKS: readonly [string, string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
];

/** Cgroup rules appended after the spec's own, so the default devices stay usable (as runc). */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
];

export function deviceNodes(specDevices: readonly Device[] = []): DeviceNode[] {
  const byPath = new Map<string, DeviceNode>();
  for (const d of DEFAULT_DEVICES) byPath.set(d.path, d);
  for (const d of specDevices) {
    byPath.set(d.path, {
      path: d.path,
      type: d.type,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      fileMode: d.fileMode ?? 0o666,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
    });
  }
  return [...byPath.values()];
}

/**
 * The device cgroup rules: the spec's, then the defaults. A linux.devices entry only makes
 * the node; access to it is granted by linux.resources.devices, as in runc.
 */
export function deviceRules(specRules: readonly DeviceRule[] = []): DeviceRule[] {
  return [...specRules, ...DEFAULT_DEVICE_RULES];
}

function modeFor(node: DeviceNode): number {
  const kind = node.type === 'b' ? S_IF.BLK : node.type === 'p' ? S_IF.FIFO : S_IF.CHR;
  return kind | (node.fileMode & 0o7777);
}

export interface DevContext {
  /** in a user namespace mknod is refused: bind-mount the host's nodes instead */
  userNamespace: boolean;
  mounts: readonly Mount[];
  /** whether the kernel has /proc/kcore (CONFIG_PROC_KCORE); only then /dev/core links to it, as in runc */
  hostHasKcore?: boolean;
}

/** Whether /dev is the host's (bind-mounted): then we must not create nodes in it. */
function devIsBindMounted(mounts: readonly Mount[]): boolean {
  return mounts.some((m) => m.destination === '/dev' && (m.options ?? []).some((o) => o === 'bind' || o === 'rbind'));
}

export function devOps(nodes: readonly DeviceNode[], ctx: DevContext): PlanOp[] {
  if (devIsBindMounted(ctx.mounts)) return [];
  const ops: PlanOp[] = [];
  for (const node of nodes) {
    if (ctx.userNamespace && node.type !== 'p') {
      ops.push({ op: 'MOUNT_IN_ROOT', args: [node.path, node.path, '', 4096 /* MS_BIND */, '', 2] });
    } else {
      ops.push({ op: 'MKNOD_IN_ROOT', args: [node.path, modeFor(node), node.major, node.minor, node.uid, node.gid] });
    }
  }
  for (const [target, link] of DEV_SYMLINKS) ops.push({ op: 'SYMLINK_IN_ROOT', args: [target, link] });
  if (ctx.hostHasKcore ?? existsSync('/proc/kcore')) ops.push({ op: 'SYMLINK_IN_ROOT', args: ['/proc/kcore', '/dev/core'] });
  if (ctx.mounts.some((m) => m.destination === '/dev/pts' && m.type === 'devpts')) {
    ops.push({ op: 'SYMLINK_IN_ROOT', args: ['pts/ptmx', '/dev/ptmx'] });
  }
  return ops;
}
