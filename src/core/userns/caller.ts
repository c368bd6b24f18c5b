// Who runs this command: root (every host resource is ours) or an ordinary user, whose
// containers live in their home, keep runtime state in $XDG_RUNTIME_DIR and must map their
// ids through /etc/subuid with the setuid newuidmap/newgidmap.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseSubid, SUBGID, SUBUID, type IdRange, type Person } from './subid.js';

export function isRootCaller(): boolean {
  return (process.geteuid?.() ?? 0) === 0;
}

/** The caller's name from /etc/passwd ($USER as a fallback: it may be unset under runuser). */
export function callerPerson(passwd = readText('/etc/passwd')): Person {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const entry = (passwd ?? '').split('\n').map((l) => l.split(':')).find((f) => f[0] && Number(f[2]) === uid);
  return { name: entry?.[0] ?? process.env.USER ?? String(uid), uid, gid };
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function subidRanges(): { subuid: IdRange[]; subgid: IdRange[] } {
  return { subuid: parseSubid(readText(SUBUID)), subgid: parseSubid(readText(SUBGID)) };
}

/**
 * Where an ordinary user's runtime state goes: $XDG_RUNTIME_DIR/corral (a tmpfs of the
 * user's that dies with their last session, like /run for root), else ~/.cache/corral/run
 * (LXC: ~/.cache/lxc/run).
 */
export function userRunBase(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'corral');
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'corral', 'run');
}

/** ~/.config/corral/default.conf (LXC: ~/.config/lxc/default.conf). */
export function userDefaultConf(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'corral', 'default.conf');
}
