import type { Command } from 'commander';
import { printJson } from '../output.js';
import { contextFor } from './common.js';

export function register(parent: Command): void {
  parent
    .command('state')
    .description('print the OCI state of a container as JSON')
    .argument('<id>', 'container id')
    .action(async (id: string, _o: object, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { state } = await import('../../runtime/query.js');
      printJson(await state(ctx, id));
    });
}
