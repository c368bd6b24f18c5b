// lxc-execute: an application container. The command runs under a minimal static init
// (native/init/corral-init) as PID 1, which reaps zombies and forwards signals; the
// container lives as long as the command, in the foreground, and is removed afterwards.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogLevel, RuntimeContext } from '../runtime/context.js';
import { run } from '../runtime/run.js';
import { CorralError } from '../util/errors.js';
import { loadForStart } from './launch.js';
import { idmapUnsupported, prepareOwnership, shiftNow } from './rootfs-idmap.js';
import { stateOf } from './state.js';
import { prepareUserStart } from './userns/start.js';
import type { ContainerStore } from './store.js';

const INIT_IN_CONTAINER = '/.corral-init';

export function initBinary(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'native', 'init', 'corral-init');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new CorralError('NOT_FOUND', 'native/init/corral-init is not built', { hint: 'run scripts/setup (or: make -C native)' });
}

export interface ExecuteOptions {
  command: string[];
  onForeground?: (helperPid: number) => void;
}

export async function executeContainer(store: ContainerStore, ctx: RuntimeContext, name: string, opts: ExecuteOptions): Promise<number> {
  const view = await stateOf(ctx, name);
  if (view.state !== 'STOPPED' || view.stale) {
    if (view.stale) throw new CorralError('BAD_STATE', `container "${name}" has leftovers of an earlier run`, { hint: `clean them up: corral stop -n ${name}` });
    throw new CorralError('BAD_STATE', `container "${name}" is already ${view.state.toLowerCase()}`);
  }
  const { oci, config, rootfs } = loadForStart(store, name, ctx.cgroups.system.layout, (m) => ctx.log('debug', m));
  const command = opts.command.length > 0 ? opts.command : (oci.launch.executeCmd ?? []);
  if (command.length === 0) {
    throw new CorralError('INVALID_ARGUMENT', 'what should run? give the command after --', { hint: `corral execute -n ${name} -- /bin/sh -c 'echo hi' (or set lxc.execute.cmd)` });
  }
  const spec = oci.spec;
  spec.process!.args = [INIT_IN_CONTAINER, '--', ...command];
  // An application container runs one command, not a system with setuid tools: no_new_privs
  // is on unless the config says lxc.no_new_privs = 0.
  if (!config.touched.has('lxc.no_new_privs')) spec.process!.noNewPrivileges = true;
  // with a terminal here the container gets a pty of its own, proxied: never ours (TIOCSTI)
  spec.process!.terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  spec.mounts = [...(spec.mounts ?? []), { destination: INIT_IN_CONTAINER, type: 'bind', source: initBinary(), options: ['bind', 'ro', 'nosuid', 'nodev'] }];
  for (const w of oci.warnings) ctx.log('warning', w);
  const log = (level: LogLevel, m: string) => ctx.log(level, m);
  // an ordinary user: the same checks as start, and newuidmap/newgidmap (src/core/userns)
  const user = prepareUserStart(ctx, name, config, oci.launch.network, rootfs, log);
  const idmapRootfs = prepareOwnership(log, name, rootfs, store.dir(name), config.idmaps);
  const runOpts = { bundle: store.dir(name), spec, writablePaths: oci.launch.writablePaths, exactDevices: true, idmapRootfs, idmapTools: user?.idmapTools, onForeground: opts.onForeground };
  try {
    return await run(ctx, name, runOpts);
  } catch (err) {
    if (!idmapRootfs || !idmapUnsupported(err)) throw err;
    shiftNow(log, name, rootfs, store.dir(name), config.idmaps, err.message);
    return run(ctx, name, { ...runOpts, idmapRootfs: false });
  }
}
