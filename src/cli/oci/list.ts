import type { CommandSpec } from '../args.js';
import { printJson } from '../output.js';
import { contextFor } from './common.js';

export const command: CommandSpec = {
  name: 'list',
  aliases: ['ls'],
  summary: 'list the containers under --root',
  options: [
    { flags: '-f, --format <format>', description: 'table or json', default: 'table' },
    { flags: '-q, --quiet', description: 'print only the ids' },
  ],
  async run(_args, o) {
    const ctx = await contextFor(o);
    const query = await import('../../runtime/query.js');
    const states = await query.list(ctx);
    if (o.quiet) process.stdout.write(states.map((s) => `${s.id}\n`).join(''));
    else if (o.format === 'json') printJson(states);
    else process.stdout.write(query.formatList(states));
  },
};
