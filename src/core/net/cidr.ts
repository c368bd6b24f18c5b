// IPv4 and IPv6 prefixes as bigints: parse, contain, overlap, the n-th address. Pure.
import { randomBytes } from '../../util/random.js';
import { isIPv4, isIPv6 } from 'node:net';
import { CorralError } from '../../util/errors.js';

export interface Prefix {
  family: 4 | 6;
  /** the network address (host bits cleared) */
  network: bigint;
  length: number;
}

/** An interface address: its own address plus the prefix it sits in. */
export interface IfAddress {
  family: 4 | 6;
  address: string;
  length: number;
}

const bits = (f: 4 | 6) => (f === 4 ? 32 : 128);

export function ipToBig(ip: string): bigint {
  if (isIPv4(ip)) return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  if (!isIPv6(ip)) throw new CorralError('INVALID_ARGUMENT', `"${ip}" is not an IP address`);
  let text = ip;
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipToBig(v4[1]!);
    text = `${text.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function bigToIp(n: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // the longest run of zero groups (2 or more) becomes "::"
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

export function familyOf(ip: string): 4 | 6 {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  throw new CorralError('INVALID_ARGUMENT', `"${ip}" is not an IP address`);
}

function mask(family: 4 | 6, length: number): bigint {
  const total = bits(family);
  return ((1n << BigInt(total)) - 1n) ^ ((1n << BigInt(total - length)) - 1n);
}

/** "10.0.3.1/24" -> the address and its prefix; a clear error for anything else. */
export function parseIfAddress(text: string, what = 'address'): IfAddress {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  const fam = m ? (isIPv4(m[1]!) ? 4 : isIPv6(m[1]!) ? 6 : undefined) : undefined;
  if (!m || !fam || Number(m[2]) > bits(fam)) {
    throw new CorralError('INVALID_ARGUMENT', `${what} "${text}" is not an address with a prefix length like 10.0.3.1/24 or fd42::1/64`);
  }
  return { family: fam, address: bigToIp(ipToBig(m[1]!), fam), length: Number(m[2]) };
}

export function prefixOf(addr: { address: string; length: number }): Prefix {
  const family = familyOf(addr.address);
  return { family, network: ipToBig(addr.address) & mask(family, addr.length), length: addr.length };
}

export function parsePrefix(text: string): Prefix {
  return prefixOf(parseIfAddress(text, 'subnet'));
}

export function formatPrefix(p: Prefix): string {
  return `${bigToIp(p.network, p.family)}/${p.length}`;
}

export function contains(p: Prefix, ip: string): boolean {
  if (familyOf(ip) !== p.family) return false;
  return (ipToBig(ip) & mask(p.family, p.length)) === p.network;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false;
  const len = Math.min(a.length, b.length);
  const m = mask(a.family, len);
  return (a.network & m) === (b.network & m);
}

export function netmask4(length: number): string {
  return bigToIp(mask(4, length), 4);
}

/** The n-th address of a prefix (0 = the network address). */
export function nthAddress(p: Prefix, n: bigint): string {
  return bigToIp(p.network + n, p.family);
}

export function hostIndex(p: Prefix, ip: string): bigint {
  return ipToBig(ip) - p.network;
}

/** Addresses in a prefix (2^(bits-length)). */
export function size(p: Prefix): bigint {
  return 1n << BigInt(bits(p.family) - p.length);
}

/** RFC 4193: fd00::/8 plus 40 random bits, one /64 of it. */
export function randomUla(): Prefix {
  const r = randomBytes(5);
  let n = 0xfdn;
  for (const b of r) n = (n << 8n) | BigInt(b);
  return { family: 6, network: n << 80n, length: 64 };
}
