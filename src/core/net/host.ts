// The side effects of networking behind one seam: `ip` (in the host's network namespace
// or, through nsenter, in a container's), `nft`, and reading the host's interfaces and
// routes. Real commands here; unit tests use a recording fake.
import { spawnSync } from 'node:child_process';
import { CorralError } from '../../util/errors.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LinkInfo {
  ifname: string;
  ifindex: number;
  address?: string;
  master?: string;
  operstate?: string;
  mtu?: number;
  flags?: string[];
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}

export interface RouteInfo {
  dst: string;
  dev?: string;
  table?: string;
}

export interface NetHost {
  /** run `ip -batch -` with these lines, in the netns of pid (nsenter) when given; throws with the failing line */
  ipBatch(lines: string[], what: string, nsPid?: number): void;
  /** `ip -json -details addr show` (all links with their addresses) */
  links(nsPid?: number): LinkInfo[];
  /** every route of every table, both families */
  routes(): RouteInfo[];
  /** `nft -f -` with this text */
  nft(text: string, what: string): void;
  /** does this nft table exist (family, name) */
  nftHasTable(family: string, name: string): boolean;
  /** the names of the tables of a family */
  nftTables(family: string): string[];
}

function run(cmd: string, args: string[], input?: string): RunResult {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: 30_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new CorralError('NOT_FOUND', `cannot run ${cmd}: ${code === 'ENOENT' ? 'not installed' : r.error.message}`, {
      hint: 'install iproute2, util-linux, nftables and dnsmasq-base (scripts/setup does)',
    });
  }
  return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function nsPrefix(nsPid: number | undefined): string[] {
  return nsPid === undefined ? [] : [`--net=/proc/${nsPid}/ns/net`];
}

function runIn(nsPid: number | undefined, cmd: string, args: string[], input?: string): RunResult {
  return nsPid === undefined ? run(cmd, args, input) : run('nsenter', [...nsPrefix(nsPid), '--', cmd, ...args], input);
}

/** "Error: ... \nCommand failed -:3" -> the message and the failing line's text. */
export function batchFailure(lines: string[], stderr: string): string {
  const m = /Command failed -:(\d+)/.exec(stderr);
  const reason = stderr
    .split('\n')
    .filter((l) => l && !l.startsWith('Command failed'))
    .map((l) => l.replace(/^Error:\s*/, ''))
    .join('; ');
  const line = m ? lines[Number(m[1]) - 1] : undefined;
  return line ? `"ip ${line}" failed: ${reason || 'no reason given'}` : reason || stderr.trim() || 'ip failed';
}

export const realHost: NetHost = {
  ipBatch(lines, what, nsPid) {
    if (lines.length === 0) return;
    const r = runIn(nsPid, 'ip', ['-batch', '-'], `${lines.join('\n')}\n`);
    if (r.code !== 0) throw new CorralError('INTERNAL', `${what}: ${batchFailure(lines, r.stderr)}`);
  },
  links(nsPid) {
    const r = runIn(nsPid, 'ip', ['-json', '-details', 'addr', 'show']);
    if (r.code !== 0) throw new CorralError('INTERNAL', `cannot list network interfaces: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout || '[]') as LinkInfo[];
  },
  routes() {
    const out: RouteInfo[] = [];
    for (const fam of ['-4', '-6']) {
      const r = run('ip', ['-json', fam, 'route', 'show', 'table', 'all']);
      if (r.code !== 0) throw new CorralError('INTERNAL', `cannot list routes: ${r.stderr.trim()}`);
      out.push(...(JSON.parse(r.stdout || '[]') as RouteInfo[]));
    }
    return out;
  },
  nft(text, what) {
    const r = run('nft', ['-f', '-'], text);
    if (r.code !== 0) throw new CorralError('INTERNAL', `${what}: nft: ${r.stderr.trim()}`);
  },
  nftHasTable(family, name) {
    return run('nft', ['list', 'table', family, name]).code === 0;
  },
  nftTables(family) {
    const r = run('nft', ['list', 'tables', family]);
    return r.code === 0 ? [...r.stdout.matchAll(/^table \S+ (\S+)$/gm)].map((m) => m[1]!) : [];
  },
};

export { run as runCommand };
