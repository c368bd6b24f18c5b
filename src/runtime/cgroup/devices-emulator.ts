// A model of the v1 devices controller, after runc's emulator. OCI device rules are applied
// in order to it, giving a default action plus exceptions; from that we derive both the v1
// writes (the minimal transition from the cgroup's current devices.list) and the v2 eBPF
// program, so a rule list means exactly the same thing on every layout.
import { CgroupError, type DeviceRule } from './types.js';

/** Access bits, equal to the kernel's BPF_DEVCG_ACC_* values. */
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;
export const ACC_ALL = ACC_MKNOD | ACC_READ | ACC_WRITE;
export const WILDCARD = -1;

export interface NormalRule {
  allow: boolean;
  type: 'a' | 'b' | 'c';
  major: number; // -1 = any
  minor: number; // -1 = any
  access: number; // ACC_* bits, never 0
}

/** One exception of the emulated cgroup: its action is the opposite of the default. */
export interface Exception {
  type: 'b' | 'c';
  major: number;
  minor: number;
  access: number;
}

export function accessBits(access: string | undefined, where: string): number {
  const text = access === undefined || access === '' ? 'rwm' : access;
  let bits = 0;
  for (const ch of text) {
    const bit = ch === 'r' ? ACC_READ : ch === 'w' ? ACC_WRITE : ch === 'm' ? ACC_MKNOD : 0;
    if (bit === 0) throw new CgroupError(`${where}: access "${access}" may only contain r, w and m`);
    bits |= bit;
  }
  return bits;
}

export function accessString(bits: number): string {
  return (bits & ACC_READ ? 'r' : '') + (bits & ACC_WRITE ? 'w' : '') + (bits & ACC_MKNOD ? 'm' : '');
}

// the kernel's dev_t has 12 bits of major and 20 of minor; keeping to them also keeps the
// numbers inside the signed 32-bit immediates of the eBPF program
const MAX = { major: 0xfff, minor: 0xfffff };

function deviceNumber(n: number | null | undefined, what: 'major' | 'minor', where: string): number {
  if (n === undefined || n === null || n === WILDCARD) return WILDCARD;
  if (!Number.isInteger(n) || n < 0 || n > MAX[what]) {
    throw new CgroupError(`${where}: ${what} ${n} is not a device number (0..${MAX[what]}, or -1 for any)`);
  }
  return n;
}

export function normalizeRule(rule: DeviceRule, index = 0): NormalRule {
  const where = `linux.resources.devices[${index}]`;
  const type = rule.type ?? 'a';
  if (type !== 'a' && type !== 'b' && type !== 'c') throw new CgroupError(`${where}: type "${String(type)}" must be a, b or c`);
  if (typeof rule.allow !== 'boolean') throw new CgroupError(`${where}: allow must be true or false`);
  return {
    allow: rule.allow,
    type,
    major: deviceNumber(rule.major, 'major', where),
    minor: deviceNumber(rule.minor, 'minor', where),
    access: accessBits(rule.access, where),
  };
}

const num = (n: number): string => (n === WILDCARD ? '*' : String(n));

/** The devices.allow / devices.deny line of a rule ('a' resets everything). */
export function ruleLine(r: NormalRule): string {
  return r.type === 'a' ? 'a' : `${r.type} ${num(r.major)}:${num(r.minor)} ${accessString(r.access)}`;
}

const keyOf = (type: string, major: number, minor: number): string => `${type} ${major} ${minor}`;

/** A stable order (by major, minor, type; wildcards first) so the same rules give the same writes. */
// Plain comparison, not localeCompare: the first localeCompare initialises ICU (~8 ms).
function sortExceptions(m: Map<string, Exception>): Exception[] {
  return [...m.values()].sort((a, b) => a.major - b.major || a.minor - b.minor || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

export class DeviceEmulator {
  defaultAllow = false;
  readonly exceptions = new Map<string, Exception>();

  /** Apply one rule as the kernel would, refusing what v1 would silently ignore. */
  apply(rule: NormalRule): void {
    if (rule.type === 'a') {
      this.defaultAllow = rule.allow;
      this.exceptions.clear();
      return;
    }
    // a rule equal to the default removes exceptions; the opposite adds one
    if (rule.allow === this.defaultAllow) this.remove(rule);
    else this.add(rule);
  }

  private add(rule: NormalRule): void {
    const key = keyOf(rule.type, rule.major, rule.minor);
    const old = this.exceptions.get(key);
    this.exceptions.set(key, { type: rule.type as 'b' | 'c', major: rule.major, minor: rule.minor, access: (old?.access ?? 0) | rule.access });
  }

  private remove(rule: NormalRule): void {
    // v1 only removes an exception that matches exactly; punching a hole in a wildcard
    // exception is silently ignored by the kernel, which would leave the device open
    // (or closed) against the user's intent, so it is an error here, as in runc
    const partials: [number, number][] = [[WILDCARD, rule.minor], [rule.major, WILDCARD], [WILDCARD, WILDCARD]];
    for (const [major, minor] of partials) {
      if (major === rule.major && minor === rule.minor) continue;
      const wide = this.exceptions.get(keyOf(rule.type, major, minor));
      if (wide && (wide.access & rule.access) !== 0) {
        throw new CgroupError(
          `device rule "${ruleLine(rule)}" (${rule.allow ? 'allow' : 'deny'}) cannot punch a hole in the wider rule "${ruleLine({ ...wide, allow: !rule.allow })}"`,
          { hint: 'list the wider rule after the narrow one, or split it into exact device numbers' },
        );
      }
    }
    const key = keyOf(rule.type, rule.major, rule.minor);
    const old = this.exceptions.get(key);
    if (!old) return;
    const left = old.access & ~rule.access;
    if (left === 0) this.exceptions.delete(key);
    else this.exceptions.set(key, { ...old, access: left });
  }

  ordered(): Exception[] {
    return sortExceptions(this.exceptions);
  }

  static fromRules(rules: readonly DeviceRule[]): DeviceEmulator {
    const emu = new DeviceEmulator();
    rules.forEach((r, i) => emu.apply(normalizeRule(r, i)));
    return emu;
  }

  /**
   * The state of a v1 cgroup from its devices.list. "a *:* rwm" means allow-all with
   * exceptions the kernel does not show, so transition() must reset such a cgroup.
   */
  static fromList(list: string): DeviceEmulator {
    const emu = new DeviceEmulator();
    for (const line of list.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const m = /^([abc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(line);
      if (!m) throw new CgroupError(`cannot parse devices.list line "${line}"`);
      const type = m[1] as 'a' | 'b' | 'c';
      const major = m[2] === '*' ? WILDCARD : Number(m[2]);
      const minor = m[3] === '*' ? WILDCARD : Number(m[3]);
      emu.apply({ allow: true, type, major, minor, access: accessBits(m[4], 'devices.list') });
    }
    return emu;
  }

  /** The writes that turn a cgroup in this state into `target`, least disruptive first. */
  transition(target: DeviceEmulator): NormalRule[] {
    const out: NormalRule[] = [];
    let old = this.exceptions;
    if (this.defaultAllow || this.defaultAllow !== target.defaultAllow) {
      out.push({ allow: target.defaultAllow, type: 'a', major: WILDCARD, minor: WILDCARD, access: ACC_ALL });
      old = new Map();
    }
    for (const ex of sortExceptions(old)) {
      const dropped = ex.access & ~(target.exceptions.get(keyOf(ex.type, ex.major, ex.minor))?.access ?? 0);
      if (dropped) out.push({ ...ex, access: dropped, allow: target.defaultAllow });
    }
    for (const ex of target.ordered()) {
      const gained = ex.access & ~(old.get(keyOf(ex.type, ex.major, ex.minor))?.access ?? 0);
      if (gained) out.push({ ...ex, access: gained, allow: !target.defaultAllow });
    }
    return out;
  }
}
