import type { Command } from 'commander';
import { contextFor } from './common.js';

export function register(parent: Command): void {
  parent
    .command('start')
    .description('start a created container: its process runs the command in config.json')
    .argument('<id>', 'container id')
    .action(async (id: string, _o: object, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { start } = await import('../../runtime/start.js');
      await start(ctx, id);
    });
}
