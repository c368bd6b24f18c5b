import type { Command } from 'commander';
import { printJson } from '../output.js';
import { contextFor } from './common.js';

export function register(parent: Command): void {
  parent
    .command('list')
    .alias('ls')
    .description('list the containers under --root')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('-q, --quiet', 'print only the ids')
    .action(async (o: { format: string; quiet?: boolean }, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const query = await import('../../runtime/query.js');
      const states = await query.list(ctx);
      if (o.quiet) process.stdout.write(states.map((s) => `${s.id}\n`).join(''));
      else if (o.format === 'json') printJson(states);
      else process.stdout.write(query.formatList(states));
    });
}
