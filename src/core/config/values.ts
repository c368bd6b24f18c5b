// Value parsers shared by the key table. Each returns the typed value or throws a ValueError
// (via fail) whose message names what was expected; the caller adds file, line and key.
import { constants } from 'node:os';
import { suggest } from '../../runtime/spec/suggest.js';
import { CAPABILITIES } from '../../runtime/spec/capabilities.js';
import { fail } from './errors.js';

const q = (v: string): string => JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);

export function bool01(v: string): boolean {
  if (v === '0') return false;
  if (v === '1') return true;
  return fail(`${q(v)} must be 0 or 1`);
}

/** A decimal integer in [min, max]; leading '+' or spaces are refused, as lxc_safe_uint does. */
export function integer(v: string, min = 0, max = 2 ** 32 - 1): number {
  if (!/^-?\d{1,16}$/.test(v)) return fail(`${q(v)} is not ${min >= 0 ? 'a non-negative' : 'an'} integer`);
  const n = Number(v);
  if (n < min || n > max) return fail(`${q(v)} must be between ${min} and ${max}`);
  return n;
}

export function uint(v: string): number {
  return integer(v, 0);
}

/** A uid or gid: 2^32-1 is (uid_t)-1, which the kernel reserves. */
export function id(v: string): number {
  return integer(v, 0, 2 ** 32 - 2);
}

export function anyPath(v: string): string {
  if (/[\n\0]/.test(v)) return fail('a path cannot contain a newline or NUL');
  return v;
}

export function absPath(v: string): string {
  anyPath(v);
  if (!v.startsWith('/')) return fail(`${q(v)} must be an absolute path`);
  return v;
}

/** A plain word: a name without blanks or slashes (groups, tty.dir, interface names). */
export function word(v: string, what = 'name'): string {
  if (!/^[^\s/\0]+$/.test(v) || v === '.' || v === '..') return fail(`${q(v)} is not a valid ${what}`);
  return v;
}

export function words(v: string): string[] {
  return v.split(/[\s]+/).filter(Boolean);
}

export function oneOf<T extends string>(v: string, options: readonly T[], what = 'value'): T {
  if ((options as readonly string[]).includes(v)) return v as T;
  const near = suggest(v, options);
  return fail(`${q(v)} is not a valid ${what} (one of: ${options.join(', ')})`, near ? `did you mean "${near}"?` : undefined);
}

// ---- hostname, command lines -------------------------------------------------------------

export function hostname(v: string): string {
  if (Buffer.byteLength(v) > 64) return fail(`${q(v)} is longer than 64 bytes, the kernel's limit for a host name`);
  if (/[\s\0-\x1f\x7f]/.test(v)) return fail(`${q(v)} contains blanks or control characters`);
  return v;
}

/**
 * A command line split as LXC's lxc_string_split_quoted does: blanks separate words, and
 * single or double quotes group a word (no escapes). An unclosed quote is an error here
 * rather than silently eating the rest of the line.
 */
export function commandLine(v: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of v) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) return fail(`unbalanced ${quote} quote in ${q(v)}`);
  if (inWord) out.push(cur);
  if (out.length === 0 || out[0] === '') return fail('the command is empty');
  return out;
}

// ---- signals -----------------------------------------------------------------------------

const SIGRTMIN = 34;
const SIGRTMAX = 64;
const SIGNAL_NAMES = Object.keys(constants.signals);

/** kill(1) style, as LXC's sig_parse: SIGPWR, sigpwr, SIGRTMIN+3, SIGRTMAX-10, or 1..64. */
export function signal(v: string): number {
  if (/^\d+$/.test(v)) return integer(v, 1, SIGRTMAX);
  const name = v.toUpperCase();
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d{1,2}))?$/.exec(name);
  if (rt) {
    const n = (rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + (rt[2] === '-' ? -1 : 1) * Number(rt[3] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    return fail(`${q(v)} is outside SIGRTMIN..SIGRTMAX`);
  }
  const n = (constants.signals as Record<string, number | undefined>)[name];
  if (n !== undefined && name.startsWith('SIG')) return n;
  const near = suggest(name.startsWith('SIG') ? name : `SIG${name}`, SIGNAL_NAMES);
  return fail(`${q(v)} is not a signal (a name such as SIGPWR or SIGRTMIN+3, or a number 1-64)`, near ? `did you mean "${near}"?` : undefined);
}

// ---- sizes and capabilities --------------------------------------------------------------

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** lxc.console.size and friends: 'auto' (128 KiB) or a number with KB/MB/GB (1024-based). */
export function consoleSize(v: string): number {
  if (v.toLowerCase() === 'auto') return 128 * 1024;
  const m = /^(\d{1,15})\s*([a-z]{0,2})$/i.exec(v);
  const unit = m ? SIZE_UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) return fail(`${q(v)} is not a size (a number with KB, MB or GB, or "auto")`);
  return Number(m[1]) * unit;
}

const CAP_NAMES = Object.keys(CAPABILITIES).map((n) => n.slice(4).toLowerCase());

/** One capability as LXC spells it (sys_admin) or its number -> the OCI name (CAP_SYS_ADMIN). */
export function capability(token: string): string {
  if (/^\d{1,2}$/.test(token)) {
    const name = Object.keys(CAPABILITIES).find((k) => CAPABILITIES[k] === Number(token));
    if (name) return name;
  }
  if (CAP_NAMES.includes(token)) return `CAP_${token.toUpperCase()}`;
  const bare = token.toLowerCase().replace(/^cap_/, '');
  const near = CAP_NAMES.includes(bare) ? bare : suggest(bare, CAP_NAMES);
  return fail(`unknown capability ${q(token)}`, near ? `did you mean "${near}"? (LXC writes capabilities in lower case without CAP_)` : undefined);
}
