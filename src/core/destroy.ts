// lxc-destroy: refuse a running container unless forced (then kill it), remove what the
// runtime still holds, then the container directory. A rootfs outside the container
// directory (lxc.rootfs.path pointing elsewhere) is the user's and stays.
import type { RuntimeContext } from '../runtime/context.js';
import { destroy as destroyRuntime } from '../runtime/delete.js';
import { CorralError } from '../util/errors.js';
import { rootfsOf, loadStored } from './launch.js';
import { withLock } from './lock.js';
import { forgetContainerNetwork, releaseContainerNetwork } from './net/index.js';
import { stateOf } from './state.js';
import type { ContainerStore } from './store.js';
import { callerPerson, isRootCaller } from './userns/caller.js';
import { removeAsContainerRoot } from './userns/remove.js';

export async function destroyContainer(store: ContainerStore, ctx: RuntimeContext, name: string, force: boolean): Promise<string | undefined> {
  store.mustExist(name);
  return withLock(ctx.store.root, name, 'destroy', () => destroyLocked(store, ctx, name, force));
}

async function destroyLocked(store: ContainerStore, ctx: RuntimeContext, name: string, force: boolean): Promise<string | undefined> {
  const view = await stateOf(ctx, name);
  if (view.state !== 'STOPPED' && !force) {
    throw new CorralError('BAD_STATE', `container "${name}" is ${view.state.toLowerCase()}`, { hint: `stop it first (corral stop -n ${name}) or use -f` });
  }
  if (view.record) await destroyRuntime(ctx, name, true);
  releaseContainerNetwork(ctx.store.root, name, (m) => ctx.log('warning', m));
  let rootfs: string | undefined;
  let config: ReturnType<typeof loadStored> | undefined;
  try {
    config = loadStored(store, name);
    rootfs = rootfsOf(store, name, config);
  } catch {
    rootfs = undefined; // a broken config must not make a container undeletable
  }
  // an ordinary user's rootfs belongs to the container's root: only that root may remove it
  if (config && config.idmaps.length > 0 && !isRootCaller()) await removeAsContainerRoot(store.dir(name), config.idmaps, callerPerson());
  store.removeDir(name);
  forgetContainerNetwork(store.lxcpath, name, (m) => ctx.log('warning', m));
  const inside = rootfs === undefined || rootfs.startsWith(`${store.dir(name)}/`);
  return inside ? undefined : rootfs;
}
