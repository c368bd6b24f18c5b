// What an unprivileged user needs for containers: user namespaces they may create (three
// sysctls can forbid it), subordinate id ranges, setuid newuidmap/newgidmap to map them,
// and a cgroup v2 subtree they own. When run as root, the questions are asked for the
// user behind sudo, or answered with what a user would need.
import { addRangesCommand, FULL_RANGE, parseSubid, rangesOf, type IdRange } from '../userns/subid.js';
import type { CgroupFacts } from './probes-cgroups.js';
import { idmappedMountCheck } from './probes-idmap.js';
import { reason, result, type CheckContext, type CheckResult, type CheckStatus, type Host } from './types.js';

export interface Invoker {
  name: string;
  uid: number;
  gid: number;
}

const text = async (host: Host, path: string) => (await host.readFile(path))?.toString('utf8');
const base = (id: string, name: string) => ({ id: `userns.${id}`, section: 'userns' as const, name, required: false });

/** The user to answer for: SUDO_USER behind sudo, else the caller; undefined for plain root. */
export async function findInvoker(host: Host): Promise<Invoker | undefined> {
  const { SUDO_USER, SUDO_UID, SUDO_GID } = host.env;
  if (host.uid === 0 && SUDO_USER && SUDO_USER !== 'root' && SUDO_UID) return { name: SUDO_USER, uid: Number(SUDO_UID), gid: Number(SUDO_GID ?? SUDO_UID) };
  if (host.uid === 0) return undefined;
  const passwd = (await text(host, '/etc/passwd')) ?? '';
  const entry = passwd.split('\n').map((l) => l.split(':')).find((f) => Number(f[2]) === host.uid && f[0]);
  return { name: entry?.[0] ?? host.env.USER ?? String(host.uid), uid: host.uid, gid: host.gid };
}

async function sysctlCheck(ctx: CheckContext, id: string, path: string, name: string): Promise<CheckResult> {
  const value = (await text(ctx.host, path))?.trim();
  const key = path.replace('/proc/sys/', '').replaceAll('/', '.');
  if (id === 'max') {
    if (value === undefined) return result({ ...base(id, name), status: 'missing', detail: 'missing (kernel without user namespaces)' }, 'rebuild the kernel with CONFIG_USER_NS=y');
    return Number(value) > 0 ? { ...base(id, name), status: 'ok', detail: value } : result({ ...base(id, name), status: 'missing', detail: '0 (user namespaces disabled)' }, `sysctl -w ${key}=15000 (persist it in /etc/sysctl.d/)`);
  }
  if (value === undefined) return { ...base(id, name), status: 'ok', detail: 'not present (nothing to enable on this kernel)' };
  const allowed = id === 'debian' ? value === '1' : value === '0';
  if (allowed) return { ...base(id, name), status: 'ok', detail: value };
  const hint = id === 'debian'
    ? `sysctl -w ${key}=1 (persist it in /etc/sysctl.d/)`
    : `sysctl -w ${key}=0, or an AppArmor profile for corral that allows 'userns,'`;
  return result({ ...base(id, name), status: 'missing', detail: `${value} (unprivileged user namespaces refused)` }, hint);
}

/** As root, drop to the user (or nobody) with setpriv: the only way to know for sure. */
async function unprivilegedProbe(ctx: CheckContext, who: Invoker | undefined): Promise<CheckResult> {
  const b = base('probe', 'Unprivileged user namespace');
  const [unshare, setpriv] = await Promise.all([ctx.host.which('unshare'), ctx.host.which('setpriv')]);
  const [uid, gid, label] = who ? [who.uid, who.gid, who.name] : [65534, 65534, 'nobody'];
  const drop = ctx.host.uid === 0 ? [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'] : undefined;
  if (!unshare || (drop && !setpriv)) return result({ ...b, status: 'unknown', detail: `unknown (${unshare ? 'setpriv' : 'unshare'} not found)` }, 'apt-get install util-linux');
  const r = drop ? await ctx.host.run(setpriv!, [...drop, unshare, '--user', '--map-root-user', 'true']) : await ctx.host.run(unshare, ['--user', '--map-root-user', 'true']);
  if (r.code === 0) return { ...b, status: 'ok', detail: `enabled (as ${label})` };
  const status: CheckStatus = r.timedOut || r.spawnError ? 'unknown' : 'missing';
  return result({ ...b, status, detail: `${status}: as ${label}, unshare --user failed: ${reason(r)}` }, 'see the sysctls above; inside a container, the host must allow nested user namespaces');
}

export { parseSubid, type IdRange } from '../userns/subid.js';

function addCommand(ranges: IdRange[], user: string): string {
  return addRangesCommand(ranges, [], user);
}

async function subidCheck(ctx: CheckContext, file: '/etc/subuid' | '/etc/subgid', who: Invoker | undefined): Promise<CheckResult> {
  const b = base(file.slice(5), `${file} ranges`);
  const ranges = parseSubid(await text(ctx.host, file));
  if (!who) {
    const owners = [...new Set(ranges.map((r) => r.owner))];
    if (owners.length > 0) return { ...b, status: 'ok', detail: `root needs none; ranges for: ${owners.join(', ')}` };
    return result({ ...b, status: 'warning', detail: 'root needs none; no user has any' }, `an unprivileged user needs ${FULL_RANGE} ids: ${addCommand(ranges, 'USER')}`);
  }
  const mine = rangesOf(ranges, who);
  const total = mine.reduce((n, r) => n + r.count, 0);
  const list = mine.map((r) => `${r.start}-${r.start + r.count - 1}`).join(', ');
  if (total >= FULL_RANGE) return { ...b, status: 'ok', detail: `${who.name}: ${list} (${total} ids)` };
  if (total > 0) return result({ ...b, status: 'warning', detail: `${who.name}: only ${total} ids (${list})` }, `a full distribution needs ${FULL_RANGE}: ${addCommand(ranges, who.name)}`);
  return result({ ...b, status: 'missing', detail: `missing: none for ${who.name}` }, addCommand(ranges, who.name));
}

async function idmapToolCheck(ctx: CheckContext, tool: 'newuidmap' | 'newgidmap', who: Invoker | undefined): Promise<CheckResult> {
  const b = base(tool, tool);
  const path = await ctx.host.which(tool);
  if (!path) return result({ ...b, status: 'missing', detail: 'not installed' }, 'apt-get install uidmap');
  const st = await ctx.host.stat(path);
  if (st && st.uid === 0 && (st.mode & 0o4000) !== 0) return { ...b, status: 'ok', detail: `setuid root (${path})` };
  // some distributions grant cap_setuid/cap_setgid as file capabilities instead of setuid
  const getcap = await ctx.host.which('getcap');
  const caps = getcap ? (await ctx.host.run(getcap, [path])).stdout : '';
  if (caps.includes(tool === 'newuidmap' ? 'cap_setuid' : 'cap_setgid')) return { ...b, status: 'ok', detail: `file capabilities (${path})` };
  // an ordinary user cannot map their ranges without it; root does not need it
  return result({ ...b, status: who ? 'missing' : 'warning', detail: `not setuid-root (${path})` }, `chmod u+s ${path} (or reinstall: apt-get install --reinstall uidmap)`);
}

/** A user may create cgroups only below a v2 directory they own (systemd delegates user@UID.service). */
async function delegationCheck(ctx: CheckContext, facts: CgroupFacts | undefined, who: Invoker | undefined): Promise<CheckResult> {
  const b = base('delegation', 'Cgroup delegation');
  const unified = facts?.system?.unified;
  if (!unified) return result({ ...b, status: 'warning', detail: 'none: no cgroup v2 tree (v1 hierarchies cannot be delegated safely); containers of users run without cgroup limits' }, 'boot with cgroup v2: systemd.unified_cgroup_hierarchy=1');
  if (!who) return { ...b, status: 'ok', detail: `root needs none; a user needs a directory they own under ${unified} (systemd: user@UID.service)` };
  const candidates = [
    ...(who.uid === ctx.host.uid && facts.ownV2Path ? [`${unified}${facts.ownV2Path}`] : []),
    `${unified}/user.slice/user-${who.uid}.slice/user@${who.uid}.service`,
  ];
  for (const dir of candidates) {
    if ((await ctx.host.stat(dir))?.uid !== who.uid) continue;
    if (facts.system!.layout === 'hybrid' && facts.v2Controllers.length === 0) {
      return result({ ...b, status: 'warning', detail: `${who.name} owns ${dir}, but the v2 tree has no controllers here (hybrid)` }, 'boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1) for resource limits in unprivileged containers');
    }
    return { ...b, status: 'ok', detail: `${who.name} owns ${dir}` };
  }
  // containers still run, in the caller's cgroup: a gap in limits, not a blocker
  return result({ ...b, status: 'warning', detail: `none: no cgroup v2 directory is owned by ${who.name} (their containers run without cgroup limits)` },
    `log in through systemd (loginctl enable-linger ${who.name}) so user@${who.uid}.service is delegated, or as root: d=${unified}/${who.name}; mkdir $d && chown ${who.name} $d $d/cgroup.procs $d/cgroup.threads $d/cgroup.subtree_control`);
}

export async function usernsChecks(ctx: CheckContext, facts: CgroupFacts | undefined): Promise<CheckResult[]> {
  if (!ctx.probes) return [];
  const who = await findInvoker(ctx.host);
  return Promise.all([
    sysctlCheck(ctx, 'max', '/proc/sys/user/max_user_namespaces', 'user.max_user_namespaces'),
    sysctlCheck(ctx, 'debian', '/proc/sys/kernel/unprivileged_userns_clone', 'kernel.unprivileged_userns_clone'),
    sysctlCheck(ctx, 'apparmor', '/proc/sys/kernel/apparmor_restrict_unprivileged_userns', 'kernel.apparmor_restrict_unprivileged_userns'),
    unprivilegedProbe(ctx, who),
    subidCheck(ctx, '/etc/subuid', who),
    subidCheck(ctx, '/etc/subgid', who),
    idmapToolCheck(ctx, 'newuidmap', who),
    idmapToolCheck(ctx, 'newgidmap', who),
    delegationCheck(ctx, facts, who),
    idmappedMountCheck(ctx),
  ]);
}
