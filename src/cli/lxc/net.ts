import type { NetStatus } from '../../core/net/commands.js';
import type { CommandSpec, Values } from '../args.js';
import { CorralError } from '../../util/errors.js';
import { printJson } from '../output.js';

const DESCRIPTION = `Corral's bridge for containers (default corralbr0, or $CORRAL_BRIDGE, or
corral.net.bridge in /etc/corral/corral.conf) with an IPv4 subnet and an IPv6 ULA prefix
chosen on first use so that they collide with no route of the host, a dnsmasq serving
DHCP (the addresses Corral reserved) and DNS (container names), and outbound NAT in an
nftables table of its own. The first container on the bridge brings it up by itself;
settings given to 'up' are kept for later.

  up       create or repair the bridge, its dnsmasq and NAT (settings are saved)
  down     remove the bridge, dnsmasq and the NAT table (--purge: forget settings and leases)
  status   the bridge, its dnsmasq, NAT table, leases and attached containers`;

function settingsFrom(o: Values): Record<string, string | boolean> {
  const s: Record<string, string | boolean> = {};
  if (typeof o.ipv4 === 'string') s.ipv4 = o.ipv4;
  if (typeof o.ipv6 === 'string') s.ipv6 = o.ipv6;
  if (typeof o.domain === 'string') s.domain = o.domain;
  if (o.nat && o.noNat) throw new CorralError('INVALID_ARGUMENT', '--nat and --no-nat exclude each other');
  if (o.upstream && o.noUpstream) throw new CorralError('INVALID_ARGUMENT', '--upstream and --no-upstream exclude each other');
  if (o.nat) s.nat = true;
  if (o.noNat) s.nat = false;
  if (o.upstream) s.upstream = true;
  if (o.noUpstream) s.upstream = false;
  return s;
}

type StatusView = NetStatus;

function render(s: StatusView): string {
  const rows: [string, string][] = [
    ['Bridge', `${s.name} (${s.exists ? (s.up ? 'up' : 'down') : 'not present'}${s.configured ? '' : ', no saved settings'})`],
  ];
  if (s.ipv4) rows.push(['IPv4', s.ipv4]);
  if (s.ipv6) rows.push(['IPv6', s.ipv6]);
  rows.push(['NAT', `${s.nat ? 'on' : 'off'}${s.natTable ? ` (nft table inet corral_${s.name.replace(/[^A-Za-z0-9_]/g, '_')})` : ''}`]);
  rows.push(['dnsmasq', s.dnsmasq.running ? `running, pid ${s.dnsmasq.pid}` : 'not running']);
  if (s.domain) rows.push(['DNS', `domain ${s.domain}, ${s.upstream ? 'forwards other names to the host\'s resolvers' : 'answers for its own names only'}`]);
  rows.push(['Leases', String(s.leases.length)]);
  const out = rows.map(([k, v]) => `${`${k}:`.padEnd(10)}${v}\n`);
  const running = new Map(s.attached.map((a) => [a.name, a.hostName ?? '']));
  for (const l of s.leases) {
    const state = running.has(l.name) ? `running${running.get(l.name) ? ` (${running.get(l.name)})` : ''}` : 'stopped';
    out.push(`  ${l.name.padEnd(16)} ${l.ipv4.padEnd(15)} ${(l.ipv6 ?? '-').padEnd(24)} ${l.mac}  ${l.static ? 'static ' : ''}${state}  ${l.lxcpath}\n`);
  }
  return out.join('');
}

export const command: CommandSpec = {
  name: 'net',
  summary: "Corral's container bridge: up, down, status",
  description: DESCRIPTION,
  args: [{ name: 'action', description: 'up, down or status (default)', optional: true }],
  options: [
    { flags: '-b, --bridge <name>', description: 'the bridge (default corralbr0 or the configured one)' },
    { flags: '--ipv4 <cidr>', description: "up: the bridge's address and subnet, e.g. 10.0.3.1/24 ('auto': chosen)" },
    { flags: '--ipv6 <cidr>', description: "up: the bridge's IPv6 address in a /64, 'auto' (a random ULA) or 'none'" },
    { flags: '--nat', description: 'up: masquerade outbound traffic (the default)' },
    { flags: '--no-nat', description: 'up: no NAT, no forwarding: containers reach the host and each other only' },
    { flags: '--upstream', description: "up: dnsmasq forwards other names to the host's resolvers (the default)" },
    { flags: '--no-upstream', description: 'up: dnsmasq answers for container names only' },
    { flags: '--domain <name>', description: 'up: the DNS domain of container names (default corral)' },
    { flags: '--purge', description: 'down: also forget the saved settings and every lease' },
    { flags: '-f, --force', description: 'down: even with running containers on the bridge' },
    { flags: '--json', description: 'status as JSON' },
    { flags: '-q, --quiet', description: 'print nothing but errors' },
  ],
  async run(args, o) {
    const action = typeof args.action === 'string' ? args.action : 'status';
    const bridge = typeof o.bridge === 'string' ? o.bridge : undefined;
    const net = await import('../../core/net/commands.js');
    const log = (m: string) => {
      if (!o.quiet && !o.json) process.stderr.write(`corral: ${m}\n`);
    };
    let shown: StatusView[];
    if (action === 'up') {
      shown = [net.netUp(bridge, settingsFrom(o), { log })];
    } else if (action === 'down') {
      const name = net.netDown(bridge, { purge: o.purge === true, force: o.force === true }, { log });
      if (!o.quiet && !o.json) process.stdout.write(`bridge ${name} is down${o.purge ? '; its settings and leases are forgotten' : ''}\n`);
      if (o.json) printJson({ bridge: name, down: true, purged: o.purge === true });
      return;
    } else if (action === 'status') {
      shown = net.netStatus(bridge);
    } else {
      throw new CorralError('INVALID_ARGUMENT', `unknown action "${action}"`, { hint: 'corral net up | down | status' });
    }
    if (o.json) return void printJson(bridge || action === 'up' ? shown[0] : shown);
    if (o.quiet) return;
    if (shown.length === 0) process.stdout.write('no Corral bridge yet: the first container on it creates it, or: corral net up\n');
    process.stdout.write(shown.map(render).join('\n'));
  },
};
