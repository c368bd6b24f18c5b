import type { CommandSpec } from '../args.js';
import { printJson } from '../output.js';
import { contextFor } from './common.js';

export const command: CommandSpec = {
  name: 'ps',
  summary: 'list the processes running in a container',
  args: [
    { name: 'id', description: 'container id' },
    { name: 'ps-args', description: 'arguments for ps(1) (default -ef)', variadic: true },
  ],
  passThrough: true,
  options: [{ flags: '-f, --format <format>', description: 'table or json (a list of host pids)', default: 'table' }],
  async run(args, o) {
    const ctx = await contextFor(o);
    const query = await import('../../runtime/query.js');
    const id = String(args.id);
    if (o.format === 'json') printJson(await query.pids(ctx, id));
    else process.stdout.write(await query.psTable(ctx, id, args.psArgs as string[]));
  },
};
