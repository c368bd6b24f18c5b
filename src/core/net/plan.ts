// Pure planning of a container's interfaces: from the lxc.net.N entries (plus the bridge's
// lease, when Corral manages the bridge) to the `ip` lines that make each device on the host
// before init starts, move it into the container's network namespace, configure it there,
// and remove what is left on the host afterwards.
import { CorralError } from '../../util/errors.js';
import { randomBytes } from '../../util/random.js';
import { sha256Hex } from '../../util/sha256.js';
import type { IpAddress, NetDevice } from '../config/net.js';
import { contains, familyOf, type Prefix } from './cidr.js';

export interface ManagedLink {
  bridge: string;
  gateway4: string;
  prefix4: Prefix;
  gateway6?: string;
  prefix6?: Prefix;
  /** the IPAM's addresses for this device */
  lease: { ipv4: string; ipv6?: string };
}

export interface DeviceInput {
  dev: NetDevice;
  /** the MAC to give it (xx filled in), undefined: the kernel's (phys keeps its own) */
  mac?: string;
  /** set when lxc.net.N.link is a bridge Corral manages */
  managed?: ManagedLink;
  /** IPv4/IPv6 of the host link, for gateway "auto" on a bridge Corral does not manage */
  linkAddr4?: string;
  linkAddr6?: string;
  /** the MTU of the bridge/parent, for the veth when lxc.net.N.mtu is not set */
  linkMtu?: number;
}

export interface DevicePlan {
  index: number;
  type: string;
  /** name inside the container */
  name: string;
  /** the host end of a veth (stays on the host) */
  hostName?: string;
  /** the device that moves into the container, under its name on the host */
  moveName?: string;
  /** phys: the name to give the device back when it returns to the host */
  physOriginal?: string;
  bridge?: string;
  mac?: string;
  addresses: string[];
  /** ip -batch lines in the host's namespace, before init starts */
  hostLines: string[];
  /** ip -batch lines in the container's namespace */
  insideLines: string[];
}

export function randomSuffix(n = 7): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** LXC's hwaddr pattern: each 'x' becomes a random hex digit; the first byte is kept unicast and local-looking as written. */
export function fillHwaddr(template: string, rand: () => number = () => randomBytes(1)[0]!): string {
  let out = template.toLowerCase().replace(/x/g, () => (rand() % 16).toString(16));
  // a random first byte must still be a unicast address
  const first = parseInt(out.slice(0, 2), 16);
  if ((first & 1) === 1) out = `${((first & 0xfe) | 0x02).toString(16).padStart(2, '0')}${out.slice(2)}`;
  return out;
}

/** A stable MAC for a device without lxc.net.N.hwaddr, so its DHCP lease stays its own. */
export function derivedHwaddr(lxcpath: string, name: string, index: number): string {
  const h = Buffer.from(sha256Hex(`${lxcpath}\0${name}\0${index}`), 'hex');
  return `00:16:3e:${[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

/** The host end of a veth gets fe:... so that the bridge (which takes its ports' lowest MAC) keeps a stable one. */
export function hostSideMac(mac: string): string {
  return `fe${mac.slice(2)}`;
}

/** An address without a prefix: LXC's classful default for IPv4, /64 for IPv6. */
export function withPrefix(a: IpAddress, managed?: ManagedLink): string {
  if (a.prefix !== undefined) return `${a.address}/${a.prefix}`;
  const family = familyOf(a.address);
  if (managed && family === 4 && contains(managed.prefix4, a.address)) return `${a.address}/${managed.prefix4.length}`;
  if (managed?.prefix6 && family === 6 && contains(managed.prefix6, a.address)) return `${a.address}/${managed.prefix6.length}`;
  if (family === 6) return `${a.address}/64`;
  const first = Number(a.address.split('.')[0]);
  return `${a.address}/${first < 128 ? 8 : first < 192 ? 16 : 24}`;
}

/** Names for devices without lxc.net.N.name: eth0, eth1, ... skipping names given explicitly. */
export function interfaceNames(devs: NetDevice[]): Map<number, string> {
  const taken = new Set(devs.map((d) => d.name).filter((n): n is string => n !== undefined));
  const out = new Map<number, string>();
  let next = 0;
  for (const d of devs) {
    if (d.type === 'none' || d.type === 'empty') continue;
    if (d.name) {
      out.set(d.index, d.name);
      continue;
    }
    if (d.type === 'phys' && d.link) {
      out.set(d.index, d.link);
      continue;
    }
    while (taken.has(`eth${next}`)) next++;
    out.set(d.index, `eth${next}`);
    taken.add(`eth${next++}`);
  }
  return out;
}

function addresses(input: DeviceInput): string[] {
  const { dev, managed } = input;
  const v4 = dev.ipv4.map((a) => withPrefix(a, managed));
  const v6 = dev.ipv6.map((a) => withPrefix(a, managed));
  if (managed) {
    const has = (list: string[], ip: string) => list.some((a) => a.split('/')[0] === ip);
    if (!has(v4, managed.lease.ipv4)) v4.unshift(`${managed.lease.ipv4}/${managed.prefix4.length}`);
    if (managed.lease.ipv6 && managed.prefix6 && !has(v6, managed.lease.ipv6)) v6.unshift(`${managed.lease.ipv6}/${managed.prefix6.length}`);
  }
  return [...v4, ...v6];
}

function gateway(input: DeviceInput, family: 4 | 6): string | undefined {
  const { dev, managed } = input;
  const given = family === 4 ? dev.ipv4Gateway : dev.ipv6Gateway;
  const own = family === 4 ? (managed?.gateway4 ?? input.linkAddr4) : (managed?.gateway6 ?? input.linkAddr6);
  if (given === 'auto') {
    if (!own) throw new CorralError('INVALID_CONFIG', `lxc.net.${dev.index}.ipv${family}.gateway = auto: ${dev.link ?? 'the link'} has no IPv${family} address to use`, { hint: 'give the gateway address' });
    return own;
  }
  if (given) return given;
  // on Corral's bridge the IPAM's address comes with the bridge as the way out, as DHCP would say
  return managed ? own : undefined;
}

function insideLines(input: DeviceInput, name: string, moveName: string, addrs: string[]): string[] {
  const { dev } = input;
  const lines: string[] = [];
  if (moveName !== name) lines.push(`link set dev ${moveName} name ${name}`);
  if (input.mac) lines.push(`link set dev ${name} address ${input.mac}`);
  if (dev.mtu) lines.push(`link set dev ${name} mtu ${dev.mtu}`);
  for (const a of addrs) lines.push(a.includes(':') ? `addr add ${a} dev ${name} nodad` : `addr add ${a} broadcast + dev ${name}`);
  const up = dev.flags.includes('up');
  if (up) lines.push(`link set dev ${name} up`);
  for (const family of [4, 6] as const) {
    const gw = gateway(input, family);
    if (!gw || !up) continue;
    lines.push(gw === 'dev' ? `${family === 6 ? '-6 ' : ''}route add default dev ${name}` : `route add default via ${gw} dev ${name}`);
  }
  return lines;
}

/** The plan of one device; `names` from interfaceNames, `suffix` makes the host-side names unique. */
export function planDevice(input: DeviceInput, name: string, suffix: string): DevicePlan {
  const { dev } = input;
  const type = dev.type ?? 'empty';
  const addrs = addresses(input);
  const plan: DevicePlan = { index: dev.index, type, name, addresses: addrs, hostLines: [], insideLines: [] };
  if (input.mac) plan.mac = input.mac;
  const mtu = dev.mtu ?? input.linkMtu;
  switch (type) {
    case 'veth': {
      if (dev.vethMode === 'router') {
        throw new CorralError('NOT_SUPPORTED', `lxc.net.${dev.index}.veth.mode = router is not supported yet`, { hint: 'use veth.mode = bridge (the default)' });
      }
      const hostName = dev.vethPair ?? `veth${suffix}`;
      const peer = `vcrl${suffix}`;
      plan.hostName = hostName;
      plan.moveName = peer;
      const m = mtu ? ` mtu ${mtu}` : '';
      plan.hostLines.push(`link add name ${hostName}${m} type veth peer name ${peer}${m}`);
      if (input.mac) plan.hostLines.push(`link set dev ${hostName} address ${hostSideMac(input.mac)}`);
      if (dev.link) {
        plan.bridge = dev.link;
        plan.hostLines.push(`link set dev ${hostName} master ${dev.link}`);
      }
      plan.hostLines.push(`link set dev ${hostName} up`);
      break;
    }
    case 'macvlan':
    case 'ipvlan':
    case 'vlan': {
      const tmp = `mcrl${suffix}`;
      plan.moveName = tmp;
      const kind =
        type === 'macvlan'
          ? `macvlan mode ${dev.macvlanMode ?? 'private'}`
          : type === 'ipvlan'
            ? `ipvlan mode ${dev.ipvlanMode ?? 'l3'}${dev.ipvlanIsolation ? ` ${dev.ipvlanIsolation}` : ''}`
            : `vlan id ${dev.vlanId}`;
      plan.hostLines.push(`link add name ${tmp} link ${dev.link}${mtu && dev.mtu ? ` mtu ${mtu}` : ''} type ${kind}`);
      break;
    }
    case 'phys':
      plan.moveName = dev.link!;
      plan.physOriginal = dev.link!;
      break;
    default:
      return plan; // empty, none: nothing but lo (done once per container)
  }
  plan.insideLines = insideLines(input, name, plan.moveName!, addrs);
  return plan;
}

/** Host lines that move each device into the namespace of pid. */
export function moveLines(plans: DevicePlan[], pid: number): string[] {
  return plans.filter((p) => p.moveName).map((p) => `link set dev ${p.moveName} netns ${pid}`);
}
