// What an ordinary user's container gets instead of root's: a map from /etc/subuid when the
// config has none (and a refusal of a map with ids the user does not own), no network
// unless asked (a veth on the host bridge needs CAP_NET_ADMIN on the host), and no cgroup
// limits where the host delegates no cgroup to the user.
import { CorralError } from '../../util/errors.js';
import type { IdMap, LxcConfig } from '../config/model.js';
import type { NetDevice } from '../config/index.js';
import { addRangesCommand, defaultMap, unownedMappings, type IdRange, type Person } from './subid.js';

export interface UserMaps {
  maps: Omit<IdMap, 'pos'>[];
  /** config lines to add (the computed default), empty when the config has its own */
  lines: string[];
  note?: string;
}

/** The container's maps for this user: its own (checked against the user's ranges) or the default. */
export function userMaps(config: Pick<LxcConfig, 'idmaps'>, who: Person, ranges: { subuid: IdRange[]; subgid: IdRange[] }): UserMaps {
  if (config.idmaps.length > 0) {
    checkOwned(config.idmaps, who, ranges);
    return { maps: config.idmaps, lines: [] };
  }
  const d = defaultMap(who, ranges.subuid, ranges.subgid);
  if ('missing' in d) {
    throw new CorralError('PERMISSION', `an ordinary user's container needs a user namespace, and ${d.missing}`, {
      hint: `as root: ${addRangesCommand(ranges.subuid, ranges.subgid, who.name)} (corral checkconfig lists what else is missing)`,
    });
  }
  const lines = ['# the user namespace: computed by Corral from /etc/subuid and /etc/subgid (no lxc.idmap in the defaults or -f file)'];
  for (const m of d.maps) lines.push(`lxc.idmap = ${m.type} ${m.containerId} ${m.hostId} ${m.range}`);
  return { maps: d.maps, lines, note: `no lxc.idmap given: ${d.note}` };
}

/** A map naming ids the user does not own: newuidmap would refuse it; we say why first. */
export function checkOwned(maps: readonly Omit<IdMap, 'pos'>[], who: Person, ranges: { subuid: IdRange[]; subgid: IdRange[] }): void {
  const problems = unownedMappings(maps, who, ranges.subuid, ranges.subgid);
  if (problems.length === 0) return;
  throw new CorralError('PERMISSION', problems.join('; '), {
    hint: `map only ranges of ${who.name}'s in /etc/subuid and /etc/subgid (or drop lxc.idmap to get the first one); as root: ${addRangesCommand(ranges.subuid, ranges.subgid, who.name)}`,
  });
}

export const USER_NETWORK_NOTE = 'no network for an ordinary user\'s container by default (loopback only): a veth on a host bridge needs root';

const NET_KEY = /^\s*lxc\.net(work)?[.\s=]/m;

/** An ordinary user's default network: `empty` (LXC would need its setuid lxc-user-nic for a veth). */
export function withUserNetwork(config: string): { text: string; note?: string } {
  if (NET_KEY.test(config)) return { text: config };
  const lines = [`# ${USER_NETWORK_NOTE}`, 'lxc.net.0.type = empty'];
  return { text: `${config.replace(/\n*$/, '\n')}${lines.join('\n')}\n`, note: USER_NETWORK_NOTE };
}

/** Network types an ordinary user can have: a new namespace with loopback, or the host's. */
export function checkUserNetwork(name: string, devices: readonly NetDevice[]): void {
  const bad = devices.find((d) => d.type !== undefined && d.type !== 'empty' && d.type !== 'none');
  if (!bad) return;
  throw new CorralError('PERMISSION', `container "${name}": lxc.net.${bad.index}.type = ${bad.type} needs CAP_NET_ADMIN on the host (to make the host end and move it in), which an ordinary user lacks; Corral has no setuid network helper (LXC's lxc-user-nic)`, {
    hint: `use lxc.net.${bad.index}.type = empty (loopback only) in the container's config, or start it as root`,
  });
}

/** Explicit cgroup limits where no cgroup can be made: an error, not a silent no-op. */
export function checkNoCgroupKeys(name: string, config: Pick<LxcConfig, 'cgroup'>, why: string): void {
  const keys = config.cgroup.map((c) => `lxc.cgroup${c.version === 2 ? '2' : ''}.${c.key}`);
  if (keys.length === 0) return;
  throw new CorralError('NOT_SUPPORTED', `container "${name}": ${keys.join(', ')} cannot be applied: ${why}`, {
    hint: 'remove these keys from the config, or delegate a cgroup to this user (see corral checkconfig)',
  });
}
