// A container's network, start to stop. Before init starts: every check (links, MACs,
// addresses) and the host side (bridge ready, leases, veth pairs); at the createRuntime
// SYNC, once its network namespace exists: devices moved in, named, addressed (lo is up
// already: the runtime's LINK_UP op).
// After it stops (or was killed): host devices removed, phys devices named back.
import { CleanupError, CorralError } from '../../util/errors.js';
import { processStartTime } from '../../util/proc.js';
import type { NetDevice } from '../config/net.js';
import type { LinkInfo, NetHost } from './host.js';
import { allocateFor, releaseNewLeases } from './leases.js';
import { ensureBridge } from './manage.js';
import { loadBridgeConfig, subnetOf } from './bridge.js';
import { defaultBridge, type NetPaths } from './paths.js';
import { derivedHwaddr, fillHwaddr, interfaceNames, moveLines, planDevice, randomSuffix, type DeviceInput, type DevicePlan } from './plan.js';
import { allRecords, isLive, loadRecord, newRecord, removeRecord, saveRecord, type AttachedDevice, type Attachment } from './records.js';
import { resolvText, writeResolvConf } from './resolv.js';

export interface NetworkRequest {
  lxcpath: string;
  name: string;
  /** the runtime root of the store (ctx.store.root) */
  root: string;
  rootfs: string;
  devices: NetDevice[];
  host: NetHost;
  paths: NetPaths;
  log: (msg: string) => void;
}

export interface NetworkSetup {
  /** in the namespace of init (at the createRuntime SYNC) */
  configure(pid: number): void;
  /** undo everything: the start failed */
  abort(): void;
  devices: DevicePlan[];
}

const where = (d: NetDevice) => `container network lxc.net.${d.index}${d.type ? ` (${d.type}${d.link ? ` on ${d.link}` : ''})` : ''}`;

function checkMacs(inputs: DeviceInput[], links: LinkInfo[]): void {
  const seen = new Map<string, number>();
  for (const { dev, mac } of inputs) {
    if (!mac) continue;
    const prev = seen.get(mac);
    if (prev !== undefined) {
      throw new CorralError('INVALID_CONFIG', `lxc.net.${dev.index}.hwaddr ${mac} is also the hwaddr of lxc.net.${prev}`, { hint: 'give each network a different hwaddr' });
    }
    seen.set(mac, dev.index);
    const holder = links.find((l) => l.address?.toLowerCase() === mac && !(dev.type === 'phys' && l.ifname === dev.link));
    if (holder) {
      throw new CorralError('EXISTS', `lxc.net.${dev.index}.hwaddr ${mac} is already the address of host interface ${holder.ifname}`, { hint: 'pick another hwaddr (00:16:3e:xx:xx:xx picks one at random)' });
    }
  }
}

function checkLink(dev: NetDevice, links: LinkInfo[], managed: boolean): LinkInfo | undefined {
  if (!dev.link || managed) return undefined;
  const link = links.find((l) => l.ifname === dev.link);
  if (!link) {
    const what = dev.type === 'veth' ? 'bridge' : 'interface';
    throw new CorralError('NOT_FOUND', `${where(dev)}: lxc.net.${dev.index}.link: ${what} ${dev.link} does not exist`, {
      hint: dev.type === 'veth' ? `create it (corral net up --bridge ${dev.link}) or use Corral's bridge (${defaultBridge()})` : `check the name with: ip link`,
    });
  }
  const kind = link.linkinfo?.info_kind;
  if (dev.type === 'veth' && kind !== 'bridge' && kind !== 'openvswitch') {
    throw new CorralError('INVALID_CONFIG', `${where(dev)}: ${dev.link} is not a bridge (it is ${kind ?? 'a physical interface'})`, { hint: 'a veth joins a bridge; for a physical parent use type macvlan' });
  }
  if (dev.type === 'phys' && link.master) {
    throw new CorralError('BAD_STATE', `${where(dev)}: ${dev.link} is a port of ${link.master}`, { hint: `detach it first: ip link set ${dev.link} nomaster` });
  }
  return link;
}

function firstAddr(link: LinkInfo | undefined, family: 'inet' | 'inet6'): string | undefined {
  return link?.addr_info?.find((a) => a.family === family && a.scope !== 'link')?.local;
}

/** MACs: LXC's xx pattern filled at random, a stable one derived for veth/macvlan without one. */
function macFor(req: NetworkRequest, dev: NetDevice): string | undefined {
  if (dev.hwaddr) return fillHwaddr(dev.hwaddr);
  if (dev.type === 'veth' || dev.type === 'macvlan') return derivedHwaddr(req.lxcpath, req.name, dev.index);
  return undefined;
}

function isManaged(req: NetworkRequest, dev: NetDevice): boolean {
  if (dev.type !== 'veth' || !dev.link) return false;
  return dev.link === defaultBridge() || loadBridgeConfig(req.paths, dev.link) !== undefined;
}

function toAttached(p: DevicePlan, links: LinkInfo[]): AttachedDevice {
  const { hostLines: _h, insideLines: _i, ...d }: AttachedDevice & Pick<DevicePlan, 'hostLines' | 'insideLines'> = p;
  if (p.physOriginal) {
    const l = links.find((x) => x.ifname === p.physOriginal);
    if (l) Object.assign(d, { physIfindex: l.ifindex, ...(l.address ? { physMac: l.address } : {}) });
  }
  return d;
}

/** The host side, before init starts. Throws (having undone everything) on any problem. */
export function prepareNetwork(req: NetworkRequest): NetworkSetup {
  sweepStale(req.host, req.paths, req.log);
  const rec = newRecord(req.root, req.lxcpath, req.name);
  const devs = req.devices.filter((d) => d.type !== 'none');
  const names = interfaceNames(devs);
  const plans: DevicePlan[] = [];
  let resolv: { servers: string[]; domain: string } | undefined;
  // a new network namespace has its loopback up already (the runtime's LINK_UP op)
  if (!devs.some((d) => d.type !== 'empty')) return { devices: [], configure: () => {}, abort: () => {} };
  try {
    let links = req.host.links();
    const inputs: DeviceInput[] = [];
    for (const dev of devs) {
      const managed = isManaged(req, dev);
      const link = checkLink(dev, links, managed);
      const input: DeviceInput = { dev };
      const mac = macFor(req, dev);
      if (mac) input.mac = mac;
      const a4 = firstAddr(link, 'inet');
      const a6 = firstAddr(link, 'inet6');
      if (a4) input.linkAddr4 = a4;
      if (a6) input.linkAddr6 = a6;
      if (link?.mtu && dev.type === 'veth') input.linkMtu = link.mtu;
      inputs.push(input);
    }
    checkMacs(inputs, links);
    for (const input of inputs) {
      const { dev } = input;
      if (!isManaged(req, dev)) continue;
      const { cfg } = ensureBridge(req.host, req.paths, dev.link!);
      try {
        input.managed = allocateFor(req, rec, cfg, dev, input.mac!);
      } catch (err) {
        if (err instanceof CorralError) throw new CorralError(err.code, `${where(dev)}: ${err.message}`, { hint: err.hint });
        throw err;
      }
      resolv ??= { servers: [subnetOf(cfg, 4)!.gateway], domain: cfg.domain };
      saveRecord(req.paths, rec);
    }
    links = req.host.links();
    for (const input of inputs) {
      const plan = planDevice(input, names.get(input.dev.index) ?? '', randomSuffix());
      if (plan.hostName && !input.dev.vethPair && links.some((l) => l.ifname === plan.hostName)) throw new CorralError('EXISTS', `${where(input.dev)}: ${plan.hostName} exists`);
      if (plan.hostName && input.dev.vethPair && links.some((l) => l.ifname === plan.hostName)) {
        throw new CorralError('EXISTS', `${where(input.dev)}: lxc.net.${input.dev.index}.veth.pair ${plan.hostName} already exists on the host`, { hint: 'pick another name, or leave veth.pair out' });
      }
      plans.push(plan);
      rec.devices.push(toAttached(plan, links));
      saveRecord(req.paths, rec);
      try {
        req.host.ipBatch(plan.hostLines, where(input.dev));
      } catch (err) {
        throw new CorralError('INVALID_CONFIG', (err as Error).message, { hint: `check lxc.net.${input.dev.index}.* in the container's config` });
      }
    }
    saveRecord(req.paths, rec);
    if (resolv && writeResolvConf(req.rootfs, resolvText(resolv.servers, resolv.domain))) req.log(`wrote /etc/resolv.conf (nameserver ${resolv.servers.join(', ')})`);
  } catch (err) {
    undo(req, rec, err);
    throw err;
  }
  return {
    devices: plans,
    configure: (pid) => {
      rec.init = { pid, start: processStartTime(pid) };
      saveRecord(req.paths, rec);
      configureInside(req.host, plans, pid);
    },
    abort: () => undo(req, rec, undefined),
  };
}

function configureInside(host: NetHost, plans: DevicePlan[], pid: number): void {
  host.ipBatch(moveLines(plans, pid), 'moving the network devices into the container');
  for (const p of plans) {
    try {
      host.ipBatch(p.insideLines, `lxc.net.${p.index} (${p.name})`, pid);
    } catch (err) {
      throw new CorralError('INVALID_CONFIG', `container network ${(err as Error).message}`, { hint: `check lxc.net.${p.index}.* in the container's config` });
    }
  }
}

function undo(req: NetworkRequest, rec: Attachment, original: unknown): void {
  try {
    releaseDevices(req.host, rec);
    releaseNewLeases(req.paths, rec);
    removeRecord(req.paths, rec);
  } catch (cleanup) {
    if (original !== undefined) throw new CleanupError(original, cleanup);
    throw cleanup;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Remove what stays on the host; phys devices come back from a dying namespace on their own, a little later. */
export function releaseDevices(host: NetHost, rec: Attachment): void {
  const links = () => host.links();
  let current = links();
  const lines: string[] = [];
  for (const d of rec.devices) {
    if (d.hostName && current.some((l) => l.ifname === d.hostName)) lines.push(`link del dev ${d.hostName}`);
    else if (!d.physOriginal && d.moveName && current.some((l) => l.ifname === d.moveName)) lines.push(`link del dev ${d.moveName}`);
  }
  if (lines.length > 0) host.ipBatch(lines, `removing the network devices of container "${rec.name}"`);
  const phys = rec.devices.filter((d) => d.physOriginal);
  for (let i = 0; i < 100 && phys.length > 0; i++) {
    current = links();
    for (const d of [...phys]) {
      const back = current.find((l) => (d.physIfindex !== undefined && l.ifindex === d.physIfindex) || (d.physMac !== undefined && l.address === d.physMac));
      if (!back) continue;
      if (back.ifname !== d.physOriginal) host.ipBatch([`link set dev ${back.ifname} down`, `link set dev ${back.ifname} name ${d.physOriginal}`], `returning ${d.physOriginal} to the host`);
      phys.splice(phys.indexOf(d), 1);
    }
    if (phys.length > 0) sleep(20);
  }
}

/** After the container stopped: its devices and record go (its leases stay until destroy). */
export function releaseNetwork(host: NetHost, paths: NetPaths, root: string, name: string): void {
  const rec = loadRecord(paths, root, name);
  if (!rec || isLive(rec)) return;
  releaseDevices(host, rec);
  removeRecord(paths, rec);
}

/** Records whose container is gone (killed, its monitor killed): their devices go now. */
export function sweepStale(host: NetHost, paths: NetPaths, log: (msg: string) => void): void {
  for (const rec of allRecords(paths)) {
    if (isLive(rec)) continue;
    try {
      releaseDevices(host, rec);
      if (!rec.init) releaseNewLeases(paths, rec);
      removeRecord(paths, rec);
      log(`removed the network devices left by container "${rec.name}" (${rec.lxcpath})`);
    } catch (err) {
      log(`cannot clean up the network of container "${rec.name}": ${(err as Error).message}`);
    }
  }
}
