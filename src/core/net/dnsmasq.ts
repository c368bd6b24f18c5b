// One dnsmasq per Corral bridge, as LXC's lxc-net runs one: DHCP that hands out exactly the
// addresses the IPAM reserved (a "static" range plus a dhcp-host line per lease) and DNS for
// container names (an addn-hosts file). Corral supervises it without a daemon of its own:
// every command that needs it checks the pid file (and that the pid is really our dnsmasq)
// and starts it again when it is gone; a change of leases is a SIGHUP (re-read both files).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import { formatPrefix, netmask4, nthAddress } from './cidr.js';
import { subnetOf, type BridgeConfig } from './bridge.js';
import type { Lease } from './ipam.js';
import { bridgeRunDir, type NetPaths } from './paths.js';

export interface DnsmasqFiles {
  dir: string;
  pid: string;
  leases: string;
  hosts: string;
  dhcpHosts: string;
}

export function dnsmasqFiles(paths: NetPaths, bridge: string): DnsmasqFiles {
  const dir = bridgeRunDir(paths, bridge);
  return { dir, pid: join(dir, 'dnsmasq.pid'), leases: join(dir, 'dnsmasq.leases'), hosts: join(dir, 'hosts'), dhcpHosts: join(dir, 'dhcp-hosts') };
}

const LEASE_TIME = '1h';

/** The command line (pure): no config file of the host's, nothing but our bridge. */
export function dnsmasqArgs(cfg: BridgeConfig, files: DnsmasqFiles): string[] {
  const v4 = subnetOf(cfg, 4)!;
  const v6 = subnetOf(cfg, 6);
  const args = [
    '--conf-file=/dev/null',
    '--strict-order',
    '--bind-interfaces',
    `--pid-file=${files.pid}`,
    `--listen-address=${v4.gateway}`,
    ...(v6 ? [`--listen-address=${v6.gateway}`] : []),
    '--except-interface=lo',
    `--interface=${cfg.name}`,
    `--dhcp-range=${nthAddress(v4.prefix, 0n)},static,${netmask4(v4.prefix.length)},${LEASE_TIME}`,
    '--dhcp-no-override',
    '--dhcp-authoritative',
    `--dhcp-leasefile=${files.leases}`,
    `--dhcp-hostsfile=${files.dhcpHosts}`,
    `--addn-hosts=${files.hosts}`,
    '--no-hosts',
    `--domain=${cfg.domain}`,
    `--local=/${cfg.domain}/`,
    '--expand-hosts',
  ];
  // without upstream servers dnsmasq answers for the bridge's own names only: nothing leaves the host
  if (!cfg.upstream) args.push('--no-resolv');
  return args;
}

/** dhcp-host lines: a lease's MAC gets its address and name; nothing else gets one. */
export function dhcpHostsText(leases: Lease[]): string {
  return leases.map((l) => `${l.mac},${l.ipv4},${l.hostname},${LEASE_TIME}\n`).join('');
}

/** hosts lines for DNS: every container's addresses under its name (the first device's only). */
export function hostsText(leases: Lease[], cfg: BridgeConfig): string {
  const named = new Set<string>();
  const lines = [`${subnetOf(cfg, 4)!.gateway} ${cfg.name}\n`];
  for (const l of leases) {
    if (named.has(l.hostname)) continue;
    named.add(l.hostname);
    lines.push(`${l.ipv4} ${l.hostname}\n`);
    if (l.ipv6) lines.push(`${l.ipv6} ${l.hostname}\n`);
  }
  return lines.join('');
}

export function readPid(files: DnsmasqFiles): number | undefined {
  try {
    const pid = Number(readFileSync(files.pid, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of our dnsmasq for this bridge, if it runs (a reused pid is not mistaken for it). */
export function runningPid(files: DnsmasqFiles): number | undefined {
  const pid = readPid(files);
  if (!pid) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(`--pid-file=${files.pid}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function writeHostFiles(files: DnsmasqFiles, cfg: BridgeConfig, leases: Lease[]): void {
  mkdirSync(files.dir, { recursive: true, mode: 0o755 });
  // dnsmasq re-reads these as an unprivileged user after a SIGHUP
  writeFileAtomic(files.dhcpHosts, dhcpHostsText(leases), 0o644);
  writeFileAtomic(files.hosts, hostsText(leases, cfg), 0o644);
}

function start(cfg: BridgeConfig, files: DnsmasqFiles): number {
  const errFile = join(files.dir, 'dnsmasq.err');
  writeFileSync(errFile, '');
  rmSync(files.pid, { force: true });
  const r = spawnSync('dnsmasq', dnsmasqArgs(cfg, files), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10_000 });
  rmSync(errFile, { force: true });
  if (r.error) {
    throw new CorralError('NOT_FOUND', `cannot run dnsmasq for bridge ${cfg.name}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : r.error.message}`, {
      hint: 'apt-get install dnsmasq-base',
    });
  }
  const pid = runningPid(files);
  if (r.status !== 0 || !pid) {
    const why = (r.stderr ?? '').trim().replace(/^dnsmasq: /gm, '') || `exit status ${r.status}`;
    throw new CorralError('BAD_STATE', `dnsmasq for bridge ${cfg.name} did not start: ${why}`, {
      hint: `something else may listen on port 53 or 67 of ${subnetOf(cfg, 4)!.gateway} (see: ss -lunp); stop it, or give the bridge another subnet`,
    });
  }
  return pid;
}

/** Make dnsmasq serve these leases: started when not running, else told to re-read. */
export function ensureDnsmasq(cfg: BridgeConfig, files: DnsmasqFiles, leases: Lease[]): { pid: number; started: boolean } {
  writeHostFiles(files, cfg, leases);
  const pid = runningPid(files);
  if (pid) {
    process.kill(pid, 'SIGHUP');
    return { pid, started: false };
  }
  return { pid: start(cfg, files), started: true };
}

function waitGone(pid: number, ms: number): boolean {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!existsSync(`/proc/${pid}`)) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
  return !existsSync(`/proc/${pid}`);
}

export function stopDnsmasq(files: DnsmasqFiles): void {
  const pid = runningPid(files);
  if (!pid) return;
  process.kill(pid, 'SIGTERM');
  if (!waitGone(pid, 3000)) {
    process.kill(pid, 'SIGKILL');
    waitGone(pid, 2000);
  }
}

/**
 * dnsmasq refuses to give an address to a new MAC while its lease file holds it for another:
 * when leases are released, their lines go from that file (dnsmasq stopped meanwhile, as it
 * rewrites the file itself) and it starts again.
 */
export function forgetDhcpLeases(cfg: BridgeConfig, files: DnsmasqFiles, gone: Lease[], leases: Lease[]): void {
  let text: string;
  try {
    text = readFileSync(files.leases, 'utf8');
  } catch {
    return;
  }
  const drop = (line: string) => gone.some((l) => line.split(' ')[1] === l.mac || line.split(' ')[2] === l.ipv4);
  const lines = text.split('\n').filter(Boolean);
  if (!lines.some(drop)) return;
  const wasRunning = runningPid(files) !== undefined;
  stopDnsmasq(files);
  writeFileSync(files.leases, lines.filter((l) => !drop(l)).map((l) => `${l}\n`).join(''));
  if (wasRunning) ensureDnsmasq(cfg, files, leases);
}

export function describeRange(cfg: BridgeConfig): string {
  return formatPrefix(subnetOf(cfg, 4)!.prefix);
}
