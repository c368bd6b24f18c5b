// Where networking state lives. A bridge belongs to the host, not to one store (lxcpath):
// its settings and address leases persist under /var/lib/corral-net/<bridge>/ (so a
// container keeps its address across reboots), what dies with the host (dnsmasq's pid and
// files, which container holds which veth) under /run/corral/net/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { GLOBAL_CONFIG } from '../lxcpath.js';

export const DEFAULT_BRIDGE = 'corralbr0';
export const DEFAULT_NET_DIR = '/var/lib/corral-net';
export const DEFAULT_NET_RUN = '/run/corral/net';

export interface NetPaths {
  /** persistent: <dir>/<bridge>/bridge.json, leases.json */
  dir: string;
  /** runtime: <run>/<bridge>/ (dnsmasq), <run>/attached/ (a record per running container) */
  run: string;
}

export function netPaths(env: NodeJS.ProcessEnv = process.env): NetPaths {
  return { dir: env.CORRAL_NET_DIR || DEFAULT_NET_DIR, run: env.CORRAL_NET_RUN || DEFAULT_NET_RUN };
}

export const bridgeDir = (p: NetPaths, bridge: string) => join(p.dir, checkIfName(bridge, 'bridge'));
export const bridgeRunDir = (p: NetPaths, bridge: string) => join(p.run, checkIfName(bridge, 'bridge'));
export const attachedDir = (p: NetPaths) => join(p.run, 'attached');

/** The bridge new containers use: $CORRAL_BRIDGE, `corral.net.bridge` in corral.conf, corralbr0. */
export function defaultBridge(env: NodeJS.ProcessEnv = process.env, globalConfig = GLOBAL_CONFIG): string {
  if (env.CORRAL_BRIDGE) return checkIfName(env.CORRAL_BRIDGE, 'CORRAL_BRIDGE');
  try {
    const m = /^\s*corral\.net\.bridge\s*=\s*(\S+)\s*$/m.exec(readFileSync(globalConfig, 'utf8'));
    if (m) return checkIfName(m[1]!, `corral.net.bridge in ${globalConfig}`);
  } catch {
    // no global config
  }
  return DEFAULT_BRIDGE;
}

/** A Linux interface name: 1-15 bytes, no '/', ':' or whitespace, not "." or "..". */
export function checkIfName(name: string, what: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name) || name === '.' || name === '..') {
    throw new CorralError('INVALID_ARGUMENT', `${what}: "${name}" is not a valid interface name`, {
      hint: 'interface names are 1-15 characters of letters, digits, "_", "." and "-"',
    });
  }
  return name;
}
