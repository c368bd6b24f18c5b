// The multi-call entry: `corral <group> <command>`, and `corral-runtime`, which is exactly
// `corral oci` for clients that take a runtime binary path. Exit codes: the command's own
// (run/exec: the container's), 1 for a failure, 2 for a usage error.
import { basename } from 'node:path';
import { bindArgs, commandHelp, groupHelp, parseArgv, UsageError, type CommandSpec, type OptionSpec, type Values } from './args.js';
import { LXC_COMMANDS } from './lxc/index.js';
import { applyLogTarget, OCI_COMMANDS, OCI_GLOBAL_OPTIONS, OCI_UNSUPPORTED } from './oci/index.js';
import { logLine, reportError } from './output.js';
import { CorralError } from '../util/errors.js';

export const VERSION = '0.1.0';
const OCI_SPEC_VERSION = '1.2.0';

const TOP_OPTIONS: OptionSpec[] = [{ flags: '-v, --version', description: 'print the version' }];
interface Group {
  summary: string;
  options: OptionSpec[];
  commands: CommandSpec[];
  /** applied to the group's global options before the command is parsed */
  prepare?: (globals: Values) => void;
  /** known commands that are refused, with the reason */
  unsupported?: Record<string, string>;
}

const GROUPS: Record<string, Group> = {
  oci: { summary: 'OCI runtime commands, compatible with runc', options: OCI_GLOBAL_OPTIONS, commands: OCI_COMMANDS, prepare: applyLogTarget, unsupported: OCI_UNSUPPORTED },
};

export async function main(argv: string[]): Promise<number> {
  const invokedAs = basename(argv[1] ?? 'corral');
  try {
    if (invokedAs === 'corral-runtime') return await runGroup('corral-runtime', 'oci', argv.slice(2));
    if (invokedAs.startsWith('lxc-')) return await runLxc(invokedAs, invokedAs.slice(4), argv.slice(2));
    const top = parseArgv(argv.slice(2), TOP_OPTIONS, 'corral', { stopAtPositional: true });
    if (top.values.version) return print(`corral version ${VERSION}\n`);
    const [name, ...rest] = top.positionals;
    if (name && GROUPS[name]) return await runGroup(`corral ${name}`, name, rest);
    if (name) return await runLxc(`corral ${name}`, name, rest);
    process.stdout.write(topHelp());
    return top.help ? 0 : 2;
  } catch (err) {
    if (err instanceof UsageError) {
      logLine('error', err.message); // to --log, where a client reads it (no-op without one)
      process.stderr.write(`corral: error: ${err.message}\n  hint: ${err.hint}\n`);
      return 2;
    }
    return reportError(err);
  }
}

async function runLxc(usage: string, name: string, argv: string[]): Promise<number> {
  const command = LXC_COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
  if (!command) throw new UsageError(`unknown command '${name}'`, 'corral');
  // every LXC tool answers --version with the bare version; a command's own arguments
  // (after --, or anything of a command that passes its arguments through) are not ours
  const ours = command.passThrough ? argv.slice(0, 1) : argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length);
  if (ours.includes('--version')) return print(`${VERSION}\n`);
  return runCommand(command, usage, argv, {});
}

async function runCommand(command: CommandSpec, usageOf: string, argv: string[], globals: Values): Promise<number> {
  const p = parseArgv(argv, command.options ?? [], usageOf, { passThrough: command.passThrough });
  if (p.help) return print(commandHelp(command, usageOf));
  const args = bindArgs(command, p.positionals, usageOf, p.rest);
  const code = await command.run(args, { ...globals, ...p.values });
  return typeof code === 'number' ? code : 0;
}

function topHelp(): string {
  const lines = ['Usage: corral <command> [arguments]', '', 'Corral: Linux system containers and an OCI runtime', '', 'Commands:'];
  const shown = LXC_COMMANDS.filter((x) => !x.hidden);
  const width = Math.max(...shown.map((c) => c.name.length), ...Object.keys(GROUPS).map((n) => n.length)) + 2;
  for (const c of shown) lines.push(`  ${c.name.padEnd(width)}${c.summary}`);
  for (const [name, g] of Object.entries(GROUPS)) lines.push(`  ${name.padEnd(width)}${g.summary}`);
  lines.push('', 'Each command also answers to its LXC name (lxc-create, lxc-start, ...) through a symlink.');
  lines.push('', "Run 'corral <command> --help' for more.");
  return `${lines.join('\n')}\n`;
}

/** runc's shape: "<name> version X", then "key: value" lines (podman info shows them). */
async function ociVersion(name: string): Promise<string> {
  const { libseccompVersion } = await import('../runtime/features.js');
  const seccomp = libseccompVersion();
  return `${name} version ${VERSION}\nspec: ${OCI_SPEC_VERSION}\n${seccomp ? `libseccomp: ${seccomp}\n` : ''}`;
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

async function runGroup(usage: string, name: string, argv: string[]): Promise<number> {
  const group = GROUPS[name]!;
  const g = parseArgv(argv, group.options, usage, { stopAtPositional: true });
  group.prepare?.(g.values);
  if (g.values.version) return print(await ociVersion(usage.split(' ')[0]!));
  const [commandName, ...rest] = g.positionals;
  if (!commandName) {
    process.stdout.write(groupHelp(usage, group.summary, group.options, group.commands));
    return g.help ? 0 : 2;
  }
  const command = group.commands.find((c) => c.name === commandName || c.aliases?.includes(commandName));
  const refused = group.unsupported?.[commandName];
  if (!command && refused) throw new CorralError('NOT_SUPPORTED', refused, { hint: `see: ${usage} --help` });
  if (!command) throw new UsageError(`unknown command '${commandName}'`, usage);
  if (g.help) return print(commandHelp(command, `${usage} ${command.name}`));
  return runCommand(command, `${usage} ${command.name}`, rest, g.values);
}
