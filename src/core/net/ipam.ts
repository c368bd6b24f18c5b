// Address management for a Corral bridge: one lease per (container, lxc.net index), kept in
// <bridge dir>/leases.json under a lock. A container keeps its address across restarts
// (until destroyed); a static lxc.net.N.ipv4.address inside the subnet is recorded and
// checked against every other lease. dnsmasq is told the same reservations (dhcp-host).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import { contains, formatPrefix, hostIndex, nthAddress, size, type Prefix } from './cidr.js';
import { withFileLock } from './lockfile.js';
import { bridgeDir, type NetPaths } from './paths.js';

export interface Lease {
  /** `${lxcpath}/${name}`: two stores may hold containers of the same name */
  container: string;
  lxcpath: string;
  name: string;
  device: number;
  hostname: string;
  mac: string;
  ipv4: string;
  ipv6?: string;
  static: boolean;
}

export interface LeaseFile {
  version: 1;
  /** host index of the last address handed out: the next search starts after it */
  cursor: number;
  leases: Lease[];
}

export interface LeaseRequest {
  lxcpath: string;
  name: string;
  device: number;
  hostname: string;
  mac: string;
  staticV4?: string;
  staticV6?: string;
}

export interface Subnets {
  v4: { gateway: string; prefix: Prefix };
  v6?: { gateway: string; prefix: Prefix };
}

export const containerKey = (lxcpath: string, name: string) => `${lxcpath}/${name}`;

const same = (l: Lease, key: string, device: number) => l.container === key && l.device === device;

function checkStatic(addr: string, family: 4 | 6, subnets: Subnets, others: Lease[], bridge: string): void {
  const sub = family === 4 ? subnets.v4 : subnets.v6!;
  const idx = hostIndex(sub.prefix, addr);
  if (addr === sub.gateway) throw new CorralError('EXISTS', `${addr} is the address of bridge ${bridge} itself`, { hint: 'pick another address' });
  if (idx === 0n || (family === 4 && idx === size(sub.prefix) - 1n)) {
    throw new CorralError('INVALID_CONFIG', `${addr} is the ${idx === 0n ? 'network' : 'broadcast'} address of ${formatPrefix(sub.prefix)}`);
  }
  const holder = others.find((l) => (family === 4 ? l.ipv4 : l.ipv6) === addr);
  if (holder) {
    throw new CorralError('EXISTS', `${addr} is already the address of container "${holder.name}" (${holder.lxcpath}) on bridge ${bridge}`, {
      hint: `pick another address, or destroy "${holder.name}" first`,
    });
  }
}

function nextFree(file: LeaseFile, subnets: Subnets, others: Lease[], bridge: string): bigint {
  const p = subnets.v4.prefix;
  const total = size(p);
  const used = new Set(others.map((l) => l.ipv4));
  used.add(subnets.v4.gateway);
  // hosts are 1 .. total-2 (network and broadcast excluded); start after the cursor
  const hosts = total - 2n;
  for (let i = 0n; i < hosts; i++) {
    const n = ((BigInt(file.cursor) + i) % hosts) + 1n;
    const ip = nthAddress(p, n);
    if (!used.has(ip)) return n;
  }
  throw new CorralError('NOT_FOUND', `bridge ${bridge}: no free address left in ${formatPrefix(p)} (${others.length} leases)`, {
    hint: `destroy containers you no longer need, or use a larger subnet (corral net down --bridge ${bridge} --purge; corral net up --bridge ${bridge} --ipv4 ADDR/PREFIX)`,
  });
}

/** Pure: the lease for a request, and the file with it recorded. */
export function allocate(file: LeaseFile, req: LeaseRequest, subnets: Subnets, bridge: string): { file: LeaseFile; lease: Lease } {
  const key = containerKey(req.lxcpath, req.name);
  const others = file.leases.filter((l) => !same(l, key, req.device));
  const dupMac = others.find((l) => l.mac.toLowerCase() === req.mac.toLowerCase());
  if (dupMac) {
    throw new CorralError('EXISTS', `hwaddr ${req.mac} of lxc.net.${req.device} is already used by container "${dupMac.name}" (${dupMac.lxcpath}, lxc.net.${dupMac.device}) on bridge ${bridge}`, {
      hint: `give lxc.net.${req.device}.hwaddr another value (00:16:3e:xx:xx:xx picks one at random)`,
    });
  }
  const previous = file.leases.find((l) => same(l, key, req.device));
  let cursor = file.cursor;
  let ipv4: string;
  let isStatic = false;
  if (req.staticV4 && contains(subnets.v4.prefix, req.staticV4)) {
    checkStatic(req.staticV4, 4, subnets, others, bridge);
    ipv4 = req.staticV4;
    isStatic = true;
  } else if (previous && !previous.static && contains(subnets.v4.prefix, previous.ipv4) && !others.some((l) => l.ipv4 === previous.ipv4)) {
    ipv4 = previous.ipv4;
  } else {
    const n = nextFree(file, subnets, others, bridge);
    ipv4 = nthAddress(subnets.v4.prefix, n);
    cursor = Number(n);
  }
  let ipv6: string | undefined;
  if (subnets.v6) {
    if (req.staticV6 && contains(subnets.v6.prefix, req.staticV6)) {
      checkStatic(req.staticV6, 6, subnets, others, bridge);
      ipv6 = req.staticV6;
    } else {
      // the IPv4 host number in the IPv6 prefix: unique as long as the IPv4 address is
      const candidate = nthAddress(subnets.v6.prefix, hostIndex(subnets.v4.prefix, ipv4));
      ipv6 = others.some((l) => l.ipv6 === candidate) || candidate === subnets.v6.gateway ? undefined : candidate;
    }
  }
  const lease: Lease = { container: key, lxcpath: req.lxcpath, name: req.name, device: req.device, hostname: req.hostname, mac: req.mac.toLowerCase(), ipv4, static: isStatic };
  if (ipv6) lease.ipv6 = ipv6;
  return { file: { version: 1, cursor, leases: [...others, lease].sort((a, b) => a.container.localeCompare(b.container) || a.device - b.device) }, lease };
}

export function emptyLeases(): LeaseFile {
  return { version: 1, cursor: 0, leases: [] };
}

const leasePath = (paths: NetPaths, bridge: string) => join(bridgeDir(paths, bridge), 'leases.json');

export function readLeases(paths: NetPaths, bridge: string): LeaseFile {
  const path = leasePath(paths, bridge);
  if (!existsSync(path)) return emptyLeases();
  try {
    const f = JSON.parse(readFileSync(path, 'utf8')) as LeaseFile;
    return { version: 1, cursor: f.cursor ?? 0, leases: Array.isArray(f.leases) ? f.leases : [] };
  } catch (err) {
    throw new CorralError('INVALID_CONFIG', `${path}: ${(err as Error).message}`, { hint: 'fix or remove the file (the addresses it held will be handed out anew)' });
  }
}

/** Read, change and write the lease file of a bridge under its lock. */
export function updateLeases<T>(paths: NetPaths, bridge: string, fn: (file: LeaseFile) => { file: LeaseFile; result: T }): T {
  return withFileLock(bridgeDir(paths, bridge), 'leases', () => {
    const before = readLeases(paths, bridge);
    const { file, result } = fn(before);
    if (JSON.stringify(file) !== JSON.stringify(before)) writeFileAtomic(leasePath(paths, bridge), `${JSON.stringify(file, null, 2)}\n`, 0o644, true);
    return result;
  });
}

/** Drop the leases of containers that no longer exist (their config is gone). */
export function withoutGone(file: LeaseFile, exists: (l: Lease) => boolean): { file: LeaseFile; gone: Lease[] } {
  const gone = file.leases.filter((l) => !exists(l));
  return { file: { ...file, leases: file.leases.filter((l) => exists(l)) }, gone };
}

export function withoutContainer(file: LeaseFile, key: string, device?: number): { file: LeaseFile; gone: Lease[] } {
  const match = (l: Lease) => l.container === key && (device === undefined || l.device === device);
  return { file: { ...file, leases: file.leases.filter((l) => !match(l)) }, gone: file.leases.filter(match) };
}
