import type { Command } from 'commander';
import { printJson } from '../output.js';
import { contextFor } from './common.js';

export function register(parent: Command): void {
  parent
    .command('ps')
    .description('list the processes running in a container')
    .argument('<id>', 'container id')
    .argument('[ps-args...]', 'arguments for ps(1) (default -ef)')
    .option('-f, --format <format>', 'table or json (a list of host pids)', 'table')
    .passThroughOptions()
    .action(async (id: string, psArgs: string[], o: { format: string }, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const query = await import('../../runtime/query.js');
      if (o.format === 'json') printJson(await query.pids(ctx, id));
      else process.stdout.write(await query.psTable(ctx, id, psArgs[0] === '--' ? psArgs.slice(1) : psArgs));
    });
}
