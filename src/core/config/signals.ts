// Signal numbers <-> the names launch options carry ("SIGPWR", "SIGRTMIN+3"), in the forms
// runtime/signals.ts parseSignal accepts, plus LXC's systemd rule for the halt signal.
import { lstatSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { posix } from 'node:path';

const SIGRTMIN = 34;
const NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.signals)) if (!NAMES.has(n)) NAMES.set(n, name);

export function signalName(n: number): string {
  if (n >= SIGRTMIN && n <= 64) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return NAMES.get(n) ?? String(n);
}

/** SIGRTMIN+3: what systemd takes as "halt" (it ignores SIGPWR's meaning for LXC). */
export const SYSTEMD_HALT = SIGRTMIN + 3;

/**
 * Whether `cmd` inside `rootfs` is systemd: follow its symlinks inside the rootfs (an
 * absolute link target is relative to the rootfs, never the host) and look at the name.
 * Anything unreadable means "not systemd", the safe default (SIGPWR).
 */
export function isSystemdInit(rootfs: string, cmd: string): boolean {
  let path = posix.normalize(`/${cmd}`);
  for (let hops = 0; hops < 16; hops++) {
    if (/(^|\/)systemd$/.test(path)) return true;
    let target: string;
    try {
      if (!lstatSync(posix.join(rootfs, path)).isSymbolicLink()) return false;
      target = readlinkSync(posix.join(rootfs, path), 'utf8');
    } catch {
      return false;
    }
    path = posix.normalize(target.startsWith('/') ? target : posix.join(posix.dirname(path), target));
  }
  return false;
}
