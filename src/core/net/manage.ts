// A Corral bridge as a whole: settings, device, NAT table and dnsmasq brought up together
// (`corral net up`, or the first container that uses the bridge) and taken down together.
// Whatever a failed `up` made is removed again before the error is reported.
import { existsSync, rmSync } from 'node:fs';
import { CleanupError, CorralError } from '../../util/errors.js';
import {
  bridgeLink,
  checkRequested,
  chooseSubnet4,
  chooseUla,
  ensureBridgeDevice,
  loadBridgeConfig,
  removeBridgeDevice,
  saveBridgeConfig,
  takenPrefixes,
  type BridgeConfig,
  type BridgeSettings,
} from './bridge.js';
import { dnsmasqFiles, ensureDnsmasq, runningPid, stopDnsmasq } from './dnsmasq.js';
import type { NetHost } from './host.js';
import { readLeases } from './ipam.js';
import { withFileLock } from './lockfile.js';
import { applyNat, enableForwarding, NFT_FAMILY, removeNat, restoreForwarding, tableName } from './nft.js';
import { bridgeDir, bridgeRunDir, checkIfName, type NetPaths } from './paths.js';

const DEFAULT_DOMAIN = 'corral';

function settingsDiffer(cfg: BridgeConfig, s: BridgeSettings): boolean {
  return (
    (s.ipv4 !== undefined && s.ipv4 !== 'auto' && s.ipv4 !== cfg.ipv4) ||
    (s.ipv6 !== undefined && s.ipv6 !== 'auto' && (s.ipv6 === 'none' ? cfg.ipv6 !== undefined : s.ipv6 !== cfg.ipv6))
  );
}

/** The bridge's settings: the saved ones, changed by what was asked, subnets chosen when new. */
function resolveConfig(host: NetHost, paths: NetPaths, name: string, s: BridgeSettings): BridgeConfig {
  const saved = loadBridgeConfig(paths, name);
  if (saved && settingsDiffer(saved, s) && bridgeLink(host, name)) {
    throw new CorralError('BAD_STATE', `bridge ${name} is up with ${saved.ipv4}${saved.ipv6 ? ` and ${saved.ipv6}` : ''}`, {
      hint: `take it down first to change its subnet: corral net down --bridge ${name}`,
    });
  }
  let takenCache: ReturnType<typeof takenPrefixes> | undefined;
  const taken = () => (takenCache ??= takenPrefixes(host, paths, name));
  let ipv4: string;
  if (s.ipv4 && s.ipv4 !== 'auto') ipv4 = s.ipv4 === saved?.ipv4 ? saved.ipv4 : checkRequested(s.ipv4, 4, taken());
  else ipv4 = saved?.ipv4 ?? chooseSubnet4(taken());
  let ipv6: string | undefined;
  if (s.ipv6 === 'none') ipv6 = undefined;
  else if (s.ipv6 && s.ipv6 !== 'auto') ipv6 = s.ipv6 === saved?.ipv6 ? saved.ipv6 : checkRequested(s.ipv6, 6, taken());
  else if (saved && (saved.ipv6 || s.ipv6 === undefined)) ipv6 = saved.ipv6;
  else ipv6 = chooseUla(taken());
  const cfg: BridgeConfig = {
    version: 1,
    name,
    ipv4,
    nat: s.nat ?? saved?.nat ?? true,
    domain: s.domain ?? saved?.domain ?? DEFAULT_DOMAIN,
    upstream: s.upstream ?? saved?.upstream ?? true,
  };
  if (ipv6) cfg.ipv6 = ipv6;
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(cfg.domain)) {
    throw new CorralError('INVALID_ARGUMENT', `"${cfg.domain}" is not a DNS domain`, { hint: 'e.g. --domain corral' });
  }
  return cfg;
}

/** Another bridge still masquerades (any Corral table, whatever settings directory made it). */
function natBridgesUp(host: NetHost, except: string): boolean {
  return host.nftTables(NFT_FAMILY).some((t) => t.startsWith('corral_') && t !== tableName(except));
}

/** Device, NAT, dnsmasq; on failure what this call made goes again. Caller holds the bridges lock. */
function bringUp(host: NetHost, paths: NetPaths, cfg: BridgeConfig): { pid: number } {
  const existed = bridgeLink(host, cfg.name) !== undefined;
  const natBefore = host.nftHasTable(NFT_FAMILY, tableName(cfg.name));
  try {
    ensureBridgeDevice(host, cfg);
    if (cfg.nat) {
      applyNat(host, cfg);
      enableForwarding(paths.run);
    } else {
      removeNat(host, cfg.name);
    }
    const files = dnsmasqFiles(paths, cfg.name);
    return { pid: ensureDnsmasq(cfg, files, readLeases(paths, cfg.name).leases).pid };
  } catch (err) {
    try {
      if (!natBefore) removeNat(host, cfg.name);
      if (!existed) {
        removeBridgeDevice(host, cfg.name);
        rmSync(bridgeRunDir(paths, cfg.name), { recursive: true, force: true });
      }
    } catch (cleanup) {
      throw new CleanupError(err, cleanup);
    }
    throw err;
  }
}

/**
 * Make the bridge ready: on first use its settings are chosen and saved; dnsmasq is started
 * again if it died (this is its supervision).
 */
export function ensureBridge(host: NetHost, paths: NetPaths, name: string, settings: BridgeSettings = {}): { cfg: BridgeConfig; dnsmasqPid: number } {
  checkIfName(name, 'bridge');
  return withFileLock(paths.dir, 'bridges', () => {
    const cfg = resolveConfig(host, paths, name, settings);
    const saved = loadBridgeConfig(paths, name);
    if (JSON.stringify(saved) !== JSON.stringify(cfg)) saveBridgeConfig(paths, cfg);
    const { pid } = bringUp(host, paths, cfg);
    return { cfg, dnsmasqPid: pid };
  });
}

export interface DownOptions {
  /** forget the saved settings and every lease too */
  purge?: boolean;
}

export function bridgeDown(host: NetHost, paths: NetPaths, name: string, opts: DownOptions = {}): void {
  checkIfName(name, 'bridge');
  withFileLock(paths.dir, 'bridges', () => {
    stopDnsmasq(dnsmasqFiles(paths, name));
    removeNat(host, name);
    if (!natBridgesUp(host, name)) restoreForwarding(paths.run);
    const link = bridgeLink(host, name);
    if (link && link.linkinfo?.info_kind === 'bridge') removeBridgeDevice(host, name);
    rmSync(bridgeRunDir(paths, name), { recursive: true, force: true });
    if (opts.purge) rmSync(bridgeDir(paths, name), { recursive: true, force: true });
  });
}

export interface BridgeStatus {
  name: string;
  configured: boolean;
  exists: boolean;
  up: boolean;
  ipv4?: string;
  ipv6?: string;
  nat: boolean;
  natTable: boolean;
  domain?: string;
  upstream?: boolean;
  dnsmasq: { running: boolean; pid?: number };
  leases: { container: string; name: string; lxcpath: string; device: number; mac: string; ipv4: string; ipv6?: string; static: boolean }[];
}

export function bridgeStatus(host: NetHost, paths: NetPaths, name: string): BridgeStatus {
  const cfg = loadBridgeConfig(paths, name);
  const link = bridgeLink(host, name);
  const pid = runningPid(dnsmasqFiles(paths, name));
  const status: BridgeStatus = {
    name,
    configured: cfg !== undefined,
    exists: link !== undefined,
    up: link?.flags?.includes('UP') ?? false,
    nat: cfg?.nat ?? false,
    natTable: host.nftHasTable(NFT_FAMILY, tableName(name)),
    dnsmasq: pid ? { running: true, pid } : { running: false },
    leases: cfg && existsSync(bridgeDir(paths, name)) ? readLeases(paths, name).leases : [],
  };
  if (cfg) Object.assign(status, { ipv4: cfg.ipv4, domain: cfg.domain, upstream: cfg.upstream, ...(cfg.ipv6 ? { ipv6: cfg.ipv6 } : {}) });
  return status;
}
