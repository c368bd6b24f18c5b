// Values specific to single keys of the table (rootfs, rlimits, architectures, log levels),
// kept out of keys.ts so the table stays one screen per group of keys.
import { fail } from './errors.js';
import type { RootfsConfig } from './model.js';
import { integer, oneOf } from './values.js';

const BACKENDS = ['dir', 'overlay', 'overlayfs', 'btrfs', 'zfs', 'lvm', 'rbd', 'loop', 'nbd'] as const;

/** lxc.rootfs.path: "/path", "dir:/path", "overlay:/lower:/upper", "loop:/file", ... */
export function parseRootfs(v: string): RootfsConfig {
  if (/[\n\0]/.test(v)) return fail('a path cannot contain a newline or NUL');
  if (v.startsWith('/')) return { backend: 'dir', path: v, spec: v };
  const colon = v.indexOf(':');
  if (colon < 0) return fail(`"${v}" must be an absolute path or "<backend>:<path>" (e.g. dir:/var/lib/corral/c1/rootfs)`);
  let backend: string = oneOf(v.slice(0, colon), BACKENDS, 'rootfs backend');
  if (backend === 'overlayfs') backend = 'overlay';
  const path = v.slice(colon + 1);
  const needsAbsolute = backend === 'dir' || backend === 'overlay' || backend === 'loop';
  if (path === '' || (needsAbsolute && !path.startsWith('/'))) return fail(`the path of a ${backend} rootfs must be absolute: "${v}"`);
  return { backend, path, spec: v };
}

// setrlimit takes 2^64-1 (RLIM_INFINITY); the spec types carry it as a JSON number, and the
// runtime reads anything at or above 2^53 as unlimited.
export const RLIM_INFINITY = 2 ** 64 - 1;

function limitValue(v: string, text: string): number {
  if (v === 'unlimited') return RLIM_INFINITY;
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) return fail(`"${text}" must be "soft[:hard]", each a number or "unlimited"`);
  return Number(v);
}

/** lxc.prlimit.<name>: "soft:hard", or one value for both, each a number or "unlimited". */
export function parseRlimit(v: string): { soft: number; hard: number } {
  const parts = v.split(':');
  if (parts.length > 2) return fail(`"${v}" must be "soft[:hard]", each a number or "unlimited"`);
  const soft = limitValue(parts[0]!, v);
  const hard = parts.length === 2 ? limitValue(parts[1]!, v) : soft;
  if (soft > hard) return fail(`the soft limit of "${v}" exceeds the hard limit`);
  return { soft, hard };
}

/** LXC's lxc_config_parse_arch names; the first group runs with the LINUX32 personality. */
export const ARCHES_32 = ['arm', 'armel', 'armhf', 'armv7l', 'athlon', 'i386', 'i486', 'i586', 'i686', 'linux32', 'mips', 'mipsel', 'ppc', 'powerpc', 'x86'] as const;
export const ARCHES = [
  ...ARCHES_32,
  'aarch64', 'amd64', 'arm64', 'linux64', 'mips64', 'mips64el', 'ppc64', 'ppc64el', 'ppc64le', 'powerpc64', 's390x', 'x86_64',
] as const;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'fatal'] as const;

/** 0..8 or the level's name (LXC accepts both; names are case-insensitive). */
export function logLevel(v: string): number {
  if (/^\d+$/.test(v)) return integer(v, 0, 8);
  const name = v.toLowerCase() === 'warning' ? 'warn' : v.toLowerCase() === 'critical' ? 'crit' : v.toLowerCase();
  return LOG_LEVELS.indexOf(oneOf(name, LOG_LEVELS, 'log level'));
}

export const SYSLOG_FACILITIES = ['daemon', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'] as const;
