// lxc-start: the container's init as PID 1 in all its namespaces, with the native helper
// staying as its monitor (holding the console and ttys), daemonised unless foreground.
// When init exits the monitor runs `corral internal post-stop`, which cleans up and, after
// a reboot, starts the container again.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupPaths } from '../runtime/cgroup/index.js';
import type { LogLevel, RuntimeContext } from '../runtime/context.js';
import { create, type CreateOptions } from '../runtime/create.js';
import { destroy } from '../runtime/delete.js';
import type { HelperSession, StdioSlot } from '../runtime/helper.js';
import { start } from '../runtime/start.js';
import { CleanupError, CorralError } from '../util/errors.js';
import { corralCommand } from '../util/self.js';
import { containerTtys } from './config/launch.js';
import { loadForStart } from './launch.js';
import { MONITOR_SOCKET } from './monitor-request.js';
import { lockContainer } from './lock.js';
import { idmapUnsupported, prepareOwnership, shiftNow } from './rootfs-idmap.js';
import { stateOf } from './state.js';
import { prepareUserStart } from './userns/start.js';
import type { ContainerStore } from './store.js';

export interface StartOptions {
  foreground?: boolean;
  /** -L / lxc.console.logfile override */
  consoleLog?: string;
  /** the caller already holds the container's lock (the reboot path of post-stop) */
  locked?: boolean;
}

export const EXIT_FILE = 'exit.json';

export async function startContainer(store: ContainerStore, ctx: RuntimeContext, name: string, opts: StartOptions = {}): Promise<number> {
  store.mustExist(name);
  const lock = opts.locked ? undefined : lockContainer(ctx.store.root, name, 'start');
  let session;
  try {
    session = await startLocked(store, ctx, name, opts);
  } finally {
    lock?.release();
  }
  // a start that was killed between create and start: its init was released just now
  if (!session) return 0;
  if (!opts.foreground) {
    session.detach();
    return 0;
  }
  return session.exit;
}

async function clearHalfStarted(ctx: RuntimeContext, name: string): Promise<void> {
  const dir = ctx.store.dir(name);
  if (!existsSync(dir)) return;
  const cgroups = ctx.cgroups;
  const path = cgroups.resolvePath(undefined, name);
  const { system } = cgroups;
  const dirs: Record<string, string> = {};
  for (const [key, mount] of Object.entries(system.v1)) if (existsSync(join(mount, path))) dirs[key] = join(mount, path);
  const unifiedDir = system.unified && existsSync(join(system.unified, path)) ? join(system.unified, path) : undefined;
  const paths: CgroupPaths = { path, dirs, joinDirs: [...Object.values(dirs), ...(unifiedDir ? [unifiedDir] : [])], ...(unifiedDir ? { unifiedDir } : {}) };
  if (paths.joinDirs.length > 0) {
    await cgroups.killAll(paths, 'SIGKILL').catch(() => {});
    await cgroups.destroy(paths).catch(() => {});
  }
  ctx.store.remove(name);
}

async function startLocked(store: ContainerStore, ctx: RuntimeContext, name: string, opts: StartOptions): Promise<HelperSession | undefined> {
  let view = await stateOf(ctx, name);
  // init has exited and its monitor is cleaning up: let it finish first
  for (const deadline = Date.now() + 10_000; view.stale && view.monitorAlive && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 20));
    view = await stateOf(ctx, name);
  }
  // Created but never started, and no one else holds the lock: a start was killed between
  // the two steps. Finish it: the container is made and waits only for this.
  if (view.state === 'STARTING' && !opts.foreground) {
    await start(ctx, name);
    return undefined;
  }
  if (view.state !== 'STOPPED') {
    throw new CorralError('BAD_STATE', `container "${name}" is already ${view.state.toLowerCase()}`, { hint: `stop it first: corral stop -n ${name}` });
  }
  // a monitor that was killed leaves a record behind: clean it before starting again
  if (view.stale) await destroy(ctx, name, true);
  // a start killed before it wrote its record leaves a state dir without one (and maybe a
  // process waiting in the container's cgroup): we hold the lock, so it is nobody's now
  if (!view.record) await clearHalfStarted(ctx, name);
  const { oci, rootfs, config } = loadForStart(store, name, ctx.cgroups.system.layout, (m) => ctx.log('debug', m));
  for (const w of oci.warnings) ctx.log('warning', w);
  const log = (level: LogLevel, m: string) => ctx.log(level, m);
  // an ordinary user: checks, and newuidmap/newgidmap to write the maps (src/core/userns)
  const user = prepareUserStart(ctx, name, config, oci.launch.network, rootfs, log);
  const idmapRootfs = prepareOwnership(log, name, rootfs, store.dir(name), config.idmaps);
  const runDir = ctx.store.dir(name);
  const consoleEnabled = oci.launch.consolePath !== 'none';
  const foreground = opts.foreground === true;
  const stdio: [StdioSlot, StdioSlot, StdioSlot] = foreground ? ['inherit', 'inherit', 'inherit'] : ['ignore', 'ignore', 'ignore'];
  if (oci.launch.ttys > 0 && oci.spec.process) {
    const ttys = containerTtys(oci.launch.ttys, consoleEnabled);
    oci.spec.process.env = [...(oci.spec.process.env ?? []).filter((e) => !e.startsWith('container_ttys=')), `container_ttys=${ttys}`];
  }
  // the host side of the network before init exists; devices move in at the createRuntime SYNC
  // (loaded only for containers with host-side devices: loopback-only and host-network ones need none of it)
  const devices = oci.launch.network;
  const net = devices.some((d) => d.type !== 'empty' && d.type !== 'none')
    ? (await import('./net/index.js')).setupNetwork({ lxcpath: store.lxcpath, name, root: ctx.store.root, rootfs, devices }, { log: (m) => ctx.log('debug', m) })
    : undefined;
  try {
    return await createAndStart(ctx, name, {
      bundle: store.dir(name),
      onNamespaces: net && (async (pid: number) => net.configure(pid)),
      spec: oci.spec,
      stdio,
      writablePaths: oci.launch.writablePaths,
      exactDevices: true,
      idmapRootfs,
      idmapTools: user?.idmapTools,
      monitor: {
        socket: join(runDir, MONITOR_SOCKET),
        exitFile: join(runDir, EXIT_FILE),
        consoleLog: opts.consoleLog ?? oci.launch.consoleLogfile,
        foreground,
        postExit: [...corralCommand(), 'internal', 'post-stop', '-P', store.lxcpath, name],
        console: consoleEnabled,
        ttys: oci.launch.ttys,
      },
    }, (err) => shiftNow(log, name, rootfs, store.dir(name), config.idmaps, err.message));
  } catch (err) {
    try {
      net?.abort();
    } catch (cleanup) {
      throw new CleanupError(err, cleanup);
    }
    throw err;
  }
}

/** `fallback` runs when the kernel refused the idmapped rootfs; the create is then tried again without. */
async function createAndStart(ctx: RuntimeContext, name: string, opts: CreateOptions, fallback: (err: Error) => void): Promise<HelperSession> {
  let created;
  try {
    created = await create(ctx, name, opts);
  } catch (err) {
    if (!opts.idmapRootfs || !idmapUnsupported(err)) throw err;
    fallback(err);
    created = await create(ctx, name, { ...opts, idmapRootfs: false });
  }
  await start(ctx, name);
  return created.session;
}
