import type { Command } from 'commander';
import { contextFor } from './common.js';

export function register(parent: Command): void {
  parent
    .command('delete')
    .alias('rm')
    .description('delete a stopped container and everything it holds (cgroup, state)')
    .argument('<id>', 'container id')
    .option('-f, --force', 'kill the container first if it is still running')
    .action(async (id: string, o: { force?: boolean }, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { destroy } = await import('../../runtime/delete.js');
      await destroy(ctx, id, o.force);
    });
}
