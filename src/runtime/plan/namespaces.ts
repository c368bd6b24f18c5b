// Namespaces: which to create (clone flags), which to join (setns, user namespace first so
// that joining the others is permitted), and the id maps of a new user namespace.
import type { IDMapping, Linux, Namespace } from '../spec/types.js';
import { CLONE, NS_FLAG } from './linux-constants.js';
import type { PlanOp } from './ops.js';

export interface NamespacePlan {
  cloneFlags: number;
  /**
   * With a new user namespace: the namespaces the child unshares once it is root in it (all
   * but user and pid), so that they are created by the mapped root, as runc and LXC do; else
   * e.g. the ipc namespace's /dev/mqueue belongs to an unmapped owner.
   */
  childUnshare: number;
  /** parent ops that run before the clone */
  beforeClone: PlanOp[];
  /** parent ops that act on the child once it exists */
  afterClone: PlanOp[];
  newUser: boolean;
  newCgroup: boolean;
  newNet: boolean;
  newTime: boolean;
  isNew(type: Namespace['type']): boolean;
}

/** Join order: user first (it grants the rights to join the rest), mount last (as nsenter). */
const JOIN_ORDER: Namespace['type'][] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

export function mapText(maps: readonly IDMapping[] = []): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

function timeOffsetsText(linux: Linux): string {
  const lines: string[] = [];
  for (const [clock, off] of Object.entries(linux.timeOffsets ?? {})) {
    lines.push(`${clock} ${off?.secs ?? 0} ${off?.nanosecs ?? 0}`);
  }
  return lines.join('\n');
}

/** newuidmap/newgidmap, for a caller who may not write the maps itself (not root). */
export interface IdmapTools {
  newuidmap: string;
  newgidmap: string;
}

function toolArgs(maps: Linux['uidMappings']): string[] {
  return (maps ?? []).flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)]);
}

export function planNamespaces(linux: Linux, idmapTools?: IdmapTools): NamespacePlan {
  const namespaces = linux.namespaces ?? [];
  const fresh = new Set(namespaces.filter((n) => !n.path).map((n) => n.type));
  const joined = JOIN_ORDER.flatMap((type) => namespaces.filter((n) => n.type === type && n.path));
  const beforeClone: PlanOp[] = joined.map((n) => ({ op: 'NS_JOIN', args: [NS_FLAG[n.type] ?? 0, n.path ?? ''] }));
  let cloneFlags = 0;
  let childUnshare = 0;
  for (const type of fresh) {
    // cgroup: unshared by the child after it joined its cgroup; time: unshared by stage 0
    // because CLONE_NEWTIME only takes effect for children; pid: only clone makes the child
    // its pid 1.
    if (type === 'cgroup' || type === 'time') continue;
    if (fresh.has('user') && type !== 'user' && type !== 'pid') childUnshare |= NS_FLAG[type] ?? 0;
    else cloneFlags |= NS_FLAG[type] ?? 0;
  }
  if (fresh.has('time')) {
    beforeClone.push({ op: 'UNSHARE_PARENT', args: [CLONE.NEWTIME] });
    const offsets = timeOffsetsText(linux);
    if (offsets) beforeClone.push({ op: 'TIMENS_OFFSETS', args: [offsets] });
  }
  const afterClone: PlanOp[] = [];
  if (fresh.has('user') && idmapTools) {
    // the setuid tools check the ranges against /etc/subuid and /etc/subgid, and newgidmap
    // handles setgroups itself
    const uid = toolArgs(linux.uidMappings);
    const gid = toolArgs(linux.gidMappings);
    afterClone.push({ op: 'IDMAP_TOOL', args: [idmapTools.newuidmap, uid.length, ...uid] });
    afterClone.push({ op: 'IDMAP_TOOL', args: [idmapTools.newgidmap, gid.length, ...gid] });
  } else if (fresh.has('user')) {
    afterClone.push({ op: 'UID_MAP', args: [mapText(linux.uidMappings)] });
    afterClone.push({ op: 'GID_MAP', args: [mapText(linux.gidMappings)] });
  }
  return {
    cloneFlags,
    childUnshare,
    beforeClone,
    afterClone,
    newUser: fresh.has('user'),
    newCgroup: fresh.has('cgroup'),
    newNet: fresh.has('network'),
    newTime: fresh.has('time'),
    isNew: (type) => fresh.has(type),
  };
}
