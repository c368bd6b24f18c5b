// `exec`: run another process inside a running container, with the container's namespaces,
// cgroup, capabilities, rlimits and seccomp filter.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CorralError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import type { RuntimeContext } from './context.js';
import { preservedFds, runHelper, type StdioSlot } from './helper.js';
import { containerStatus } from './oci-state.js';
import { buildExecPlan } from './plan/exec-plan.js';
import { passwdHome, readImagePasswd } from './plan/home.js';
import { NS_PROC_NAME } from './plan/linux-constants.js';
import { parseJson, validateProcess, type Process, type Spec } from './spec/index.js';

export interface ExecOptions {
  args?: string[];
  processFile?: string;
  env?: string[];
  cwd?: string;
  user?: string; // "uid[:gid]"
  additionalGids?: number[];
  tty?: boolean;
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  capabilities?: string[];
  noNewPrivs?: boolean;
  /** the process gets exactly `env`, not the container's environment plus `env` */
  replaceEnv?: boolean;
  stdio?: [StdioSlot, StdioSlot, StdioSlot];
  /** `--preserve-fds N`: our fds 3..3+N-1 reach the process as 3.. */
  preserveFds?: number;
  /** called with the helper's pid so that the caller can forward signals to it */
  onForeground?: (helperPid: number) => void;
}

export function execProcess(spec: Spec, opts: ExecOptions): Process {
  if (opts.processFile) {
    const text = readFileSync(resolve(opts.processFile), 'utf8');
    return validateProcess(parseJson(text, opts.processFile)).process;
  }
  const base = spec.process;
  if (!opts.args || opts.args.length === 0) {
    throw new CorralError('INVALID_ARGUMENT', 'exec needs a command (after --) or --process FILE');
  }
  const proc: Process = structuredClone(base ?? { user: { uid: 0, gid: 0 }, cwd: '/' });
  proc.args = opts.args;
  proc.terminal = opts.tty ?? false;
  proc.env = opts.replaceEnv ? [...(opts.env ?? [])] : mergeEnv(proc.env ?? [], opts.env ?? []);
  if (opts.cwd) proc.cwd = opts.cwd;
  if (opts.user) proc.user = parseUser(opts.user, opts.additionalGids);
  else if (opts.additionalGids) proc.user = { ...proc.user, additionalGids: opts.additionalGids };
  if (opts.noNewPrivs) proc.noNewPrivileges = true;
  if (opts.capabilities?.length) {
    const caps = { ...(proc.capabilities ?? {}) };
    for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...new Set([...(caps[set] ?? []), ...opts.capabilities])];
    proc.capabilities = caps;
  }
  return validateProcess(proc).process;
}

function mergeEnv(base: string[], extra: string[]): string[] {
  const map = new Map(base.map((e) => [e.split('=', 1)[0], e]));
  for (const e of extra) map.set(e.split('=', 1)[0], e);
  return [...map.values()];
}

function parseUser(text: string, additionalGids?: number[]): Process['user'] {
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw new CorralError('INVALID_ARGUMENT', `--user "${text}" is not uid[:gid]`, { hint: 'numeric ids only, e.g. --user 1000:1000' });
  return { uid: Number(m[1]), gid: Number(m[2] ?? 0), additionalGids };
}

function sameNamespace(a: string, b: string): boolean {
  try {
    return statSync(a).ino === statSync(b).ino;
  } catch {
    return false;
  }
}

export async function exec(ctx: RuntimeContext, id: string, opts: ExecOptions): Promise<{ pid: number; exitCode?: number }> {
  const record = ctx.store.load(id);
  const status = await containerStatus(ctx, record);
  if (status !== 'running' && status !== 'created') {
    throw new CorralError('BAD_STATE', `cannot exec in container "${id}": it is ${status}`);
  }
  const spec = JSON.parse(readFileSync(record.configPath, 'utf8')) as Spec;
  const proc = execProcess(spec, opts);
  const extraFds = preservedFds(opts.preserveFds, `exec in container "${id}"`);
  if (proc.terminal && !opts.consoleSocket && opts.detach) {
    throw new CorralError('INVALID_ARGUMENT', `exec in "${id}": a detached process with a terminal needs --console-socket`, {
      hint: 'pass --console-socket PATH, drop -d, or drop -t/--tty',
    });
  }
  const joins = (spec.linux?.namespaces ?? [])
    .map((n) => ({ type: n.type, path: `/proc/${record.pid}/ns/${NS_PROC_NAME[n.type]}` }))
    .filter((j) => !sameNamespace(j.path, `/proc/self/ns/${NS_PROC_NAME[j.type]}`));
  const plan = buildExecPlan({
    spec,
    process: proc,
    joins,
    joinDirs: record.cgroup?.joinDirs ?? [],
    unifiedDir: record.cgroup?.unifiedDir,
    consoleSocket: opts.consoleSocket ? resolve(opts.consoleSocket) : undefined,
    foreground: !opts.detach,
    userNamespace: (spec.linux?.namespaces ?? []).some((n) => n.type === 'user'),
    debug: ctx.debug,
    // an environment given whole (lxc-attach --clear-env) is left exactly as given
    home: opts.replaceEnv ? undefined : passwdHome(readImagePasswd(record.rootfs), proc.user.uid),
    preserveFds: extraFds.length,
  });
  const session = runHelper(plan, { context: `exec in container "${id}"`, stdio: opts.stdio, extraFds, onDebug: (l) => ctx.log('debug', l) });
  const pid = await session.pid;
  await session.settled;
  if (opts.pidFile) writeFileAtomic(resolve(opts.pidFile), String(pid), 0o644);
  if (opts.detach) {
    session.detach();
    await session.exit;
    return { pid };
  }
  if (session.child.pid) opts.onForeground?.(session.child.pid);
  const exitCode = await session.exit;
  const late = await session.lateFailure;
  if (late) throw late;
  return { pid, exitCode };
}
