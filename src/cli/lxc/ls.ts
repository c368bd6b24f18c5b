import type { CommandSpec } from '../args.js';
import { printJson } from '../output.js';
import { COMMON_OPTIONS, storeFor } from './common.js';

export const command: CommandSpec = {
  name: 'ls',
  summary: 'list containers; --fancy for state, autostart, groups, addresses',
  args: [{ name: 'filter', description: 'a regular expression the names must match', optional: true }],
  options: [
    { flags: '-f, --fancy', description: 'a table: NAME STATE AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED' },
    { flags: '-F, --fancy-format <columns>', description: 'comma-separated columns for --fancy (name,state,pid,autostart,groups,ipv4,ipv6,unprivileged)' },
    { flags: '-1, --line', description: 'one name per line' },
    { flags: '--running', description: 'only running containers' },
    { flags: '--stopped', description: 'only stopped containers' },
    { flags: '--frozen', description: 'only frozen containers' },
    { flags: '--active', description: 'running or frozen containers' },
    { flags: '-g, --groups <groups>', description: 'only containers in one of these comma-separated groups' },
    { flags: '--json', description: 'everything as JSON' },
    ...COMMON_OPTIONS,
  ],
  async run(args, o) {
    const store = await storeFor(o);
    const { runtimeFor } = await import('../../core/state.js');
    const { listContainers, fancyTable, FANCY_COLUMNS, knownColumn } = await import('../../core/list.js');
    const { CorralError } = await import('../../util/errors.js');
    let entries = await listContainers(store, runtimeFor(store));
    const filter = typeof args.filter === 'string' ? new RegExp(args.filter) : undefined;
    const groups = typeof o.groups === 'string' ? o.groups.split(',') : undefined;
    entries = entries.filter(
      (e) =>
        (!filter || filter.test(e.name)) &&
        (!groups || e.groups.some((g) => groups.includes(g))) &&
        (!o.running || e.state === 'RUNNING') &&
        (!o.stopped || e.state === 'STOPPED') &&
        (!o.frozen || e.state === 'FROZEN') &&
        (!o.active || e.state === 'RUNNING' || e.state === 'FROZEN'),
    );
    if (o.json) return void printJson(entries);
    if (o.fancy || o.fancyFormat) {
      const columns = typeof o.fancyFormat === 'string' ? o.fancyFormat.split(',').map((c) => c.trim().toLowerCase()) : FANCY_COLUMNS;
      const bad = columns.find((c) => !knownColumn(c));
      if (bad) throw new CorralError('INVALID_ARGUMENT', `unknown column "${bad}"`, { hint: `columns: name, state, pid, ${FANCY_COLUMNS.slice(2).join(', ')}` });
      process.stdout.write(fancyTable(entries, columns));
      return;
    }
    const names = entries.map((e) => e.name);
    if (names.length) process.stdout.write(o.line ? `${names.join('\n')}\n` : `${names.join('  ')}\n`);
  },
};
