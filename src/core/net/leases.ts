// The IPAM as the container lifecycle uses it: a lease taken at start (the same one again
// for a container that had one), given back on destroy or when a first start fails, and
// dnsmasq told after every change.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NetDevice } from '../config/net.js';
import { loadBridgeConfig, knownBridges, subnetOf, type BridgeConfig } from './bridge.js';
import { dnsmasqFiles, ensureDnsmasq, forgetDhcpLeases, runningPid } from './dnsmasq.js';
import { allocate, containerKey, readLeases, updateLeases, withoutContainer, withoutGone, type Lease } from './ipam.js';
import type { NetPaths } from './paths.js';
import type { ManagedLink } from './plan.js';
import type { Attachment } from './records.js';

/** A DNS label for the container's name (names may hold '.', '_' and '+'). */
export function dnsName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'container'
  );
}

const configExists = (l: Lease) => existsSync(join(l.lxcpath, l.name, 'config'));

function staticOf(dev: NetDevice, family: 4 | 6): string | undefined {
  return (family === 4 ? dev.ipv4 : dev.ipv6)[0]?.address;
}

/** dnsmasq re-reads the reservations (or starts, if it died). */
function tellDnsmasq(paths: NetPaths, cfg: BridgeConfig): void {
  ensureDnsmasq(cfg, dnsmasqFiles(paths, cfg.name), readLeases(paths, cfg.name).leases);
}

export function allocateFor(
  req: { lxcpath: string; name: string; paths: NetPaths },
  rec: Attachment,
  cfg: BridgeConfig,
  dev: NetDevice,
  mac: string,
): ManagedLink {
  const v4 = subnetOf(cfg, 4)!;
  const v6 = subnetOf(cfg, 6);
  let gone: Lease[] = [];
  const { lease, isNew } = updateLeases(req.paths, cfg.name, (before) => {
    const cleaned = withoutGone(before, configExists);
    gone = cleaned.gone;
    const key = containerKey(req.lxcpath, req.name);
    const had = before.leases.some((l) => l.container === key && l.device === dev.index);
    const r = allocate(
      cleaned.file,
      { lxcpath: req.lxcpath, name: req.name, device: dev.index, hostname: dnsName(req.name), mac, staticV4: staticOf(dev, 4), staticV6: staticOf(dev, 6) },
      v6 ? { v4, v6 } : { v4 },
      cfg.name,
    );
    return { file: r.file, result: { lease: r.lease, isNew: !had } };
  });
  if (isNew) rec.newLeases.push({ bridge: cfg.name, device: dev.index });
  const files = dnsmasqFiles(req.paths, cfg.name);
  if (gone.length > 0) forgetDhcpLeases(cfg, files, gone, readLeases(req.paths, cfg.name).leases);
  tellDnsmasq(req.paths, cfg);
  const link: ManagedLink = { bridge: cfg.name, gateway4: v4.gateway, prefix4: v4.prefix, lease: { ipv4: lease.ipv4 } };
  if (v6) Object.assign(link, { gateway6: v6.gateway, prefix6: v6.prefix });
  if (lease.ipv6) link.lease.ipv6 = lease.ipv6;
  return link;
}

function release(paths: NetPaths, bridge: string, key: string, device?: number): void {
  const cfg = loadBridgeConfig(paths, bridge);
  if (!cfg) return;
  const gone = updateLeases(paths, bridge, (before) => {
    const r = withoutContainer(before, key, device);
    return { file: r.file, result: r.gone };
  });
  if (gone.length === 0) return;
  const files = dnsmasqFiles(paths, bridge);
  const rest = readLeases(paths, bridge).leases;
  forgetDhcpLeases(cfg, files, gone, rest);
  if (runningPid(files)) tellDnsmasq(paths, cfg);
}

/** A start that failed gives back the leases it took for the first time. */
export function releaseNewLeases(paths: NetPaths, rec: Attachment): void {
  for (const l of rec.newLeases) release(paths, l.bridge, containerKey(rec.lxcpath, rec.name), l.device);
  rec.newLeases = [];
}

/** destroy: every lease of the container on every Corral bridge. */
export function forgetContainer(paths: NetPaths, lxcpath: string, name: string): void {
  for (const bridge of knownBridges(paths)) release(paths, bridge, containerKey(lxcpath, name));
}
