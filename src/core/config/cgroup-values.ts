// Values of lxc.cgroup.* / lxc.cgroup2.* keys: sizes with the kernel's K/M/G suffixes, CPU
// lists, device rules, "MAJ:MIN value" lines; and LXC's default device allow-list.
import type { DeviceRule } from '../../runtime/spec/types.js';
import { fail } from './errors.js';
import { integer } from './values.js';

const SUFFIX: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** memparse(): a byte count with an optional K/M/G/T/P suffix; "-1" (v1) or "max" (v2) is unlimited (-1). */
export function bytes(v: string, version: 1 | 2): number {
  if ((version === 1 && v === '-1') || (version === 2 && v === 'max')) return -1;
  const m = /^(\d{1,19})([kmgtp]?)$/i.exec(v);
  const n = m ? Number(m[1]) * SUFFIX[m[2]!.toLowerCase()]! : NaN;
  if (!m || !Number.isSafeInteger(n)) {
    return fail(`"${v}" is not a byte count (a number with an optional K, M, G or T suffix, or ${version === 1 ? '-1' : '"max"'} for no limit)`);
  }
  return n;
}

/** pids.max and friends: a count, or "max" (both versions) / "-1" (v1) for no limit. */
export function countOrMax(v: string, version: 1 | 2): number {
  if (v === 'max' || (version === 1 && v === '-1')) return -1;
  return integer(v, 0, Number.MAX_SAFE_INTEGER);
}

export function cpuList(v: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) return fail(`"${v}" is not a CPU or node list like "0-3,6"`);
  return v;
}

/** "8:0" -> [8, 0] */
export function majorMinor(v: string): [number, number] {
  const m = /^(\d{1,4}):(\d{1,7})$/.exec(v);
  if (!m) return fail(`"${v}" is not a device number "major:minor"`);
  return [integer(m[1]!, 0, 0xfff), integer(m[2]!, 0, 0xfffff)];
}

/** "8:0 1048576" -> device and a number */
export function deviceValue(v: string, min = 0): { major: number; minor: number; value: number } {
  const [dev = '', num = '', ...rest] = v.split(/\s+/).filter(Boolean);
  if (rest.length > 0 || num === '') return fail(`"${v}" must be "major:minor value"`);
  const [major, minor] = majorMinor(dev);
  return { major, minor, value: integer(num, min, Number.MAX_SAFE_INTEGER) };
}

/** A devices.allow / devices.deny line: "a", or "c|b|a <major|*>:<minor|*> [rwm]". */
export function deviceRule(v: string, allow: boolean): DeviceRule {
  const parts = v.split(/\s+/).filter(Boolean);
  if (parts.length === 1 && parts[0] === 'a') return { allow, type: 'a', access: 'rwm' };
  const [type, numbers = '', access = 'rwm', ...rest] = parts;
  const m = /^(\*|\d{1,4}):(\*|\d{1,7})$/.exec(numbers);
  if ((type !== 'a' && type !== 'b' && type !== 'c') || !m || rest.length > 0 || !/^[rwm]{1,3}$/.test(access)) {
    return fail(`"${v}" is not a device rule like "c 1:3 rwm", "b 8:* r" or "a"`);
  }
  const rule: DeviceRule = { allow, type, access };
  if (m[1] !== '*') rule.major = integer(m[1]!, 0, 0xfff);
  if (m[2] !== '*') rule.minor = integer(m[2]!, 0, 0xfffff);
  return rule;
}

const allowC = (major: number, minor: number | undefined, access = 'rwm'): DeviceRule =>
  minor === undefined ? { allow: true, type: 'c', major, access } : { allow: true, type: 'c', major, minor, access };

/**
 * /usr/share/lxc/config/common.conf's allow-list (plus tun from debian.common.conf), used
 * when a config gives no device rules: mknod anything, use only the harmless nodes.
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = Object.freeze([
  { allow: false, type: 'a', access: 'rwm' },
  allowC(1, 3), // null
  allowC(1, 5), // zero
  allowC(1, 7), // full
  allowC(5, 0), // tty
  allowC(5, 1), // console
  allowC(5, 2), // ptmx
  allowC(1, 8), // random
  allowC(1, 9), // urandom
  allowC(136, undefined), // pts/*
  allowC(10, 229), // fuse
  allowC(10, 200), // net/tun
]);
