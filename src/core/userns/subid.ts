// Subordinate ids (/etc/subuid, /etc/subgid): which host ids an ordinary user may map into a
// user namespace through the setuid newuidmap/newgidmap. From them: the default map of a
// user's container when its config has none, and the check that a given map uses only ids
// the user owns (newuidmap would refuse it at start, with a far less clear message).
import type { IdMap } from '../config/model.js';

export const SUBUID = '/etc/subuid';
export const SUBGID = '/etc/subgid';
/** ids 0-65535: what a distribution's packages (nobody = 65534) need */
export const FULL_RANGE = 65536;

export interface IdRange {
  /** a user name or a numeric uid, as the line gives it */
  owner: string;
  start: number;
  count: number;
}

export interface Person {
  name: string;
  uid: number;
  gid: number;
}

/** `owner:start:count` lines; comments and malformed lines are skipped (as shadow's tools do). */
export function parseSubid(content: string | undefined): IdRange[] {
  const out: IdRange[] = [];
  for (const line of (content ?? '').split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner && !owner.startsWith('#') && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? '')) out.push({ owner, start: Number(start), count: Number(count) });
  }
  return out;
}

/** The ranges of one user: lines naming them or their uid (shadow accepts both). */
export function rangesOf(ranges: readonly IdRange[], who: { name: string; uid: number }): IdRange[] {
  return ranges.filter((r) => r.owner === who.name || r.owner === String(who.uid));
}

export interface DefaultMap {
  maps: Omit<IdMap, 'pos'>[];
  /** one line for the user: where the map comes from */
  note: string;
}

/**
 * The first range of at least 65536 ids in each file gives container ids 0-65535 (LXC
 * insists on lxc.idmap in ~/.config/lxc/default.conf; we compute it). Undefined with the
 * reason when a file has no such range for the user.
 */
export function defaultMap(who: Person, subuid: readonly IdRange[], subgid: readonly IdRange[]): DefaultMap | { missing: string } {
  const u = rangesOf(subuid, who).find((r) => r.count >= FULL_RANGE);
  const g = rangesOf(subgid, who).find((r) => r.count >= FULL_RANGE);
  if (!u || !g) return { missing: `${who.name} has no range of ${FULL_RANGE} ids in ${!u ? SUBUID : SUBGID}` };
  return {
    maps: [
      { type: 'u', containerId: 0, hostId: u.start, range: FULL_RANGE },
      { type: 'g', containerId: 0, hostId: g.start, range: FULL_RANGE },
    ],
    note: `container ids 0-${FULL_RANGE - 1} mapped to host uids ${u.start}-${u.start + FULL_RANGE - 1} (${SUBUID}) and gids ${g.start}-${g.start + FULL_RANGE - 1} (${SUBGID})`,
  };
}

/** The hint that gives a user the ids they lack: a start after every range already handed out. */
export function addRangesCommand(subuid: readonly IdRange[], subgid: readonly IdRange[], user: string): string {
  const start = Math.max(100000, ...[...subuid, ...subgid].map((r) => r.start + r.count));
  return `usermod --add-subuids ${start}-${start + FULL_RANGE - 1} --add-subgids ${start}-${start + FULL_RANGE - 1} ${user}`;
}

const inside = (start: number, count: number, r: IdRange) => start >= r.start && start + count <= r.start + r.count;

/**
 * Which lines of a map newuidmap/newgidmap would refuse for this user: each host range must
 * lie inside one of the user's ranges, or be the user's own id alone (shadow allows that).
 * Returns one message per refused line.
 */
export function unownedMappings(maps: readonly Omit<IdMap, 'pos'>[], who: Person, subuid: readonly IdRange[], subgid: readonly IdRange[]): string[] {
  const problems: string[] = [];
  for (const m of maps) {
    const [own, file, self] = m.type === 'u' ? [rangesOf(subuid, who), SUBUID, who.uid] : [rangesOf(subgid, who), SUBGID, who.gid];
    if (m.range === 1 && m.hostId === self) continue;
    if (own.some((r) => inside(m.hostId, m.range, r))) continue;
    const ids = `${m.hostId}-${m.hostId + m.range - 1}`;
    const have = own.map((r) => `${r.start}-${r.start + r.count - 1}`).join(', ') || 'none';
    problems.push(`lxc.idmap = ${m.type} ${m.containerId} ${m.hostId} ${m.range}: host ${m.type === 'u' ? 'uid' : 'gid'}s ${ids} are not ${who.name}'s in ${file} (${who.name} has: ${have})`);
  }
  return problems;
}
