// Control groups: which layout the host runs, where each controller lives (a v1 hierarchy,
// the v2 tree, or nowhere), and whether cgroups can be created. The live facts come from
// the mount table, /proc/cgroups and the v2 root's cgroup.controllers; nothing is written.
import { detectCgroups, v1KeyFor } from '../../runtime/cgroup/detect.js';
import type { CgroupSystem } from '../../runtime/cgroup/types.js';
import { judge, result, type CheckContext, type CheckResult, type Feature, type Host, type ProbeOutcome } from './types.js';

export interface CgroupFacts {
  system?: CgroupSystem;
  /** why no cgroup system was found */
  error?: string;
  /** mount points mounted read-only */
  readOnly: Set<string>;
  /** the v2 root's cgroup.controllers */
  v2Controllers: string[];
  /** /proc/cgroups: controller -> enabled (cgroup_disable= on the command line clears it) */
  procCgroups: Map<string, boolean>;
  /** the caller's cgroup in the v2 tree ('0::/user.slice/...'), when there is one */
  ownV2Path?: string;
}

const text = async (host: Host, path: string) => (await host.readFile(path))?.toString('utf8');

function readOnlyMounts(mountinfo: string): Set<string> {
  const ro = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right || !/^cgroup2? /.test(right)) continue;
    const fields = left.split(' ');
    const options = `${fields[5] ?? ''},${right.split(' ')[2] ?? ''}`.split(',');
    if (options.includes('ro')) ro.add(fields[4] ?? '');
  }
  return ro;
}

function parseProcCgroups(content: string | undefined): Map<string, boolean> {
  const map = new Map<string, boolean>();
  for (const line of (content ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 4 && !f[0]!.startsWith('#')) map.set(f[0]!, f[3] === '1');
  }
  return map;
}

export async function gatherCgroupFacts(host: Host): Promise<CgroupFacts> {
  const mountinfo = (await text(host, '/proc/self/mountinfo')) ?? '';
  const facts: CgroupFacts = { readOnly: readOnlyMounts(mountinfo), v2Controllers: [], procCgroups: parseProcCgroups(await text(host, '/proc/cgroups')) };
  try {
    facts.system = detectCgroups(mountinfo);
  } catch (e) {
    facts.error = (e as Error).message;
    return facts;
  }
  if (facts.system.unified) {
    facts.v2Controllers = ((await text(host, `${facts.system.unified}/cgroup.controllers`)) ?? '').split(/\s+/).filter(Boolean);
    const own = /^0::(.*)$/m.exec((await text(host, '/proc/self/cgroup')) ?? '');
    if (own) facts.ownV2Path = own[1];
  }
  return facts;
}

/** '/sys/fs/cgroup/{cpu,memory}' rather than the same parent eight times. */
export function compactPaths(paths: string[]): string {
  const parents = new Set(paths.map((p) => p.slice(0, p.lastIndexOf('/'))));
  if (paths.length < 2 || parents.size !== 1) return paths.join(', ');
  const [parent] = parents;
  return `${parent}/{${paths.map((p) => p.slice(p.lastIndexOf('/') + 1)).join(',')}}`;
}

function layoutDetail(system: CgroupSystem, v2Controllers: string[]): string {
  const parts: string[] = [];
  const v1 = Object.values(system.v1);
  if (v1.length > 0) parts.push(`v1: ${compactPaths(v1)}`);
  if (system.unified) parts.push(`v2: ${system.unified}, controllers: ${v2Controllers.join(' ') || 'none'}`);
  return `${system.layout} (${parts.join('; ')})`;
}

interface Controller {
  v1: string;
  /** the v2 name, or a way the v2 core provides the function without a controller */
  v2: string | 'core' | 'bpf';
  feature: Feature;
}

const ctl = (id: string, name: string, option: string, why: string, required = false): Feature => ({
  id: `cgroup.${id}`, section: 'cgroups', name, required, options: [option], hint: `rebuild the kernel with ${option}=y (${why})`,
});

const CONTROLLERS: Controller[] = [
  { v1: 'devices', v2: 'bpf', feature: ctl('devices', 'Cgroup device', 'CONFIG_CGROUP_DEVICE', 'a container must not reach the host\'s disks', true) },
  { v1: 'cpu', v2: 'cpu', feature: ctl('cpu', 'Cgroup sched', 'CONFIG_CGROUP_SCHED', 'lxc.cgroup.cpu.* limits') },
  { v1: 'cpuacct', v2: 'core', feature: ctl('cpuacct', 'Cgroup cpu account', 'CONFIG_CGROUP_CPUACCT', 'CPU usage in lxc-info') },
  { v1: 'memory', v2: 'memory', feature: ctl('memory', 'Cgroup memory controller', 'CONFIG_MEMCG', 'memory limits and usage') },
  { v1: 'cpuset', v2: 'cpuset', feature: ctl('cpuset', 'Cgroup cpuset', 'CONFIG_CPUSETS', 'pinning containers to CPUs') },
  { v1: 'pids', v2: 'pids', feature: ctl('pids', 'Cgroup pids controller', 'CONFIG_CGROUP_PIDS', 'fork-bomb protection') },
  { v1: 'freezer', v2: 'core', feature: ctl('freezer', 'Cgroup freezer', 'CONFIG_CGROUP_FREEZER', 'lxc-freeze') },
  { v1: 'blkio', v2: 'io', feature: ctl('io', 'Cgroup blkio/io controller', 'CONFIG_BLK_CGROUP', 'disk I/O limits') },
];

/** Where the controller can be used: a v1 mount, the v2 tree, or the v2 core itself. */
function whereIs(c: Controller, facts: CgroupFacts, ctx: CheckContext): ProbeOutcome | undefined {
  const system = facts.system!;
  const key = v1KeyFor(system, c.v1);
  if (key) return { kind: 'ok', note: `v1 at ${system.v1[key]}` };
  if (!system.unified) return undefined;
  if (c.v2 === 'core') {
    // cgroup.freeze arrived with Linux 5.2; cpu.stat usage has always been in the v2 core
    const [major = 0, minor = 0] = ctx.host.release.split(/[.-]/).map(Number);
    return c.v1 !== 'freezer' || major > 5 || (major === 5 && minor >= 2) ? { kind: 'ok', note: 'v2, built into every cgroup' } : undefined;
  }
  if (c.v2 === 'bpf') {
    const bpf = ctx.config?.state('CONFIG_CGROUP_BPF');
    if (bpf === 'y') return { kind: 'ok', note: 'v2, eBPF device programs' };
    return bpf === undefined ? { kind: 'inconclusive', why: 'on v2 this is CONFIG_CGROUP_BPF, which only the kernel config can tell' } : undefined;
  }
  return facts.v2Controllers.includes(c.v2) ? { kind: 'ok', note: `v2 at ${system.unified}` } : undefined;
}

function controllerCheck(c: Controller, facts: CgroupFacts, ctx: CheckContext): CheckResult {
  const where = whereIs(c, facts, ctx);
  if (where?.kind === 'inconclusive') {
    return { id: c.feature.id, section: 'cgroups', name: c.feature.name, required: c.feature.required, status: 'warning', detail: `probably (${where.why})`, hint: 'give the kernel config with CONFIG=/path/to/config to be sure' };
  }
  if (where) return judge(c.feature, ctx.config, where);
  const known = facts.procCgroups.get(c.v1);
  if (known === false) return judge(c.feature, ctx.config, { kind: 'fail', why: `disabled on the kernel command line (cgroup_disable=${c.v1})` });
  if (known === true) {
    return result({ id: c.feature.id, section: 'cgroups', name: c.feature.name, required: c.feature.required, status: 'missing', detail: 'missing: built in but not mounted anywhere' },
      `mount it (mount -t cgroup -o ${c.v1} cgroup /sys/fs/cgroup/${c.v1}) or boot with every controller on cgroup v2 (systemd.unified_cgroup_hierarchy=1)`);
  }
  return judge(c.feature, ctx.config, { kind: 'fail', why: `no ${c.v1} controller in /proc/cgroups` });
}

/** Root creates container cgroups by mkdir; a read-only cgroupfs (a container host) refuses. */
async function creationCheck(facts: CgroupFacts, ctx: CheckContext): Promise<CheckResult> {
  const system = facts.system!;
  const mounts = [...Object.values(system.v1), ...(system.unified ? [system.unified] : [])];
  const base = { id: 'cgroup.create', section: 'cgroups' as const, name: 'Cgroup creation', required: true };
  const root = ctx.host.uid === 0;
  const blocked: string[] = [];
  for (const m of mounts) if (root ? !(await ctx.host.writable(m)) : facts.readOnly.has(m)) blocked.push(m);
  if (blocked.length > 0) {
    return result({ ...base, status: 'missing', detail: `missing: not writable: ${blocked.join(', ')}` },
      `remount read-write (mount -o remount,rw ${blocked[0]}); inside a container, give it a writable cgroup tree (lxc.mount.auto = cgroup:rw)`);
  }
  return { ...base, status: 'ok', detail: root ? 'yes (root, cgroupfs writable)' : 'root can (cgroupfs is read-write); for this user see Cgroup delegation below' };
}

const CGROUPS: Feature = {
  id: 'cgroup.cgroups', section: 'cgroups', name: 'Cgroups', required: true, options: ['CONFIG_CGROUPS'],
  hint: 'rebuild the kernel with CONFIG_CGROUPS=y',
};

export async function cgroupChecks(ctx: CheckContext, facts: CgroupFacts | undefined): Promise<CheckResult[]> {
  if (!facts) return [judge(CGROUPS, ctx.config), ...CONTROLLERS.map((c) => judge(c.feature, ctx.config))];
  if (!facts.system) {
    const none = result({ id: CGROUPS.id, section: 'cgroups', name: CGROUPS.name, required: true, status: 'missing', detail: `missing: ${facts.error}` },
      'mount cgroup2: mount -t cgroup2 none /sys/fs/cgroup');
    return [none];
  }
  return [
    judge(CGROUPS, ctx.config, { kind: 'ok' }),
    { id: 'cgroup.layout', section: 'cgroups', name: 'Cgroup layout', required: false, status: 'ok', detail: layoutDetail(facts.system, facts.v2Controllers) },
    ...CONTROLLERS.map((c) => controllerCheck(c, facts, ctx)),
    await creationCheck(facts, ctx),
  ];
}
