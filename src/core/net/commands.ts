// `corral net up|down|status`: the library side (data in, data out; the CLI renders it).
import { CorralError } from '../../util/errors.js';
import { sweepStale } from './attach.js';
import { knownBridges, type BridgeSettings } from './bridge.js';
import { realHost, type NetHost } from './host.js';
import { bridgeDown, bridgeStatus, ensureBridge, type BridgeStatus } from './manage.js';
import { defaultBridge, netPaths, type NetPaths } from './paths.js';
import { allRecords, isLive } from './records.js';

export interface NetCommandEnv {
  host?: NetHost;
  paths?: NetPaths;
  log?: (msg: string) => void;
}

export interface AttachedContainer {
  name: string;
  lxcpath: string;
  hostName?: string;
  addresses: string[];
}

export interface NetStatus extends BridgeStatus {
  attached: AttachedContainer[];
}

function attachedTo(paths: NetPaths, bridge: string): AttachedContainer[] {
  return allRecords(paths)
    .filter(isLive)
    .flatMap((r) =>
      r.devices
        .filter((d) => d.bridge === bridge)
        .map((d) => ({ name: r.name, lxcpath: r.lxcpath, addresses: d.addresses, ...(d.hostName ? { hostName: d.hostName } : {}) })),
    );
}

export function netUp(bridge: string | undefined, settings: BridgeSettings, env: NetCommandEnv = {}): NetStatus {
  const host = env.host ?? realHost;
  const paths = env.paths ?? netPaths();
  const name = bridge ?? defaultBridge();
  sweepStale(host, paths, env.log ?? (() => {}));
  ensureBridge(host, paths, name, settings);
  return netStatus(name, env)[0]!;
}

export function netDown(bridge: string | undefined, opts: { purge?: boolean; force?: boolean }, env: NetCommandEnv = {}): string {
  const host = env.host ?? realHost;
  const paths = env.paths ?? netPaths();
  const name = bridge ?? defaultBridge();
  sweepStale(host, paths, env.log ?? (() => {}));
  const users = attachedTo(paths, name);
  if (users.length > 0 && !opts.force) {
    throw new CorralError('BAD_STATE', `bridge ${name} still has running containers: ${[...new Set(users.map((u) => u.name))].join(', ')}`, {
      hint: 'stop them first, or use --force (they lose their network)',
    });
  }
  bridgeDown(host, paths, name, { purge: opts.purge });
  return name;
}

/** One bridge, or every bridge Corral has settings for (and the default one if it exists). */
export function netStatus(bridge: string | undefined, env: NetCommandEnv = {}): NetStatus[] {
  const host = env.host ?? realHost;
  const paths = env.paths ?? netPaths();
  const names = bridge ? [bridge] : knownBridges(paths);
  return names.map((n) => ({ ...bridgeStatus(host, paths, n), attached: attachedTo(paths, n) }));
}
