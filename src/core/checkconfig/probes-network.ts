// Network: veth, bridge, macvlan and vlan are created for real, but inside a throwaway
// network namespace that dies with the probe, so the host's interfaces are never touched.
// (`ip link add` may auto-load the driver module; that is what lxc-start would do too.)
import { judge, reason, type CheckContext, type CheckResult, type Feature, type ProbeOutcome } from './types.js';

const feature = (id: string, name: string, options: string[], required: boolean, hint: string): Feature => ({
  id: `net.${id}`, section: 'network', name, options, required, hint,
});

const LINKS = {
  veth: feature('veth', 'Veth pair device', ['CONFIG_VETH'], true, 'rebuild the kernel with CONFIG_VETH=y (lxc.net.N.type = veth, the default network)'),
  bridge: feature('bridge', 'Bridges', ['CONFIG_BRIDGE'], true, 'rebuild the kernel with CONFIG_BRIDGE=y (the host bridge veth pairs attach to), or modprobe bridge'),
  macvlan: feature('macvlan', 'Macvlan', ['CONFIG_MACVLAN'], false, 'rebuild the kernel with CONFIG_MACVLAN=y or modprobe macvlan (only for lxc.net.N.type = macvlan)'),
  vlan: feature('vlan', 'Vlan', ['CONFIG_VLAN_8021Q'], false, 'rebuild the kernel with CONFIG_VLAN_8021Q=y or modprobe 8021q (only for lxc.net.N.type = vlan)'),
} as const;

type LinkKind = keyof typeof LINKS;

const CONFIG_ONLY: Feature[] = [
  feature('netfilter', 'Advanced netfilter', ['CONFIG_NETFILTER_ADVANCED'], false, 'rebuild the kernel with CONFIG_NETFILTER_ADVANCED=y (NAT for a container bridge)'),
  ...['CONFIG_IP_NF_TARGET_MASQUERADE', 'CONFIG_IP6_NF_TARGET_MASQUERADE', 'CONFIG_NETFILTER_XT_TARGET_CHECKSUM', 'CONFIG_NETFILTER_XT_MATCH_COMMENT'].map((o) =>
    feature(o.toLowerCase().replace(/^config_/, ''), o, [o], false, `rebuild the kernel with ${o}=m (NAT and DHCP on a container bridge)`)),
];

const FUSE = feature('fuse', 'FUSE (for use with lxcfs)', ['CONFIG_FUSE_FS'], false, 'rebuild the kernel with CONFIG_FUSE_FS=m or modprobe fuse (lxcfs needs it)');

// each step reports on its own line, so one missing driver does not hide the others
const SCRIPT = [
  'try() { kind=$1; shift; if out=$("$@" 2>&1); then echo "$kind ok"; else echo "$kind fail $out" | head -n1; fi; }',
  'try veth ip link add cv0 type veth peer name cv1',
  'try bridge ip link add cb0 type bridge',
  'try macvlan ip link add cm0 link cv0 type macvlan mode bridge',
  'try vlan ip link add link cv0 name cv0.5 type vlan id 5',
].join('\n');

export function parseLinkProbe(stdout: string): Partial<Record<LinkKind, ProbeOutcome>> {
  const out: Partial<Record<LinkKind, ProbeOutcome>> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(veth|bridge|macvlan|vlan) (ok|fail)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const kind = m[1] as LinkKind;
    out[kind] = m[2] === 'ok' ? { kind: 'ok' } : { kind: 'fail', why: `ip link add type ${kind} failed: ${m[3] || 'unknown error'}` };
  }
  // macvlan and vlan hang off the veth: without it their failure says nothing about them
  if (out.veth?.kind === 'fail') {
    for (const k of ['macvlan', 'vlan'] as const) if (out[k]?.kind === 'fail') out[k] = { kind: 'inconclusive', why: 'no veth to attach it to' };
  }
  return out;
}

async function probeLinks(ctx: CheckContext): Promise<Partial<Record<LinkKind, ProbeOutcome>> | ProbeOutcome> {
  const [unshare, ip] = await Promise.all([ctx.host.which('unshare'), ctx.host.which('ip')]);
  if (!unshare) return { kind: 'inconclusive', why: 'util-linux unshare not found' };
  if (!ip) return { kind: 'inconclusive', why: 'ip not found (apt-get install iproute2)' };
  // without root, a user namespace owns the new network namespace and may create links in it
  const userns = ctx.host.uid === 0 ? [] : ['--user', '--map-root-user'];
  const r = await ctx.host.run(unshare, [...userns, '--net', 'sh', '-c', SCRIPT.replaceAll(' ip ', ` ${ip} `)]);
  const parsed = parseLinkProbe(r.stdout);
  if (Object.keys(parsed).length === 0) return { kind: 'inconclusive', why: `could not make a throwaway network namespace: ${reason(r)}` };
  if (ctx.host.uid !== 0) {
    // inside a user namespace a refusal may be about permission, not the kernel
    for (const [k, v] of Object.entries(parsed)) if (v.kind === 'fail') parsed[k as LinkKind] = { kind: 'inconclusive', why: v.why };
  }
  return parsed;
}

/** /proc/filesystems lists fuse once the driver is built in or loaded. */
async function probeFuse(ctx: CheckContext): Promise<ProbeOutcome | undefined> {
  const fs = (await ctx.host.readFile('/proc/filesystems'))?.toString('utf8');
  if (fs && /\bfuse$/m.test(fs)) return { kind: 'ok' };
  return (await ctx.host.stat('/dev/fuse')) ? { kind: 'ok', note: '/dev/fuse present' } : undefined;
}

export async function networkChecks(ctx: CheckContext): Promise<CheckResult[]> {
  const links = ctx.probes ? await probeLinks(ctx) : undefined;
  const outcome = (k: LinkKind): ProbeOutcome | undefined => (links && 'kind' in links ? (links as ProbeOutcome) : links?.[k]);
  const fuse = ctx.probes ? await probeFuse(ctx) : undefined;
  return [
    ...(Object.keys(LINKS) as LinkKind[]).map((k) => judge(LINKS[k], ctx.config, outcome(k))),
    ...CONFIG_ONLY.map((f) => judge(f, ctx.config)),
    judge(FUSE, ctx.config, fuse),
  ];
}
