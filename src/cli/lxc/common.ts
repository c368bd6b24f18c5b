// Shared flags of the LXC-style commands (`corral start -n x` and `lxc-start -n x`).
import type { ContainerStore } from '../../core/store.js';
import { CorralError } from '../../util/errors.js';
import type { OptionSpec, Values } from '../args.js';

export const NAME_OPTION: OptionSpec = { flags: '-n, --name <name>', description: 'container name (or give it as the first argument)' };
export const COMMON_OPTIONS: OptionSpec[] = [
  { flags: '-P, --lxcpath <dir>', description: 'the container store (default $CORRAL_LXCPATH, else /var/lib/corral for root, ~/.local/share/corral for a user)' },
  { flags: '-q, --quiet', description: 'print nothing but errors' },
  { flags: '-o, --logfile <file>', description: 'accepted for LXC compatibility' },
  { flags: '-l, --logpriority <level>', description: 'accepted for LXC compatibility' },
];

export async function storeFor(opts: Values): Promise<ContainerStore> {
  const { resolveLxcpath } = await import('../../core/lxcpath.js');
  const { ContainerStore } = await import('../../core/store.js');
  return new ContainerStore(resolveLxcpath({ flag: typeof opts.lxcpath === 'string' ? opts.lxcpath : undefined }));
}

/** -n NAME, or the name as first argument (newer LXC accepts both). */
export function nameFrom(args: Record<string, unknown>, opts: Values): string {
  const name = (typeof opts.name === 'string' ? opts.name : undefined) ?? (typeof args.name === 'string' ? args.name : undefined);
  if (!name) throw new CorralError('INVALID_ARGUMENT', 'which container? give -n NAME', { hint: 'list them with: corral ls' });
  return name;
}

/** The named container of a command that needs one to exist (most of them). */
export async function existingContainer(args: Record<string, unknown>, opts: Values): Promise<{ name: string; store: ContainerStore }> {
  const name = nameFrom(args, opts);
  const store = await storeFor(opts);
  store.mustExist(name);
  return { name, store };
}

/** One-line progress on stderr, only when it is a terminal (never into a pipe or a log). */
export function progressPrinter(quiet: boolean): (message: string) => void {
  if (quiet || !process.stderr.isTTY) return () => {};
  return (message) => process.stderr.write(`\r\x1b[K${message}…`);
}

export function endProgress(quiet: boolean): void {
  if (!quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}
