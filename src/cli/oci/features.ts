import type { CommandSpec } from '../args.js';
import { printJson } from '../output.js';

export const command: CommandSpec = {
  name: 'features',
  summary: 'print the features this runtime implements, as JSON',
  async run() {
    const { features } = await import('../../runtime/features.js');
    printJson(features());
  },
};
