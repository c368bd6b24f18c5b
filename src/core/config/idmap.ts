// lxc.idmap = u|g <container id> <host id> <range>, and the checks the kernel (or LXC) would
// otherwise make at start: ranges that overlap on either side, too many lines, a uid map
// without a gid map, and an init uid/gid the map does not cover.
import type { IDMapping } from '../../runtime/spec/types.js';
import { fail, type SourcePos } from './errors.js';
import type { IdMap } from './model.js';
import { integer } from './values.js';

// The kernel accepts up to 340 lines per map since Linux 4.15.
const MAX_LINES = 340;
const ID_LIMIT = 2 ** 32 - 1;

export function parseIdmap(value: string, pos: SourcePos): IdMap {
  const parts = value.split(/\s+/).filter(Boolean);
  if (parts.length !== 4) return fail(`"${value}" must be "u|g <container id> <host id> <range>"`);
  const [type, c, h, r] = parts as [string, string, string, string];
  if (type !== 'u' && type !== 'g') return fail(`"${type}" must be u (user ids) or g (group ids)`);
  const containerId = integer(c, 0, ID_LIMIT - 1);
  const hostId = integer(h, 0, ID_LIMIT - 1);
  const range = integer(r, 1, ID_LIMIT);
  if (containerId + range > ID_LIMIT || hostId + range > ID_LIMIT) return fail(`"${value}" runs past the largest id (${ID_LIMIT - 1})`);
  return { type, containerId, hostId, range, pos };
}

const overlap = (a0: number, an: number, b0: number, bn: number): boolean => a0 < b0 + bn && b0 < a0 + an;

type Report = (pos: SourcePos | undefined, message: string, key?: 'lxc.init.uid' | 'lxc.init.gid') => void;

function checkOneType(maps: readonly IdMap[], what: string, report: Report): void {
  if (maps.length > MAX_LINES) report(maps[MAX_LINES]!.pos, `more than ${MAX_LINES} ${what} mappings (the kernel's limit)`);
  maps.forEach((m, i) => {
    for (const earlier of maps.slice(0, i)) {
      if (overlap(m.containerId, m.range, earlier.containerId, earlier.range)) {
        report(m.pos, `container ${what}s ${m.containerId}-${m.containerId + m.range - 1} overlap the mapping at line ${earlier.pos.line}`);
      } else if (overlap(m.hostId, m.range, earlier.hostId, earlier.range)) {
        report(m.pos, `host ${what}s ${m.hostId}-${m.hostId + m.range - 1} overlap the mapping at line ${earlier.pos.line}`);
      }
    }
  });
}

export function mapsId(maps: readonly IdMap[], id: number): boolean {
  return maps.some((m) => id >= m.containerId && id < m.containerId + m.range);
}

/**
 * Errors go to `report`. Host id 0 mapped into the container is one of them (LXC allows
 * it): the point of a user namespace is that the container's root is not the host's.
 */
export function checkIdmaps(maps: readonly IdMap[], init: { uid?: number; gid?: number }, report: Report): void {
  if (maps.length === 0) return;
  const users = maps.filter((m) => m.type === 'u');
  const groups = maps.filter((m) => m.type === 'g');
  if (users.length === 0) report(maps[0]!.pos, 'lxc.idmap has group mappings but no "u" (user) mapping');
  if (groups.length === 0) report(maps[0]!.pos, 'lxc.idmap has user mappings but no "g" (group) mapping');
  checkOneType(users, 'uid', report);
  checkOneType(groups, 'gid', report);
  for (const m of maps) {
    if (m.hostId === 0) report(m.pos, `host ${m.type === 'u' ? 'uid' : 'gid'} 0 is mapped into the container: its root would be the host's root (map a range of /etc/subuid, e.g. "${m.type} 0 100000 65536")`);
  }
  const uid = init.uid ?? 0;
  const gid = init.gid ?? 0;
  if (users.length > 0 && !mapsId(users, uid)) report(users[0]!.pos, `the init uid ${uid} is not mapped by any "u" line of lxc.idmap`, 'lxc.init.uid');
  if (groups.length > 0 && !mapsId(groups, gid)) report(groups[0]!.pos, `the init gid ${gid} is not mapped by any "g" line of lxc.idmap`, 'lxc.init.gid');
}

export function toOciMappings(maps: readonly IdMap[], type: 'u' | 'g'): IDMapping[] {
  return maps.filter((m) => m.type === type).map((m) => ({ containerID: m.containerId, hostID: m.hostId, size: m.range }));
}
