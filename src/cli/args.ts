// A small declarative command-line parser. Commander cost ~15 ms of every start-up here
// (module evaluation plus registering every command), half of the CLI's whole budget, so
// commands describe themselves as data and only the one invoked runs any code.
import { CorralError } from '../util/errors.js';

export interface OptionSpec {
  /** '-b, --bundle <dir>', '--debug', '-e, --env <K=V>' */
  flags: string;
  description: string;
  default?: string;
  /** the option may be given several times; its value is a list */
  repeatable?: boolean;
}

export interface ArgSpec {
  name: string;
  description: string;
  optional?: boolean;
  /** takes every remaining argument */
  variadic?: boolean;
}

export type Values = Record<string, string | string[] | boolean | undefined>;

export interface CommandSpec {
  name: string;
  aliases?: string[];
  summary: string;
  /** left out of command lists (internal plumbing) */
  hidden?: boolean;
  /** longer text for the command's own --help */
  description?: string;
  args?: ArgSpec[];
  options?: OptionSpec[];
  /** once the positional arguments start, the rest belongs to the container's command */
  passThrough?: boolean;
  /** what follows `--` is bound to this argument name (lxc-attach -n x -- CMD) */
  afterDashes?: ArgSpec;
  run(args: Record<string, string | string[] | undefined>, opts: Values): Promise<number | void>;
}

interface ParsedFlag {
  short?: string;
  long: string;
  key: string;
  takesValue: boolean;
  spec: OptionSpec;
}

export class UsageError extends CorralError {
  constructor(message: string, readonly usageOf: string) {
    super('INVALID_ARGUMENT', message, { hint: `see: ${usageOf} --help` });
  }
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function parseFlag(spec: OptionSpec): ParsedFlag {
  const m = /^(?:-(\w), )?--([\w-]+)(?: <[^>]+>)?$/.exec(spec.flags);
  if (!m) throw new Error(`bad option spec ${spec.flags}`);
  return { short: m[1], long: m[2]!, key: camel(m[2]!), takesValue: spec.flags.includes('<'), spec };
}

export interface ParseResult {
  positionals: string[];
  /** everything after a `--` (not counting the exec separator) */
  rest: string[];
  values: Values;
  help: boolean;
}

/**
 * Options before, between and (unless passThrough) after positionals; `--opt=v`, `--opt v`,
 * `-o v`, `--` ends options. Stops at the first positional when `stopAtPositional` (global
 * options come before the subcommand).
 */
export function parseArgv(input: string[], options: OptionSpec[], usageOf: string, mode: { passThrough?: boolean; stopAtPositional?: boolean } = {}): ParseResult {
  const flags = options.map(parseFlag);
  let argv = input;
  const values: Values = {};
  for (const f of flags) if (f.spec.default !== undefined) values[f.key] = f.spec.default;
  const positionals: string[] = [];
  let help = false;
  let sawSeparator = false;
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const optionsOver = (mode.passThrough && positionals.length > 0) || (mode.stopAtPositional && positionals.length > 0);
    // `exec <id> -- cmd ...`: a separator right after the id, as runc accepts it
    if (mode.passThrough && positionals.length === 1 && arg === '--' && !sawSeparator) {
      sawSeparator = true;
      continue;
    }
    if (optionsOver || arg === '-' || !arg.startsWith('-')) {
      if (mode.stopAtPositional && !optionsOver) return { positionals: [arg, ...argv.slice(i + 1)], rest: [], values, help };
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    // getopt-style bundles: -pH is -p -H (all but the last must be flags without a value)
    if (/^-[A-Za-z0-9]{2,}$/.test(arg)) {
      const letters = [...arg.slice(1)].map((c) => flags.find((f) => f.short === c));
      if (letters.every((f, k) => f && (!f.takesValue || k === letters.length - 1))) {
        argv = [...argv.slice(0, i), ...letters.map((f) => `-${f!.short}`), ...argv.slice(i + 1)];
        i--;
        continue;
      }
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = flags.find((f) => (name.startsWith('--') ? `--${f.long}` === name : f.short !== undefined && `-${f.short}` === name));
    if (!flag) throw new UsageError(`unknown option '${name}'`, usageOf);
    if (!flag.takesValue) {
      if (eq > 0) throw new UsageError(`option '${name}' takes no value`, usageOf);
      values[flag.key] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`option '${flag.spec.flags}' needs a value`, usageOf);
    values[flag.key] = flag.spec.repeatable ? [...((values[flag.key] as string[] | undefined) ?? []), value] : value;
  }
  return { positionals, rest, values, help };
}

export function bindArgs(spec: CommandSpec, positionals: string[], usageOf: string, afterDashes: string[] = []): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  const rest = [...positionals];
  let dashes = afterDashes;
  if (spec.afterDashes) {
    out[camel(spec.afterDashes.name)] = dashes;
    dashes = [];
  }
  for (const a of spec.args ?? []) {
    if (a.variadic) {
      out[camel(a.name)] = [...rest.splice(0), ...dashes];
      dashes = [];
    } else if (rest.length > 0) {
      out[camel(a.name)] = rest.shift();
    } else if (!a.optional) {
      throw new UsageError(`missing argument <${a.name}>`, usageOf);
    }
  }
  const extra = rest[0] ?? dashes[0];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`, usageOf);
  return out;
}

function column(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([a]) => a.length)) + 3;
  return rows.map(([a, b]) => `  ${a.padEnd(width)}${b}`).join('\n');
}

export function commandHelp(spec: CommandSpec, usageOf: string): string {
  const args = (spec.args ?? []).map((a) => (a.optional || a.variadic ? `[${a.name}${a.variadic ? '...' : ''}]` : `<${a.name}>`));
  const parts = [`Usage: ${usageOf} [options]${args.length ? ` ${args.join(' ')}` : ''}`, '', spec.summary];
  if (spec.description) parts.push('', spec.description);
  if (spec.args?.length) parts.push('', 'Arguments:', column(spec.args.map((a) => [a.name, a.description])));
  const opts: [string, string][] = (spec.options ?? []).map((o) => [o.flags, o.description + (o.default !== undefined ? ` (default: "${o.default}")` : '')]);
  opts.push(['-h, --help', 'show this help']);
  parts.push('', 'Options:', column(opts));
  if (spec.aliases?.length) parts.push('', `Aliases: ${spec.aliases.join(', ')}`);
  return `${parts.join('\n')}\n`;
}

export function groupHelp(usageOf: string, summary: string, options: OptionSpec[], commands: CommandSpec[]): string {
  const parts = [`Usage: ${usageOf} [options] <command> [arguments]`, '', summary, '', 'Commands:'];
  parts.push(column(commands.map((c) => [c.name + (c.aliases?.length ? `|${c.aliases.join('|')}` : ''), c.summary])));
  const opts: [string, string][] = options.map((o) => [o.flags, o.description + (o.default !== undefined ? ` (default: "${o.default}")` : '')]);
  opts.push(['-h, --help', 'show this help']);
  parts.push('', 'Options:', column(opts), '', `Run '${usageOf} <command> --help' for a command's options.`);
  return `${parts.join('\n')}\n`;
}
