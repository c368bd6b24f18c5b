import type { Command } from 'commander';
import { printJson } from '../output.js';

export function register(parent: Command): void {
  parent
    .command('features')
    .description('print the features this runtime implements, as JSON')
    .action(async () => {
      const { features } = await import('../../runtime/features.js');
      printJson(features());
    });
}
