// Namespaces: the kernel config says what was built, `unshare` says what this caller may
// actually create right now (a container host's seccomp profile or a sysctl can refuse a
// namespace the config enables). Each probe runs `true` in the new namespace: nothing
// outlives it.
import { judge, reason, type CheckContext, type CheckResult, type Feature, type ProbeOutcome } from './types.js';

interface NamespaceKind {
  flags: string[];
  feature: Feature;
}

const rebuild = (option: string, why: string) => `rebuild the kernel with ${option}=y (${why})`;

const KINDS: NamespaceKind[] = [
  { flags: ['--mount'], feature: { id: 'ns.mnt', section: 'namespaces', name: 'Mount namespace', required: true, options: [], hint: 'mount namespaces are always built in; something (seccomp, a sandbox) refuses unshare(CLONE_NEWNS)' } },
  { flags: ['--uts'], feature: { id: 'ns.uts', section: 'namespaces', name: 'Utsname namespace', required: true, options: ['CONFIG_UTS_NS'], hint: rebuild('CONFIG_UTS_NS', 'containers set their own hostname') } },
  { flags: ['--ipc'], feature: { id: 'ns.ipc', section: 'namespaces', name: 'Ipc namespace', required: true, options: ['CONFIG_IPC_NS'], hint: rebuild('CONFIG_IPC_NS', 'SysV IPC and POSIX queues must not be shared with the host') } },
  { flags: ['--pid', '--fork'], feature: { id: 'ns.pid', section: 'namespaces', name: 'Pid namespace', required: true, options: ['CONFIG_PID_NS'], hint: rebuild('CONFIG_PID_NS', "a system container's init must be pid 1") } },
  { flags: ['--net'], feature: { id: 'ns.net', section: 'namespaces', name: 'Network namespace', required: true, options: ['CONFIG_NET_NS'], hint: rebuild('CONFIG_NET_NS', 'containers get their own interfaces') } },
  { flags: ['--user', '--map-root-user'], feature: { id: 'ns.user', section: 'namespaces', name: 'User namespace', required: false, options: ['CONFIG_USER_NS'], hint: rebuild('CONFIG_USER_NS', 'needed for unprivileged containers and lxc.idmap; privileged containers do without') } },
  { flags: ['--cgroup'], feature: { id: 'ns.cgroup', section: 'namespaces', name: 'Cgroup namespace', required: false, options: ['CONFIG_CGROUPS'], hint: 'needs Linux >= 4.6 with CONFIG_CGROUPS=y; without it a container sees the host\'s cgroup paths' } },
  { flags: ['--time'], feature: { id: 'ns.time', section: 'namespaces', name: 'Time namespace', required: false, options: ['CONFIG_TIME_NS'], hint: 'needs Linux >= 5.6 with CONFIG_TIME_NS=y; only for per-container clock offsets' } },
];

const NAMESPACES: Feature = {
  id: 'ns.namespaces', section: 'namespaces', name: 'Namespaces', required: true, options: ['CONFIG_NAMESPACES'],
  hint: rebuild('CONFIG_NAMESPACES', 'containers are made of namespaces'),
};

/**
 * As root the probe is conclusive. Without root only a user namespace lets us create the
 * others, so they are tried inside one, and a refusal says nothing about the kernel.
 */
export async function probeUnshare(ctx: CheckContext, flags: string[]): Promise<ProbeOutcome> {
  const unshare = await ctx.host.which('unshare');
  if (!unshare) return { kind: 'inconclusive', why: 'util-linux unshare not found (apt-get install util-linux)' };
  const root = ctx.host.uid === 0;
  const args = root || flags[0] === '--user' ? flags : ['--user', '--map-root-user', ...flags];
  const r = await ctx.host.run(unshare, [...args, 'true']);
  if (r.code === 0) return { kind: 'ok' };
  const what = `unshare ${args.join(' ')} failed: ${reason(r)}`;
  if (r.spawnError || r.timedOut) return { kind: 'inconclusive', why: what };
  return root ? { kind: 'fail', why: what } : { kind: 'inconclusive', why: `as uid ${ctx.host.uid}, ${what}` };
}

/** The umbrella option: proven by any namespace the probes could create. */
function umbrella(ctx: CheckContext, outcomes: ProbeOutcome[]): CheckResult {
  if (!ctx.probes) return judge(NAMESPACES, ctx.config);
  if (outcomes.some((o) => o.kind === 'ok')) return judge(NAMESPACES, ctx.config, { kind: 'ok' });
  const fail = outcomes.find((o) => o.kind === 'fail');
  return judge(NAMESPACES, ctx.config, fail ?? { kind: 'inconclusive', why: 'no namespace could be probed' });
}

export async function namespaceChecks(ctx: CheckContext): Promise<CheckResult[]> {
  const outcomes = ctx.probes ? await Promise.all(KINDS.map((k) => probeUnshare(ctx, k.flags))) : [];
  return [umbrella(ctx, outcomes), ...KINDS.map((k, i) => judge(k.feature, ctx.config, outcomes[i]))];
}
