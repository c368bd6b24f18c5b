import type { Command } from 'commander';
import { contextFor } from './common.js';

export function register(parent: Command): void {
  parent
    .command('pause')
    .description('freeze every process of a container')
    .argument('<id>', 'container id')
    .action(async (id: string, _o: object, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { pause } = await import('../../runtime/pause.js');
      await pause(ctx, id);
    });
  parent
    .command('resume')
    .description('thaw a paused container')
    .argument('<id>', 'container id')
    .action(async (id: string, _o: object, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { resume } = await import('../../runtime/pause.js');
      await resume(ctx, id);
    });
}
