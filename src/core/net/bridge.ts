// Corral's bridges: settings persisted per bridge (address, IPv6 prefix, NAT, DNS), a
// subnet chosen on first use that collides with no route or address of the host, and the
// device itself (created, addressed, up; removed on `net down`).
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import { formatPrefix, nthAddress, overlaps, parseIfAddress, prefixOf, randomUla, type Prefix } from './cidr.js';
import type { LinkInfo, NetHost } from './host.js';
import { bridgeDir, type NetPaths } from './paths.js';

export interface BridgeConfig {
  version: 1;
  name: string;
  /** the bridge's own IPv4 address with the subnet's prefix, e.g. 10.0.3.1/24 */
  ipv4: string;
  /** the bridge's IPv6 address in a ULA /64, or absent for IPv4 only */
  ipv6?: string;
  /** masquerade what leaves the subnet, and forward it (sets net.ipv4.ip_forward) */
  nat: boolean;
  /** DNS domain dnsmasq answers for (container names) */
  domain: string;
  /** dnsmasq forwards other names to the host's resolvers; off: it answers only its own */
  upstream: boolean;
}

export interface BridgeSettings {
  ipv4?: string;
  ipv6?: string;
  nat?: boolean;
  domain?: string;
  upstream?: boolean;
}

const CONFIG_FILE = 'bridge.json';

export function loadBridgeConfig(paths: NetPaths, name: string): BridgeConfig | undefined {
  const file = join(bridgeDir(paths, name), CONFIG_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BridgeConfig;
  } catch (err) {
    throw new CorralError('INVALID_CONFIG', `${file}: ${(err as Error).message}`, { hint: `fix or remove it (corral net down --bridge ${name} --purge)` });
  }
}

export function saveBridgeConfig(paths: NetPaths, cfg: BridgeConfig): void {
  const dir = bridgeDir(paths, cfg.name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(cfg, null, 2)}\n`, 0o644, true);
}

/** Every bridge Corral has settings for. */
export function knownBridges(paths: NetPaths): string[] {
  try {
    return readdirSync(paths.dir).filter((n) => existsSync(join(paths.dir, n, CONFIG_FILE))).sort();
  } catch {
    return [];
  }
}

/** What the host already uses (routes of every table, interface addresses), plus other Corral bridges' subnets. */
export function takenPrefixes(host: NetHost, paths: NetPaths, except: string): Prefix[] {
  const taken: Prefix[] = [];
  const add = (text: string | undefined) => {
    if (!text || text === 'default') return;
    const [addr = '', len] = text.split('/');
    try {
      const family = addr.includes(':') ? 6 : 4;
      taken.push(prefixOf({ address: addr, length: len === undefined ? (family === 4 ? 32 : 128) : Number(len) }));
    } catch {
      // multicast/broadcast keywords and the like
    }
  };
  for (const r of host.routes()) if (r.dev !== except) add(r.dst);
  for (const l of host.links()) if (l.ifname !== except) for (const a of l.addr_info ?? []) add(`${a.local}/${a.prefixlen}`);
  for (const b of knownBridges(paths)) {
    if (b === except) continue;
    const cfg = loadBridgeConfig(paths, b);
    if (cfg) add(formatPrefix(prefixOf(parseIfAddress(cfg.ipv4))));
    if (cfg?.ipv6) add(formatPrefix(prefixOf(parseIfAddress(cfg.ipv6))));
  }
  return taken;
}

/** LXC's 10.0.3.0/24 first, then the rest of 10.0.x.0/24, then 172.16-31.x.0/24. */
export function* subnetCandidates(): Generator<string> {
  for (let b = 3; b < 256; b++) yield `10.0.${b}.0/24`;
  for (let a = 16; a < 32; a++) for (let b = 0; b < 256; b++) yield `172.${a}.${b}.0/24`;
}

export function chooseSubnet4(taken: Prefix[]): string {
  for (const c of subnetCandidates()) {
    const p = prefixOf(parseIfAddress(c));
    if (!taken.some((t) => overlaps(t, p))) return `${nthAddress(p, 1n)}/24`;
  }
  throw new CorralError('NOT_FOUND', 'no free IPv4 /24 for the bridge: every candidate in 10.0.x and 172.16-31.x collides with a route', {
    hint: 'give one: corral net up --ipv4 ADDRESS/PREFIX',
  });
}

export function chooseUla(taken: Prefix[]): string {
  for (let i = 0; i < 16; i++) {
    const p = randomUla();
    if (!taken.some((t) => overlaps(t, p))) return `${nthAddress(p, 1n)}/64`;
  }
  throw new CorralError('INTERNAL', 'no free IPv6 ULA prefix found');
}

/** Check a requested bridge address: a usable host address in a subnet no route covers. */
export function checkRequested(text: string, family: 4 | 6, taken: Prefix[]): string {
  const a = parseIfAddress(text, `the bridge's IPv${family} address`);
  if (a.family !== family) throw new CorralError('INVALID_ARGUMENT', `"${text}" is not an IPv${family} address`);
  const p = prefixOf(a);
  const max = family === 4 ? 30 : 126;
  if (a.length > max) throw new CorralError('INVALID_ARGUMENT', `"${text}": a /${a.length} leaves no room for containers`, { hint: `use /${family === 4 ? 24 : 64}` });
  if (nthAddress(p, 0n) === a.address) throw new CorralError('INVALID_ARGUMENT', `"${text}" is the network address of its subnet`, { hint: `e.g. ${nthAddress(p, 1n)}/${a.length}` });
  const clash = taken.find((t) => overlaps(t, p));
  if (clash) {
    throw new CorralError('EXISTS', `${formatPrefix(p)} overlaps ${formatPrefix(clash)}, already routed on this host`, { hint: 'pick another subnet, or omit it to have one chosen' });
  }
  return `${a.address}/${a.length}`;
}

export function bridgeLink(host: NetHost, name: string): LinkInfo | undefined {
  return host.links().find((l) => l.ifname === name);
}

/** ip -batch lines that make the bridge exist, addressed and up (idempotent given its current state). */
export function bridgeUpLines(cfg: BridgeConfig, current: LinkInfo | undefined): string[] {
  const lines: string[] = [];
  if (!current) lines.push(`link add name ${cfg.name} type bridge`);
  const has = (a: string) => (current?.addr_info ?? []).some((x) => `${x.local}/${x.prefixlen}` === a);
  if (!has(cfg.ipv4)) lines.push(`addr add ${cfg.ipv4} dev ${cfg.name}`);
  if (cfg.ipv6 && !has(cfg.ipv6)) lines.push(`addr add ${cfg.ipv6} dev ${cfg.name} nodad`);
  lines.push(`link set ${cfg.name} up`);
  return lines;
}

export function ensureBridgeDevice(host: NetHost, cfg: BridgeConfig): void {
  const current = bridgeLink(host, cfg.name);
  if (current && current.linkinfo?.info_kind !== 'bridge') {
    throw new CorralError('EXISTS', `bridge ${cfg.name}: an interface of that name exists and is not a bridge (${current.linkinfo?.info_kind ?? 'a physical device'})`, {
      hint: 'pick another bridge name (corral net up --bridge NAME)',
    });
  }
  host.ipBatch(bridgeUpLines(cfg, current), `bridge ${cfg.name}`);
}

export function removeBridgeDevice(host: NetHost, name: string): void {
  const current = bridgeLink(host, name);
  if (current) host.ipBatch([`link del ${name}`], `bridge ${name}`);
}

/** The gateway address (the bridge's) and the subnet of a family. */
export function subnetOf(cfg: BridgeConfig, family: 4 | 6): { gateway: string; prefix: Prefix } | undefined {
  const text = family === 4 ? cfg.ipv4 : cfg.ipv6;
  if (!text) return undefined;
  const a = parseIfAddress(text);
  return { gateway: a.address, prefix: prefixOf(a) };
}
