// /etc/resolv.conf for a container on Corral's bridge: its dnsmasq as the name server, the
// bridge's domain to search. Written before init starts, only when the image has none, an
// empty one, or one Corral wrote (a DHCP client inside rewrites it with the same server).
// The rootfs belongs to the container: no symlink in it is followed out of it.
import { closeSync, constants, lstatSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../../util/errors.js';

export const MARKER = '# written by Corral';

export function resolvText(nameservers: string[], domain: string): string {
  return `${MARKER}: the DNS of the container's bridge\nsearch ${domain}\n${nameservers.map((n) => `nameserver ${n}\n`).join('')}`;
}

/** True when written; false when the image's own resolv.conf was left alone. */
export function writeResolvConf(rootfs: string, text: string): boolean {
  const etc = join(rootfs, 'etc');
  try {
    if (!lstatSync(etc).isDirectory()) return false;
  } catch {
    return false;
  }
  const path = join(etc, 'resolv.conf');
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return false;
    const old = readFileSync(path, 'utf8');
    if (old.trim() !== '' && !old.startsWith(MARKER)) return false;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') return false;
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  } catch {
    return false;
  }
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}
