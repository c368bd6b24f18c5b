import type { Command } from 'commander';
import { contextFor } from './common.js';

export function register(parent: Command): void {
  parent
    .command('kill')
    .description('send a signal (default SIGTERM) to the container process')
    .argument('<id>', 'container id')
    .argument('[signal]', 'signal name or number, e.g. KILL, SIGTERM, 9', 'SIGTERM')
    .option('-a, --all', 'signal every process in the container, not only its init')
    .action(async (id: string, signal: string, o: { all?: boolean }, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { kill } = await import('../../runtime/kill.js');
      await kill(ctx, id, signal, o.all);
    });
}
