// THE table of configuration keys Corral understands: name (or prefix), kind, how a value
// is validated and applied to the typed config, and where it ends up in the OCI spec or the
// launch options. Parsing, clearing, validation, the document model and "did you mean" all
// read this table. Two families keep their sub-keys next to their parsers: lxc.net.<i>.*
// (NET_FIELDS, net.ts) and the cgroup files of lxc.cgroup(2).* (cgroup-keys.ts); legacy.ts
// lists only the LXC 2.x names that are refused.
import { dirname, resolve } from 'node:path';
import { RLIMITS } from '../../runtime/spec/constants.js';
import { suggest } from '../../runtime/spec/suggest.js';
import { checkCgroupSetting } from './cgroup-keys.js';
import { fail, type SourcePos } from './errors.js';
import { parseIdmap } from './idmap.js';
import { legacyKey } from './legacy.js';
import { HOOK_TYPES, type HookType, type LxcConfig } from './model.js';
import { parseMountAuto } from './mount-auto.js';
import { parseFstab, parseMountEntry } from './mount-entry.js';
import { NET_FIELDS, newNetDevice, splitNetKey } from './net.js';
import { ARCHES, logLevel, parseRlimit, parseRootfs, SYSLOG_FACILITIES } from './key-values.js';
import * as V from './values.js';

export type KeyKind = 'single' | 'list' | 'prefix';

export interface ApplyCtx {
  cfg: LxcConfig;
  pos: SourcePos;
  /** for prefix keys: the part after "<prefix>." */
  sub: string;
  /** read a file named by a value (lxc.mount.fstab); undefined when only validating */
  readText?: (path: string) => string;
  /** errors in the lines of a file named by a value */
  onFileError?: (pos: SourcePos, err: unknown) => void;
}

export interface KeyDef {
  /** the key, or for kind 'prefix' the prefix without its trailing dot */
  name: string;
  kind: KeyKind;
  /** where the value goes */
  oci: string;
  /** validate one non-empty value and apply it to ctx.cfg; throws ValueError (fail) when bad */
  apply: (value: string, ctx: ApplyCtx) => void;
  /** for prefixes: why a sub-key is invalid, or undefined */
  checkSub?: (sub: string) => string | undefined;
  /** accepted but without effect on this host: the warning to give */
  ignored?: string;
}

const NO_LSM = 'no LSM (AppArmor/SELinux) is used by Corral on this host; ignored';
const RLIMIT_NAMES = Object.keys(RLIMITS).map((n) => n.slice('RLIMIT_'.length).toLowerCase());

const single = (name: string, oci: string, apply: KeyDef['apply'], ignored?: string): KeyDef => ({ name, kind: 'single', oci, apply, ignored });
const list = (name: string, oci: string, apply: KeyDef['apply'], ignored?: string): KeyDef => ({ name, kind: 'list', oci, apply, ignored });
const prefix = (name: string, oci: string, checkSub: (sub: string) => string | undefined, apply: KeyDef['apply']): KeyDef => ({ name, kind: 'prefix', oci, apply, checkSub });
const accept = (check: (v: string) => unknown): KeyDef['apply'] => (v) => { check(v); };

function readFstab(value: string, ctx: ApplyCtx): void {
  V.anyPath(value);
  if (!ctx.readText) return;
  const path = resolve(dirname(ctx.pos.file), value);
  ctx.cfg.fstabEntries = parseFstab(ctx.readText(path), path, ctx.onFileError ?? (() => {}));
}

function hookSub(sub: string): string | undefined {
  if ((HOOK_TYPES as readonly string[]).includes(sub)) return undefined;
  const near = suggest(sub, HOOK_TYPES);
  return `unknown hook type "${sub}"${near ? `; did you mean "lxc.hook.${near}"?` : ''}`;
}

function netSub(sub: string): string | undefined {
  const parts = splitNetKey(sub);
  if (!parts) return 'network keys are lxc.net.<number>.<field>, e.g. lxc.net.0.type';
  if (parts.field === '' || Object.hasOwn(NET_FIELDS, parts.field)) return undefined;
  const near = suggest(parts.field, Object.keys(NET_FIELDS));
  return `unknown network field "${parts.field}"${near ? `; did you mean "lxc.net.${parts.index}.${near}"?` : ''}`;
}

function applyNet(value: string, ctx: ApplyCtx): void {
  const parts = splitNetKey(ctx.sub)!;
  if (parts.field === '') return fail(`lxc.net.${parts.index} takes no value; set its fields (lxc.net.${parts.index}.type, ...) or give it an empty value to clear them`);
  const f = NET_FIELDS[parts.field]!;
  const parsed = f.parse(value);
  let dev = ctx.cfg.network.get(parts.index);
  if (!dev) ctx.cfg.network.set(parts.index, (dev = newNetDevice(parts.index, ctx.pos)));
  f.set(dev, parsed as never);
}

const pattern = (re: RegExp, what: string) => (sub: string): string | undefined => (re.test(sub) ? undefined : `"${sub}" is not a valid ${what}`);
const rlimitSub = (sub: string): string | undefined => {
  if (RLIMIT_NAMES.includes(sub)) return undefined;
  const near = suggest(sub, RLIMIT_NAMES);
  return `unknown resource limit "${sub}"${near ? `; did you mean "lxc.prlimit.${near}"?` : ''} (names are RLIMIT_* in lower case without RLIMIT_)`;
};

const cgroupKey = (version: 1 | 2): KeyDef['apply'] => (value, ctx) => {
  checkCgroupSetting(version, ctx.sub, value);
  ctx.cfg.cgroup.push({ version, key: ctx.sub, value, pos: ctx.pos });
};

export const KEYS: readonly KeyDef[] = [
  single('lxc.include', 'expanded where it appears (a file, or a directory\'s *.conf files)', accept(V.anyPath)),
  single('lxc.arch', 'linux.personality (LINUX32 for 32-bit architectures); launch.arch', (v, c) => { c.cfg.arch = V.oneOf(v, ARCHES, 'architecture'); }),
  single('lxc.uts.name', 'hostname (default: the container name)', (v, c) => { c.cfg.utsName = V.hostname(v); }),
  single('lxc.rootfs.path', 'launch.rootfs; env LXC_ROOTFS_PATH of hooks', (v, c) => { c.cfg.rootfs = parseRootfs(v); }),
  single('lxc.rootfs.options', 'root.readonly for "ro"; launch.rootfs.options', (v, c) => { c.cfg.rootfsOptions = V.words(v.replace(/,/g, ' ')); }),
  single('lxc.rootfs.mount', 'not needed (the runtime binds the rootfs itself)', (v, c) => { c.cfg.rootfsMount = V.absPath(v); }),
  single('lxc.rootfs.managed', 'nothing (storage is managed by Corral)', accept(V.bool01)),
  list('lxc.mount.auto', 'mounts /proc, /sys, /sys/fs/cgroup; readonlyPaths; launch.writablePaths', (v, c) => parseMountAuto(v, c.cfg.mountAuto)),
  list('lxc.mount.entry', 'mounts (after lxc.mount.fstab); launch.optionalMounts', (v, c) => { c.cfg.mountEntries.push(parseMountEntry(v, c.pos)); }),
  single('lxc.mount.fstab', 'mounts, one per line of the file (relative to the config file)', readFstab),
  single('lxc.autodev', 'a tmpfs /dev with devpts, /dev/shm, /dev/mqueue (default 1)', (v, c) => { c.cfg.autodev = V.bool01(v); }),
  single('lxc.autodev.tmpfs.size', 'size= of the /dev tmpfs', (v, c) => { c.cfg.autodevTmpfsSize = V.uint(v); }),
  single('lxc.tty.max', 'launch.ttys and launch.ttyPaths (the monitor makes them)', (v, c) => { c.cfg.ttyMax = V.integer(v, 0, 1024); }),
  single('lxc.tty.dir', 'launch.ttyDir', (v, c) => { c.cfg.ttyDir = V.word(v, 'directory name'); }),
  single('lxc.pty.max', 'devpts max= option (0: no devpts instance); launch.ptys', (v, c) => { c.cfg.ptyMax = V.uint(v); }),
  single('lxc.console.path', 'launch.consolePath ("none": no console)', (v, c) => { c.cfg.console.path = v === 'none' ? v : V.absPath(v); }),
  single('lxc.console.logfile', 'launch.consoleLogfile', (v, c) => { c.cfg.console.logfile = V.anyPath(v); }),
  single('lxc.console.size', 'launch.consoleLogSize', (v, c) => { c.cfg.console.size = V.consoleSize(v); }),
  single('lxc.console.buffer.size', 'launch.consoleBufferSize', (v, c) => { c.cfg.console.bufferSize = V.consoleSize(v); }),
  single('lxc.console.rotate', 'launch.consoleRotate', (v, c) => { c.cfg.console.rotate = V.bool01(v); }),
  single('lxc.init.cmd', 'process.args (default /sbin/init)', (v, c) => { c.cfg.init.cmd = V.commandLine(v); }),
  single('lxc.init.uid', 'process.user.uid', (v, c) => { c.cfg.init.uid = V.id(v); }),
  single('lxc.init.gid', 'process.user.gid', (v, c) => { c.cfg.init.gid = V.id(v); }),
  single('lxc.init.cwd', 'process.cwd (default /)', (v, c) => { c.cfg.init.cwd = V.absPath(v); }),
  single('lxc.execute.cmd', 'launch.executeCmd (lxc-execute)', (v, c) => { c.cfg.executeCmd = V.commandLine(v); }),
  list('lxc.environment', 'process.env (NAME alone copies the host value)', (v, c) => {
    const eq = v.indexOf('=');
    const name = eq < 0 ? v : v.slice(0, eq);
    if (name === '' || /[\s\0]/.test(name)) return fail(`"${v}" must be NAME=value or NAME`);
    c.cfg.environment.push(eq < 0 ? { name, pos: c.pos } : { name, value: v.slice(eq + 1), pos: c.pos });
  }),
  list('lxc.cap.drop', 'process.capabilities: every capability but these', (v, c) => {
    c.cfg.capDrop.push(...V.words(v).map(V.capability));
    c.cfg.capPos = c.pos;
  }),
  list('lxc.cap.keep', 'process.capabilities: only these ("none": none at all)', (v, c) => {
    for (const w of V.words(v)) c.cfg.capKeep = w === 'none' ? [] : [...(c.cfg.capKeep ?? []), V.capability(w)];
    c.cfg.capPos = c.pos;
  }),
  single('lxc.cgroup.dir', 'linux.cgroupsPath = <dir>/<name>', (v, c) => {
    if (v.split('/').includes('..') || /[\n\0]/.test(v)) return fail(`"${v}" must not contain ".."`);
    c.cfg.cgroupDir = v;
  }),
  prefix('lxc.cgroup', 'linux.resources (v1 names, converted on a v2 host)', () => undefined, cgroupKey(1)),
  prefix('lxc.cgroup2', 'linux.resources, else linux.resources.unified (v2 only)', () => undefined, cgroupKey(2)),
  prefix('lxc.prlimit', 'process.rlimits', rlimitSub, (v, c) => { c.cfg.prlimits.set(c.sub, { ...parseRlimit(v), pos: c.pos }); }),
  prefix('lxc.sysctl', 'linux.sysctl', pattern(/^[a-zA-Z0-9_-]+([./][a-zA-Z0-9_*-]+)+$/, 'sysctl name'), (v, c) => { c.cfg.sysctl.set(c.sub, { value: v, pos: c.pos }); }),
  prefix('lxc.proc', 'process.oomScoreAdj for oom_score_adj', pattern(/^[a-z_]+$/, '/proc/<pid> file name'), (v, c) => {
    if (c.sub === 'oom_score_adj') V.integer(v, -1000, 1000);
    c.cfg.proc.set(c.sub, { value: v, pos: c.pos });
  }),
  single('lxc.signal.halt', 'launch.haltSignal (default SIGPWR, SIGRTMIN+3 for systemd)', (v, c) => { c.cfg.signals.halt = V.signal(v); }),
  single('lxc.signal.reboot', 'launch.rebootSignal (default SIGINT)', (v, c) => { c.cfg.signals.reboot = V.signal(v); }),
  single('lxc.signal.stop', 'launch.stopSignal (default SIGKILL)', (v, c) => { c.cfg.signals.stop = V.signal(v); }),
  single('lxc.seccomp.profile', 'linux.seccomp: the profile (LXC format or OCI JSON); unset: Corral\'s default; "unconfined": none', (v, c) => { c.cfg.seccompProfile = V.anyPath(v); }),
  single('lxc.seccomp.allow_nesting', 'nothing (filters always stack)', accept(V.bool01)),
  single('lxc.no_new_privs', 'process.noNewPrivileges', (v, c) => { c.cfg.noNewPrivs = V.bool01(v); }),
  list('lxc.idmap', 'a user namespace with linux.uidMappings / gidMappings', (v, c) => { c.cfg.idmaps.push(parseIdmap(v, c.pos)); }),
  prefix('lxc.hook', 'hooks (pre-start/start-host: createRuntime, pre-mount/mount/autodev: createContainer, start: startContainer, post-stop: poststop); launch.hooks (stop, clone, destroy)', hookSub, (v, c) => {
    if (/[\n\0]/.test(v)) return fail('a hook command cannot contain a newline or NUL');
    const type = c.sub as HookType;
    c.cfg.hooks.set(type, [...(c.cfg.hooks.get(type) ?? []), { command: v, pos: c.pos }]);
  }),
  single('lxc.hook.version', 'how hooks get NAME SECTION TYPE: 0 arguments, 1 environment', (v, c) => { c.cfg.hookVersion = V.bool01(v) ? 1 : 0; }),
  single('lxc.start.auto', 'launch.startAuto', (v, c) => { c.cfg.start.auto = V.bool01(v); }),
  single('lxc.start.delay', 'launch.startDelay (seconds)', (v, c) => { c.cfg.start.delay = V.uint(v); }),
  single('lxc.start.order', 'launch.startOrder', (v, c) => { c.cfg.start.order = V.integer(v, -(2 ** 31), 2 ** 31 - 1); }),
  list('lxc.group', 'launch.groups', (v, c) => { c.cfg.groups.push(...v.split(/[\s,]+/).filter(Boolean).map((g) => V.word(g, 'group name'))); }),
  single('lxc.ephemeral', 'launch.ephemeral (destroy on shutdown)', (v, c) => { c.cfg.ephemeral = V.bool01(v); }),
  single('lxc.apparmor.profile', 'warning', (v, c) => { c.cfg.lsm.apparmorProfile = v; }, NO_LSM),
  single('lxc.apparmor.allow_nesting', 'warning', (v, c) => { c.cfg.lsm.allowNesting = V.bool01(v); }, NO_LSM),
  single('lxc.apparmor.allow_incomplete', 'warning', accept(V.bool01), NO_LSM),
  list('lxc.apparmor.raw', 'warning', () => {}, NO_LSM),
  single('lxc.selinux.context', 'warning', (v, c) => { c.cfg.lsm.selinuxContext = v; }, NO_LSM),
  single('lxc.selinux.context.keyring', 'warning', () => {}, NO_LSM),
  single('lxc.log.level', 'launch.log.level', (v, c) => { c.cfg.log.level = logLevel(v); }),
  single('lxc.log.file', 'launch.log.file', (v, c) => { c.cfg.log.file = V.anyPath(v); }),
  single('lxc.log.syslog', 'nothing (Corral does not log to syslog)', (v) => { V.oneOf(v, SYSLOG_FACILITIES, 'syslog facility'); }),
  single('lxc.keyring.session', 'nothing (the runtime makes no session keyring)', accept(V.bool01)),
  single('lxc.monitor.unshare', 'nothing', accept(V.bool01)),
  prefix('lxc.net', 'launch.network (configured by the network layer); no network namespace for type none', netSub, applyNet),
];

/** Real LXC keys Corral refuses rather than silently ignore, since they change isolation. */
const UNSUPPORTED = /^lxc\.(namespace\.(clone|keep|share\..+)|time\.offset\.(boot|monotonic)|cgroup\.dir\.(container|monitor|monitor\.pivot|container\.inner)|cgroup\.relative|seccomp\.notify\.(proxy|cookie)|monitor\.signal\.pdeath|sched\.core)$/;

const EXACT = new Map(KEYS.filter((k) => k.kind !== 'prefix').map((k) => [k.name, k]));
const PREFIXES = KEYS.filter((k) => k.kind === 'prefix').sort((a, b) => b.name.length - a.name.length);

export type Lookup = { def: KeyDef; sub: string } | { error: string; hint?: string };

function nearMiss(key: string): string | undefined {
  // a typo in a prefix: the same key under each prefix with as many components
  // ("lxc.cgroup.memory.max" for "lxc.cgrop.memory.max"), competing with the exact keys
  const parts = key.split('.');
  const candidates = [...EXACT.keys()];
  for (const p of PREFIXES) {
    const n = p.name.split('.').length;
    if (parts.length > n) candidates.push(`${p.name}.${parts.slice(n).join('.')}`);
  }
  return suggest(key, candidates);
}

/** The table entry for a key, or why the key is not accepted. */
export function lookupKey(key: string): Lookup {
  const exact = EXACT.get(key);
  if (exact) return { def: exact, sub: '' };
  const legacy = legacyKey(key);
  if (legacy) return { error: legacy.message, hint: legacy.hint };
  if (UNSUPPORTED.test(key)) return { error: `${key} is an LXC key that Corral does not support`, hint: 'remove the line' };
  for (const p of PREFIXES) {
    if (key === p.name) return { def: p, sub: '' };
    if (!key.startsWith(`${p.name}.`)) continue;
    const sub = key.slice(p.name.length + 1);
    const why = p.checkSub?.(sub);
    return why ? { error: why } : { def: p, sub };
  }
  const near = nearMiss(key);
  return { error: `unknown configuration key${near ? `; did you mean "${near}"?` : ''}` };
}
