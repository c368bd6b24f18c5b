// LXC's seccomp policy files (lxc.seccomp.profile), versions 1 and 2, turned into the OCI
// seccomp structure the runtime plans from. The semantics follow LXC's src/lxc/seccomp.c:
//
//   1                          version 1: an allowlist of native syscall numbers, one a
//   allowlist                  line; everything else kills
//   2                          version 2: "denylist|allowlist [default action]" (blacklist/
//   denylist [errno 38]        whitelist accepted), then rules, "[arch]" sections, comments
//   [all]                      ('#' at the start of a line) and reject_force_umount
//   kexec_load errno 1
//   ioctl errno 1 [1,0x5412,==]          arguments: [index,value,op] or [index,value,&=,mask]
//
// A denylist allows what it does not name and kills what it names without an action; an
// allowlist kills what it does not name. Sections for architectures other than the host's
// are skipped; the rules of every relevant section apply to all the host's ABIs (native
// plus compat, e.g. x86_64, x86 and x32), as in LXC, which cannot express per-ABI rules
// either once its contexts are merged.
import type { Seccomp, SeccompAction, SeccompArg, SeccompOperator, Syscall } from '../../runtime/spec/types.js';
import { CorralError } from '../../util/errors.js';

/** LXC's name for the host architecture (get_hostarch), from Node's process.arch. */
export type LxcHostArch = 'amd64' | 'i386' | 'arm' | 'arm64' | 'ppc64le' | 'ppc64' | 'ppc' | 'mips64' | 'mips' | 'mipsel64' | 'mipsel' | 's390x' | 's390' | 'unknown';

export function lxcHostArch(nodeArch: string = process.arch, littleEndian = true): LxcHostArch {
  const map: Record<string, LxcHostArch> = {
    x64: 'amd64', ia32: 'i386', arm: 'arm', arm64: 'arm64', ppc: 'ppc', s390x: 's390x', s390: 's390',
    ppc64: littleEndian ? 'ppc64le' : 'ppc64', mips: 'mips', mipsel: 'mipsel', mips64: 'mips64', mips64el: 'mipsel64',
  };
  return map[nodeArch] ?? 'unknown';
}

/** The ABIs a filter covers on this host: native first, then LXC's compat contexts. */
export const HOST_ABIS: Record<LxcHostArch, string[]> = {
  amd64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  i386: ['SCMP_ARCH_X86'],
  arm: ['SCMP_ARCH_ARM'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  ppc64le: ['SCMP_ARCH_PPC64LE'],
  ppc64: ['SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC'],
  ppc: ['SCMP_ARCH_PPC'],
  mips64: ['SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPS'],
  mips: ['SCMP_ARCH_MIPS'],
  mipsel64: ['SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_MIPSEL'],
  mipsel: ['SCMP_ARCH_MIPSEL'],
  s390x: ['SCMP_ARCH_S390X'],
  s390: ['SCMP_ARCH_S390'],
  unknown: [],
};

/** "[section]" -> the host architectures for which its rules apply (LXC's parse_config_v2). */
const SECTIONS: Record<string, readonly LxcHostArch[] | 'all'> = {
  all: 'all',
  x86: ['i386', 'amd64'],
  x32: ['amd64'],
  x86_64: ['amd64'],
  arm: ['arm', 'arm64'],
  arm64: ['arm64'],
  ppc64le: ['ppc64le'],
  ppc64: ['ppc64'],
  ppc: ['ppc', 'ppc64'],
  mips64: ['mips64'],
  mips64n32: ['mips64'],
  mips: ['mips', 'mips64'],
  mipsel64: ['mipsel64'],
  mipsel64n32: ['mipsel64'],
  mipsel: ['mipsel', 'mipsel64'],
  s390x: ['s390x'],
  s390: ['s390'],
};

const OPERATORS: Record<string, SeccompOperator> = {
  SCMP_CMP_NE: 'SCMP_CMP_NE', '!=': 'SCMP_CMP_NE',
  SCMP_CMP_LT: 'SCMP_CMP_LT', '<': 'SCMP_CMP_LT',
  SCMP_CMP_LE: 'SCMP_CMP_LE', '<=': 'SCMP_CMP_LE',
  SCMP_CMP_EQ: 'SCMP_CMP_EQ', '==': 'SCMP_CMP_EQ',
  SCMP_CMP_GE: 'SCMP_CMP_GE', '>=': 'SCMP_CMP_GE',
  SCMP_CMP_GT: 'SCMP_CMP_GT', '>': 'SCMP_CMP_GT',
  SCMP_CMP_MASKED_EQ: 'SCMP_CMP_MASKED_EQ', '&=': 'SCMP_CMP_MASKED_EQ',
};

const EACCES = 13;
const MNT_FORCE = 1;

export interface LxcSeccompOptions {
  /** for messages: the profile's path */
  file?: string;
  hostArch?: LxcHostArch;
}

interface Action {
  action: SeccompAction;
  errnoRet?: number;
}

class Bad extends Error {}

/** strtoull(s, NULL, 0): decimal, 0x hex, 0 octal; the whole token must be a number. */
function uint(text: string, what: string, max = 2 ** 64 - 1): number {
  const t = text.trim();
  const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(t);
  if (!m) throw new Bad(`${what} "${t}" is not a number`);
  const v = t.length > 1 && t[0] === '0' && t[1] !== 'x' && t[1] !== 'X' ? parseInt(t, 8) : Number(t);
  if (v > max) throw new Bad(`${what} ${t} is too large`);
  return v;
}

/** "kill", "errno N", "allow", "trap", "notify" at the start of `words`; undefined if none. */
function parseAction(words: string[]): { action: Action; used: number } | undefined {
  const w = words[0];
  if (w === undefined) return undefined;
  if (w === 'kill') return { action: { action: 'SCMP_ACT_KILL' }, used: 1 };
  if (w === 'allow') return { action: { action: 'SCMP_ACT_ALLOW' }, used: 1 };
  if (w === 'trap') return { action: { action: 'SCMP_ACT_TRAP' }, used: 1 };
  if (w === 'errno') {
    if (words[1] === undefined) throw new Bad('"errno" needs a number (errno 1 for EPERM)');
    return { action: { action: 'SCMP_ACT_ERRNO', errnoRet: uint(words[1], 'errno value', 4095) }, used: 2 };
  }
  if (w === 'notify') {
    throw new Bad('the "notify" action needs a seccomp notification proxy (lxc.seccomp.notify.proxy), which Corral does not implement');
  }
  return undefined;
}

function parseArg(inner: string): SeccompArg {
  const parts = inner.split(',').map((p) => p.trim());
  if (parts.length < 3 || parts.length > 4) throw new Bad(`argument "[${inner}]" must be [index,value,op] or [index,value,op,mask]`);
  const index = uint(parts[0]!, 'argument index', 5);
  const value = uint(parts[1]!, 'argument value');
  const op = OPERATORS[parts[2]!];
  if (!op) throw new Bad(`unknown operator "${parts[2]}" (SCMP_CMP_* or != < <= == >= > &=)`);
  const mask = parts[3] === undefined ? 0 : uint(parts[3], 'argument mask');
  // libseccomp's SCMP_CMP_MASKED_EQ takes (mask, value): OCI puts them in value, valueTwo.
  if (op === 'SCMP_CMP_MASKED_EQ') return { index, op, value: mask, valueTwo: value };
  return { index, op, value };
}

const stripComment = (line: string): string => line.replace(/(^|\s)#.*$/, '').trim();

function parseRule(line: string, ruleDefault: Action): Syscall {
  const text = stripComment(line);
  const name = text.split(/\s+/)[0]!;
  if (name === 'reject_force_umount') {
    return { names: ['umount2'], action: 'SCMP_ACT_ERRNO', errnoRet: EACCES, args: [{ index: 1, op: 'SCMP_CMP_MASKED_EQ', value: MNT_FORCE, valueTwo: MNT_FORCE }] };
  }
  if (!/^[a-z0-9_]+$/.test(name)) throw new Bad(`"${name}" is not a syscall name`);
  const bracket = text.indexOf('[');
  const words = (bracket < 0 ? text : text.slice(0, bracket)).split(/\s+/).slice(1).filter(Boolean);
  const parsed = parseAction(words);
  if (words.length > 0 && (!parsed || parsed.used !== words.length)) throw new Bad(`unknown action "${words.join(' ')}" (kill, errno N, allow, trap)`);
  const rule: Syscall = { names: [name], ...(parsed?.action ?? ruleDefault) };
  if (bracket >= 0) {
    const rest = text.slice(bracket);
    const args = [...rest.matchAll(/\[([^\]]*)\]/g)].map((m) => parseArg(m[1]!));
    if (rest.replace(/\[[^\]]*\]/g, '').trim() !== '') throw new Bad(`cannot read the arguments "${rest}"`);
    if (args.length > 6) throw new Bad('a rule has at most 6 argument conditions');
    rule.args = args;
  }
  return rule;
}

function header(line: string, version: number): { denylist: boolean; policyDefault?: Action } {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.includes('debug')) throw new Bad('"debug" is not implemented (by LXC either)');
  const kind = words[0] ?? '';
  const denylist = kind === 'denylist' || kind === 'blacklist';
  const allowlist = kind === 'allowlist' || kind === 'whitelist';
  if (version === 1 && !allowlist) throw new Bad(`version 1 profiles must be an "allowlist", not "${line.trim()}"`);
  if (!denylist && !allowlist) throw new Bad(`the second line must be "denylist" or "allowlist" (optionally with a default action), not "${line.trim()}"`);
  const rest = words.slice(1);
  if (rest.length === 0) return { denylist };
  const parsed = parseAction(rest);
  if (!parsed || parsed.used !== rest.length) throw new Bad(`unknown default action "${rest.join(' ')}" (kill, errno N, allow, trap)`);
  return { denylist, policyDefault: parsed.action };
}

function sectionApplies(line: string, host: LxcHostArch): boolean {
  const name = line.slice(1, -1).toLowerCase();
  const arches = SECTIONS[name];
  if (!arches) throw new Bad(`unsupported architecture section "${line}"`);
  return arches === 'all' || arches.includes(host);
}

function withDefault(seccomp: Seccomp, action: Action): Seccomp {
  seccomp.defaultAction = action.action;
  if (action.errnoRet !== undefined) seccomp.defaultErrnoRet = action.errnoRet;
  return seccomp;
}

/** Parses an LXC seccomp profile; throws a CorralError naming every bad line. */
export function parseLxcSeccomp(text: string, opts: LxcSeccompOptions = {}): Seccomp {
  const host = opts.hostArch ?? lxcHostArch();
  const lines = text.split('\n');
  const problems: string[] = [];
  const at = (n: number, msg: string) => problems.push(`${opts.file ?? 'seccomp profile'}:${n}: ${msg}`);
  const version = /^\s*([0-9]+)\s*$/.exec(lines[0] ?? '')?.[1];
  if (version !== '1' && version !== '2') {
    at(1, `the first line must be the format version, 1 or 2 (found "${(lines[0] ?? '').trim()}")`);
    throw profileError(problems);
  }
  let head: ReturnType<typeof header>;
  try {
    head = header(lines[1] ?? '', Number(version));
  } catch (err) {
    at(2, (err as Error).message);
    throw profileError(problems);
  }
  const seccomp: Seccomp = { defaultAction: 'SCMP_ACT_KILL', syscalls: [] };
  if (version === '1') {
    seccomp.architectures = HOST_ABIS[host].slice(0, 1);
    lines.slice(2).forEach((line, i) => {
      if (line.trim() === '') return;
      const nr = /^\s*([0-9]+)\b/.exec(line)?.[1];
      if (nr === undefined) at(i + 3, `version 1 lines are syscall numbers, not "${line.trim()}"`);
      else seccomp.syscalls!.push({ names: [nr], action: 'SCMP_ACT_ALLOW' });
    });
  } else {
    seccomp.architectures = [...HOST_ABIS[host]];
    withDefault(seccomp, head.policyDefault ?? { action: head.denylist ? 'SCMP_ACT_ALLOW' : 'SCMP_ACT_KILL' });
    const ruleDefault: Action = { action: head.denylist ? 'SCMP_ACT_KILL' : 'SCMP_ACT_ALLOW' };
    // LXC applies rules outside any section on hosts it knows
    let active = host !== 'unknown';
    lines.slice(2).forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (line.startsWith('#') || line.trim() === '') return;
      try {
        if (line.trim().startsWith('[')) active = sectionApplies(line.trim(), host);
        else if (active) seccomp.syscalls!.push(parseRule(line, ruleDefault));
      } catch (err) {
        if (!(err instanceof Bad)) throw err;
        at(i + 3, err.message);
      }
    });
  }
  if (problems.length > 0) throw profileError(problems);
  if (seccomp.architectures.length === 0) delete seccomp.architectures;
  return seccomp;
}

function profileError(problems: string[]): CorralError {
  return new CorralError('INVALID_CONFIG', `invalid seccomp profile:\n${problems.map((p) => `  ${p}`).join('\n')}`, {
    hint: 'the format is described in man 5 lxc.container.conf (lxc.seccomp.profile); an OCI linux.seccomp JSON object is accepted too',
  });
}
