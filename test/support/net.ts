// Networking tests on a bridge of their own: a unique bridge name, a subnet no route of the
// host uses, NAT off and a dnsmasq without upstream servers, so no packet leaves the bridge;
// a store and a settings directory of their own; and a check that nothing is left behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CORRAL, type Result } from './cli.js';

export const NET_RUN = '/run/corral/net';

export function hasNetTools(): boolean {
  return ['/usr/sbin/ip', '/usr/sbin/dnsmasq', '/usr/sbin/nft', '/usr/bin/nsenter'].every((p) => existsSync(p));
}

interface Route {
  dst: string;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

/** A /24 in 10.200-250.x.0 that overlaps no route or address of the host right now. */
export function freeSubnet(): { base: string; gateway: string; cidr: string } {
  const used: [number, number][] = [];
  const add = (text: string) => {
    const [addr = '', len = '32'] = text.split('/');
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return;
    const n = Number(len);
    const size = 2 ** (32 - n);
    const start = Math.floor(ipv4ToInt(addr) / size) * size;
    used.push([start, start + size - 1]);
  };
  for (const r of JSON.parse(execFileSync('ip', ['-json', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })) as Route[]) add(r.dst);
  for (const l of JSON.parse(execFileSync('ip', ['-json', '-4', 'addr'], { encoding: 'utf8' })) as { addr_info: { local: string; prefixlen: number }[] }[]) {
    for (const a of l.addr_info) add(`${a.local}/${a.prefixlen}`);
  }
  for (let i = 0; i < 200; i++) {
    const b = 200 + (randomBytes(1)[0]! % 51);
    const c = randomBytes(1)[0]!;
    const start = ipv4ToInt(`10.${b}.${c}.0`);
    if (!used.some(([s, e]) => start <= e && start + 255 >= s)) return { base: `10.${b}.${c}`, gateway: `10.${b}.${c}.1`, cidr: `10.${b}.${c}.1/24` };
  }
  throw new Error('no free 10.200-250.x.0/24 on this host');
}

export interface NetEnv {
  bridge: string;
  lxcpath: string;
  netDir: string;
  base: string;
  /** the environment `corral` runs with (this store, bridge, settings) */
  env: NodeJS.ProcessEnv;
  corral(args: string[], opts?: { timeoutMs?: number; input?: string }): Result;
  /** a config file with these lines, for create -f */
  configFile(name: string, lines: string[]): string;
  cleanup(): void;
}

export function netEnv(prefix: string): NetEnv {
  const base = mkdtempSync(join(tmpdir(), `corral-${prefix}-`));
  const bridge = `crl${randomBytes(4).toString('hex').slice(0, 7)}`;
  const lxcpath = join(base, 'store');
  const netDir = join(base, 'net');
  writeFileSync(join(base, 'default.conf'), 'lxc.net.0.type = empty\n');
  const env: NodeJS.ProcessEnv = { ...process.env, CORRAL_LXCPATH: lxcpath, CORRAL_NET_DIR: netDir, CORRAL_BRIDGE: bridge, CORRAL_DEFAULT_CONF: join(base, 'default.conf') };
  delete env.NODE_EXTRA_CA_CERTS;
  return {
    bridge,
    lxcpath,
    netDir,
    base,
    env,
    corral(args, opts = {}) {
      const out = openSync(join(base, 'out'), 'w+');
      const err = openSync(join(base, 'err'), 'w+');
      try {
        const r = spawnSync(process.execPath, [CORRAL, ...args], { env, input: opts.input, stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err], timeout: opts.timeoutMs ?? 60_000 });
        return { code: r.status ?? 128, stdout: readFileSync(join(base, 'out'), 'utf8'), stderr: readFileSync(join(base, 'err'), 'utf8') };
      } finally {
        closeSync(out);
        closeSync(err);
      }
    },
    configFile(name, lines) {
      const path = join(base, `${name}.conf`);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true });
    },
  };
}

interface Link {
  ifname: string;
  master?: string;
}

export function hostLinks(): Link[] {
  return JSON.parse(execFileSync('ip', ['-json', 'link'], { encoding: 'utf8' })) as Link[];
}

/** What a bridge's tests might have left: the bridge, its ports, named veths, dnsmasq, the nft table, records, settings. */
export function netLeftovers(e: NetEnv, hostNames: string[]): string[] {
  const out: string[] = [];
  const links = hostLinks();
  if (links.some((l) => l.ifname === e.bridge)) out.push(`bridge ${e.bridge}`);
  for (const l of links) if (l.master === e.bridge) out.push(`port ${l.ifname} of ${e.bridge}`);
  for (const n of hostNames) if (links.some((l) => l.ifname === n)) out.push(`interface ${n}`);
  if (existsSync(join(NET_RUN, e.bridge))) out.push(`run dir ${join(NET_RUN, e.bridge)}`);
  const pidFile = join(NET_RUN, e.bridge, 'dnsmasq.pid');
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--pid-file=${pidFile}`)) out.push(`dnsmasq pid ${pid}`);
    } catch {
      // gone meanwhile
    }
  }
  const table = `corral_${e.bridge}`;
  if (spawnSync('nft', ['list', 'table', 'inet', table]).status === 0) out.push(`nft table inet ${table}`);
  try {
    for (const f of readdirSync(join(NET_RUN, 'attached'))) {
      if (readFileSync(join(NET_RUN, 'attached', f), 'utf8').includes(`"lxcpath":"${e.lxcpath}"`)) out.push(`attachment record ${f}`);
    }
  } catch {
    // no records at all
  }
  if (existsSync(join(e.netDir, e.bridge, 'leases.json'))) {
    const leases = (JSON.parse(readFileSync(join(e.netDir, e.bridge, 'leases.json'), 'utf8')) as { leases: unknown[] }).leases;
    if (leases.length > 0) out.push(`${leases.length} leases on ${e.bridge}`);
  }
  return out;
}

/** Last resort for a failed test: remove the bridge, its dnsmasq and table (ours only, by name and pid). */
export function forceNetCleanup(e: NetEnv, hostNames: string[]): void {
  e.corral(['net', 'down', '--bridge', e.bridge, '--force', '--purge']);
  const links = hostLinks();
  for (const n of [...hostNames, e.bridge]) if (links.some((l) => l.ifname === n)) spawnSync('ip', ['link', 'del', n]);
}

/** Poll a condition (bounded): kernel cleanup of a namespace's devices is asynchronous. */
export async function eventually(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
