// `create`: validate the bundle, reserve the id, make the cgroup, run the plan through the
// helper and leave the init blocked on exec.fifo until `start` (as runc does).
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CleanupError, CorralError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { processStartTime } from '../util/proc.js';
import type { CreatedCgroup } from './cgroup/index.js';
import type { RuntimeContext } from './context.js';
import { preservedFds, runHelper, type HelperSession, type StdioSlot } from './helper.js';
import { hookState } from './oci-state.js';
import { buildCreatePlan, type MonitorPlan } from './plan/create-plan.js';
import { deviceRules } from './plan/devices.js';
import type { IdmapTools } from './plan/namespaces.js';
import { passwdHome, readImagePasswd } from './plan/home.js';
import { runHooks } from './hooks.js';
import { parseSpecFile, validateSpec, type Spec } from './spec/index.js';
import type { ContainerRecord } from './state-store.js';

export interface CreateOptions {
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  /** `run` in the foreground: the helper stays as the init's parent and exits with its status */
  foreground?: boolean;
  /** a spec built in memory (system containers); else <bundle>/config.json is read */
  spec?: Spec;
  /** a system container: the helper stays as its monitor, daemonised unless monitor.foreground */
  monitor?: MonitorPlan;
  /** paths under a read-only parent to keep writable (LXC's mixed proc/sys) */
  writablePaths?: string[];
  stdio?: [StdioSlot, StdioSlot, StdioSlot];
  /** `--preserve-fds N`: our fds 3..3+N-1 reach the container process as 3.. */
  preserveFds?: number;
  /** linux.resources.devices is the whole device policy (system containers): runc's default rules are not appended */
  exactDevices?: boolean;
  /** with a user namespace: mount the rootfs idmapped into it (its files keep their owners on disk) */
  idmapRootfs?: boolean;
  /** with a user namespace: its maps are written by these setuid tools (an ordinary user's container) */
  idmapTools?: IdmapTools;
  /**
   * Called at the createRuntime SYNC, once the init's namespaces exist and before prestart
   * hooks (the network layer moves devices in here); its presence forces that SYNC.
   */
  onNamespaces?: (pid: number) => Promise<void>;
}

export interface Created {
  record: ContainerRecord;
  session: HelperSession;
}

export function loadBundle(bundleDir: string, warn: (msg: string) => void): Spec {
  const bundle = resolve(bundleDir);
  const { spec, warnings } = validateSpec(parseSpecFile(join(bundle, 'config.json')), { bundle });
  for (const w of warnings) warn(`${w.path}: ${w.message}`);
  return spec;
}

function validateInMemory(input: Spec, bundle: string, warn: (msg: string) => void): Spec {
  const { spec, warnings } = validateSpec(input, { bundle });
  for (const w of warnings) warn(`${w.path}: ${w.message}`);
  return spec;
}

export async function create(ctx: RuntimeContext, id: string, opts: CreateOptions = {}): Promise<Created> {
  const bundle = resolve(opts.bundle ?? '.');
  let t = performance.now();
  const spec = opts.spec ? validateInMemory(opts.spec, bundle, (m) => ctx.log('warning', m)) : loadBundle(bundle, (m) => ctx.log('warning', m));
  t = ctx.phase('validate', t);
  const proc = spec.process;
  if (proc?.terminal && !opts.consoleSocket && !opts.foreground && !opts.monitor) {
    throw new CorralError('INVALID_ARGUMENT', `container "${id}": process.terminal is true but no --console-socket was given`, {
      hint: 'pass --console-socket PATH (a unix socket that receives the pty master), run it in the foreground (corral oci run without -d), or set "terminal": false in config.json',
    });
  }
  const extraFds = preservedFds(opts.preserveFds, `create container "${id}"`);
  const stateDir = ctx.store.reserve(id);
  let cgroup: CreatedCgroup | undefined;
  let session: HelperSession | undefined;
  try {
    const configPath = join(stateDir, 'config.json');
    writeFileAtomic(configPath, JSON.stringify(spec));
    t = ctx.phase('state dir', t);
    cgroup = await makeCgroup(ctx, id, spec, opts.exactDevices === true);
    t = ctx.phase('cgroup', t);
    const record: ContainerRecord = {
      id,
      bundle,
      rootfs: spec.root?.path ?? '',
      pid: 0,
      created: new Date().toISOString(),
      annotations: spec.annotations,
      cgroup,
      owner: process.getuid?.() === 0 ? 'root' : String(process.getuid?.() ?? ''),
      configPath,
    };
    session = startHelper(ctx, spec, record, stateDir, opts, cgroup, extraFds);
    record.pid = await session.pid;
    t = ctx.phase('helper: clone', t);
    await session.settled;
    t = ctx.phase('helper: container set up', t);
    record.pidStartTime = processStartTime(record.pid);
    if (opts.monitor && session.child.pid) record.monitor = { pid: session.child.pid, startTime: processStartTime(session.child.pid) };
    ctx.store.save(record);
    if (opts.pidFile) writeFileAtomic(resolve(opts.pidFile), String(record.pid), 0o644);
    return { record, session };
  } catch (err) {
    await abandon(ctx, id, session, cgroup, err);
    throw err;
  }
}

async function makeCgroup(ctx: RuntimeContext, id: string, spec: Spec, exactDevices: boolean): Promise<CreatedCgroup> {
  const linux = spec.linux ?? {};
  const selfCgroup = readFileSync('/proc/self/cgroup', 'utf8');
  const path = ctx.cgroups.resolvePath(linux.cgroupsPath, id, selfCgroup);
  const devices = exactDevices ? [...(linux.resources?.devices ?? [])] : deviceRules(linux.resources?.devices);
  const resources = { ...(linux.resources ?? {}), devices };
  return ctx.cgroups.create(path, resources);
}

function startHelper(
  ctx: RuntimeContext,
  spec: Spec,
  record: ContainerRecord,
  stateDir: string,
  opts: CreateOptions,
  cgroup: CreatedCgroup,
  extraFds: number[],
): HelperSession {
  const hooks = spec.hooks ?? {};
  const syncForHooks = Boolean(hooks.prestart?.length || hooks.createRuntime?.length || hooks.createContainer?.length || hooks.startContainer?.length || opts.onNamespaces);
  const system = ctx.cgroups.system;
  const t = performance.now();
  const plan = buildCreatePlan({
    spec,
    bundle: record.bundle,
    stateDir,
    consoleSocket: opts.consoleSocket ? resolve(opts.consoleSocket) : undefined,
    noPivot: opts.noPivot,
    foreground: opts.foreground,
    debug: ctx.debug,
    cgroup: {
      joinDirs: cgroup.joinDirs,
      unifiedDir: cgroup.unifiedDir,
      devicesProgram: cgroup.devicesProgram,
      view: { layout: system.layout, v1: system.v1, unified: system.unified, path: cgroup.path },
    },
    syncForHooks,
    monitor: opts.monitor,
    writablePaths: opts.writablePaths,
    idmapRootfs: opts.idmapRootfs,
    idmapTools: opts.idmapTools,
    home: spec.process ? passwdHome(readImagePasswd(record.rootfs), spec.process.user.uid) : undefined,
    preserveFds: extraFds.length,
  });
  ctx.phase('helper: plan', t);
  return runHelper(plan, {
    context: `create container "${record.id}"`,
    stdio: opts.stdio,
    extraFds,
    // a monitor outlives us: its own session, away from our terminal's signals
    detached: opts.monitor !== undefined && !opts.monitor.foreground,
    onDebug: (line) => ctx.log('debug', line),
    onSync: async (name, pid) => {
      if (name === 'startContainer') return JSON.stringify(hookState(record, 'created', pid));
      const state = hookState(record, 'creating', pid);
      await opts.onNamespaces?.(pid);
      await runHooks('prestart', hooks.prestart, state);
      await runHooks('createRuntime', hooks.createRuntime, state);
      return JSON.stringify(state);
    },
  });
}

/** Undo a failed create; the original failure stays the headline. */
async function abandon(ctx: RuntimeContext, id: string, session: HelperSession | undefined, cgroup: CreatedCgroup | undefined, original: unknown): Promise<void> {
  try {
    if (session) {
      const pid = await session.pid.catch(() => 0);
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await session.exit.catch(() => 0);
    }
    if (cgroup) {
      await ctx.cgroups.killAll(cgroup, 'SIGKILL').catch(() => {});
      await ctx.cgroups.destroy(cgroup);
    }
    ctx.store.remove(id);
  } catch (cleanup) {
    throw new CleanupError(original, cleanup);
  }
}
