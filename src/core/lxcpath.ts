// Where a store (an lxcpath) lives: -P, then $CORRAL_LXCPATH, then `lxc.lxcpath` in the
// global config (/etc/corral/corral.conf, like LXC's lxc.conf; an ordinary user's is
// ~/.config/corral/corral.conf), then the default (/var/lib/corral, or an ordinary user's
// ~/.local/share/corral). Never LXC's own /var/lib/lxc: a Corral store is ours alone.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CorralError } from '../util/errors.js';

export const DEFAULT_LXCPATH = '/var/lib/corral';
export const GLOBAL_CONFIG = '/etc/corral/corral.conf';
export const DEFAULT_CONF = '/etc/corral/default.conf';

export interface LxcpathSources {
  flag?: string;
  env?: NodeJS.ProcessEnv;
  globalConfig?: string;
  uid?: number;
}

function fromGlobalConfig(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const m = /^\s*lxc\.lxcpath\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

export function resolveLxcpath(src: LxcpathSources = {}): string {
  const env = src.env ?? process.env;
  const uid = src.uid ?? process.getuid?.() ?? 0;
  const chosen =
    src.flag ??
    env.CORRAL_LXCPATH ??
    fromGlobalConfig(src.globalConfig ?? (uid === 0 ? GLOBAL_CONFIG : join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'corral', 'corral.conf'))) ??
    (uid === 0 ? DEFAULT_LXCPATH : join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'corral'));
  const path = resolve(chosen);
  if (path === '/var/lib/lxc' || path.startsWith('/var/lib/lxc/')) {
    throw new CorralError('INVALID_ARGUMENT', `${path} belongs to LXC itself; Corral never writes there`, {
      hint: `use Corral's own store (default ${DEFAULT_LXCPATH}) or another -P directory`,
    });
  }
  return path;
}
