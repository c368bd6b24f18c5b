// lxc.net.<i>.<field>: parsed and validated here, configured later by the network layer.
// Each field has a parser and a setter; list fields (addresses, routes) accumulate.
import { isIPv4, isIPv6 } from 'node:net';
import { fail, type SourcePos } from './errors.js';
import { absPath, bool01, integer, oneOf, word } from './values.js';

export const NET_TYPES = ['veth', 'none', 'empty', 'macvlan', 'ipvlan', 'phys', 'vlan'] as const;
export type NetType = (typeof NET_TYPES)[number];

export interface IpAddress {
  address: string;
  /** undefined: LXC derives it (IPv4 classful default, IPv6 /64) */
  prefix?: number;
  broadcast?: string;
}

export interface NetDevice {
  index: number;
  type?: NetType;
  link?: string;
  flags: string[];
  name?: string;
  /** may contain LXC's "xx" random-byte placeholders, filled in when the device is made */
  hwaddr?: string;
  mtu?: number;
  ipv4: IpAddress[];
  ipv4Gateway?: string;
  ipv6: IpAddress[];
  ipv6Gateway?: string;
  vethPair?: string;
  vethMode?: 'bridge' | 'router';
  vethRoutes: string[];
  vlanId?: number;
  macvlanMode?: string;
  ipvlanMode?: string;
  ipvlanIsolation?: string;
  l2proxy?: boolean;
  scriptUp?: string;
  scriptDown?: string;
  pos: SourcePos;
}

export function newNetDevice(index: number, pos: SourcePos): NetDevice {
  return { index, flags: [], ipv4: [], ipv6: [], vethRoutes: [], pos };
}

function ifname(v: string): string {
  word(v, 'interface name');
  if (Buffer.byteLength(v) > 15) return fail(`"${v}" is longer than 15 bytes, the kernel's limit for an interface name`);
  return v;
}

function cidr(v: string, family: 4 | 6, requirePrefix: boolean): IpAddress {
  const [addr = '', broadcast, ...rest] = v.split(/\s+/).filter(Boolean);
  const [address = '', prefixText, ...extra] = addr.split('/');
  const ok = family === 4 ? isIPv4(address) : isIPv6(address);
  const max = family === 4 ? 32 : 128;
  if (!ok || extra.length > 0 || rest.length > 0) return fail(`"${v}" is not an IPv${family} address like ${family === 4 ? '10.0.3.5/24' : 'fd00::5/64'}`);
  if (prefixText === undefined && requirePrefix) return fail(`"${v}" needs a prefix length (/n)`);
  const prefix = prefixText === undefined ? undefined : integer(prefixText, 0, max);
  if (broadcast !== undefined && (family === 6 || !isIPv4(broadcast))) return fail(`"${broadcast}" is not a broadcast address`);
  return broadcast === undefined ? { address, prefix } : { address, prefix, broadcast };
}

function gateway(v: string, family: 4 | 6): string {
  if (v === 'auto' || v === 'dev') return v;
  if (family === 4 ? isIPv4(v) : isIPv6(v)) return v;
  return fail(`"${v}" is not an IPv${family} address, "auto" or "dev"`);
}

/** LXC's hwaddr template: six byte pairs, where an 'x' stands for a random hex digit. */
function hwaddr(v: string): string {
  if (!/^([0-9a-fx]{2}:){5}[0-9a-fx]{2}$/i.test(v)) return fail(`"${v}" is not a MAC address like 00:16:3e:xx:xx:xx`);
  const first = v.slice(0, 2);
  if (!/x/i.test(first) && (parseInt(first, 16) & 1) === 1) return fail(`"${v}" is a multicast address; the first byte must be even`);
  return v;
}

interface NetField {
  parse: (v: string) => unknown;
  set: (dev: NetDevice, value: never) => void;
}

const field = <T>(parse: (v: string) => T, set: (dev: NetDevice, value: T) => void): NetField => ({ parse, set: set as NetField['set'] });

/** The sub-keys of lxc.net.<i>; anything else under lxc.net.<i> is an unknown key. */
export const NET_FIELDS: Readonly<Record<string, NetField>> = {
  type: field((v) => oneOf(v, NET_TYPES, 'network type'), (d, v) => { d.type = v; }),
  link: field(ifname, (d, v) => { d.link = v; }),
  flags: field((v) => oneOf(v, ['up'] as const, 'network flag'), (d, v) => { d.flags = [v]; }),
  name: field(ifname, (d, v) => { d.name = v; }),
  hwaddr: field(hwaddr, (d, v) => { d.hwaddr = v; }),
  mtu: field((v) => integer(v, 68, 65535), (d, v) => { d.mtu = v; }),
  'ipv4.address': field((v) => cidr(v, 4, false), (d, v) => { d.ipv4.push(v); }),
  'ipv4.gateway': field((v) => gateway(v, 4), (d, v) => { d.ipv4Gateway = v; }),
  'ipv6.address': field((v) => cidr(v, 6, false), (d, v) => { d.ipv6.push(v); }),
  'ipv6.gateway': field((v) => gateway(v, 6), (d, v) => { d.ipv6Gateway = v; }),
  'veth.pair': field(ifname, (d, v) => { d.vethPair = v; }),
  'veth.mode': field((v) => oneOf(v, ['bridge', 'router'] as const, 'veth mode'), (d, v) => { d.vethMode = v; }),
  'veth.ipv4.route': field((v) => cidr(v, 4, true), (d, v) => { d.vethRoutes.push(`${v.address}/${v.prefix}`); }),
  'veth.ipv6.route': field((v) => cidr(v, 6, true), (d, v) => { d.vethRoutes.push(`${v.address}/${v.prefix}`); }),
  'vlan.id': field((v) => integer(v, 0, 4094), (d, v) => { d.vlanId = v; }),
  'macvlan.mode': field((v) => oneOf(v, ['private', 'vepa', 'bridge', 'passthru'] as const, 'macvlan mode'), (d, v) => { d.macvlanMode = v; }),
  'ipvlan.mode': field((v) => oneOf(v, ['l3', 'l3s', 'l2'] as const, 'ipvlan mode'), (d, v) => { d.ipvlanMode = v; }),
  'ipvlan.isolation': field((v) => oneOf(v, ['bridge', 'private', 'vepa'] as const, 'ipvlan isolation'), (d, v) => { d.ipvlanIsolation = v; }),
  l2proxy: field(bool01, (d, v) => { d.l2proxy = v; }),
  'script.up': field(absPath, (d, v) => { d.scriptUp = v; }),
  'script.down': field(absPath, (d, v) => { d.scriptDown = v; }),
};

/** "3.ipv4.address" -> index 3, field "ipv4.address"; undefined if it is not of that shape. */
export function splitNetKey(sub: string): { index: number; field: string } | undefined {
  const m = /^(\d{1,4})(?:\.(.+))?$/.exec(sub);
  if (!m) return undefined;
  return { index: Number(m[1]), field: m[2] ?? '' };
}

/** Cross-device rules LXC enforces when it sets the network up. */
export function checkNetwork(devices: readonly NetDevice[], report: (dev: NetDevice, message: string) => void): void {
  for (const dev of devices) {
    if (!dev.type) report(dev, `lxc.net.${dev.index} has no lxc.net.${dev.index}.type`);
    else if ((dev.type === 'phys' || dev.type === 'macvlan' || dev.type === 'ipvlan' || dev.type === 'vlan') && !dev.link) {
      report(dev, `a ${dev.type} network needs lxc.net.${dev.index}.link`);
    }
    if (dev.type === 'vlan' && dev.vlanId === undefined) report(dev, `a vlan network needs lxc.net.${dev.index}.vlan.id`);
  }
  const none = devices.find((d) => d.type === 'none');
  if (none && devices.length > 1) report(none, 'type "none" shares the host network namespace and cannot be combined with other networks');
}
