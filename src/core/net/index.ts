// The network layer as the container lifecycle calls it (start, stop, post-stop, destroy,
// info, ls). Each entry point is small so the lifecycle code needs one line per hook.
import type { NetDevice } from '../config/net.js';
import { prepareNetwork, releaseNetwork, sweepStale, type NetworkSetup } from './attach.js';
import { realHost, type NetHost } from './host.js';
import { forgetContainer } from './leases.js';
import { netPaths, type NetPaths } from './paths.js';

export type { NetworkSetup } from './attach.js';

export interface NetEnv {
  host?: NetHost;
  paths?: NetPaths;
  log?: (msg: string) => void;
}

/**
 * Before init starts; undefined when there is nothing to do on the host: the container shares
 * the host's network (type none), or has only a loopback (type empty), which the runtime
 * brings up itself in every new network namespace.
 */
export function setupNetwork(
  c: { lxcpath: string; name: string; root: string; rootfs: string; devices: NetDevice[] },
  env: NetEnv = {},
): NetworkSetup | undefined {
  if (c.devices.some((d) => d.type === 'none')) return undefined;
  if (c.devices.every((d) => d.type === 'empty')) return undefined;
  return prepareNetwork({ ...c, host: env.host ?? realHost, paths: env.paths ?? netPaths(), log: env.log ?? (() => {}) });
}

/**
 * After the container stopped (or was found dead): its host devices go, and those of any other
 * dead container; safe to call twice. Never throws: a failure is a warning.
 */
export function releaseContainerNetwork(root: string, name: string, warn: (msg: string) => void = () => {}, env: NetEnv = {}): void {
  const host = env.host ?? realHost;
  const paths = env.paths ?? netPaths();
  try {
    releaseNetwork(host, paths, root, name);
    sweepStale(host, paths, env.log ?? (() => {}));
  } catch (err) {
    warn(`container "${name}": cleaning up its network: ${(err as Error).message}`);
  }
}

/** destroy: the container's leases on every bridge. Never throws: a failure is a warning. */
export function forgetContainerNetwork(lxcpath: string, name: string, warn: (msg: string) => void = () => {}, env: NetEnv = {}): void {
  try {
    forgetContainer(env.paths ?? netPaths(), lxcpath, name);
  } catch (err) {
    warn(`container "${name}": releasing its addresses: ${(err as Error).message}`);
  }
}

export { networkInfo, type NetworkInfo } from './info.js';
