// HOME for the container process when its env has none: the user's home directory from the
// image's /etc/passwd, or "/" when the uid is not listed there (as runc does).
import { lstatSync, readFileSync } from 'node:fs';
import { resolveInRoot } from './in-root.js';

const MAX_PASSWD_BYTES = 1 << 20;

/** The home directory of `uid` in passwd text; "/" when the uid is not listed. */
export function passwdHome(passwd: string, uid: number): string {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 7 && fields[2] === String(uid)) return fields[5] || '/';
  }
  return '/';
}

/** The image's /etc/passwd, or '' when it is missing, not a regular file or too large. */
export function readImagePasswd(rootfs: string): string {
  const path = resolveInRoot(rootfs, '/etc/passwd');
  if (!path) return '';
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size > MAX_PASSWD_BYTES) return '';
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** env with HOME added when it has none or an empty one (runc: `os.Getenv("HOME") == ""`). */
export function envWithHome(env: readonly string[], home: string): string[] {
  if (env.some((e) => e.startsWith('HOME=') && e.length > 'HOME='.length)) return [...env];
  return [...env.filter((e) => e !== 'HOME='), `HOME=${home}`];
}
