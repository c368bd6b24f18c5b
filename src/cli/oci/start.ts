import type { CommandSpec } from '../args.js';
import { contextFor } from './common.js';

export const command: CommandSpec = {
  name: 'start',
  summary: 'start a created container: its process runs the command in config.json',
  args: [{ name: 'id', description: 'container id' }],
  async run(args, o) {
    const ctx = await contextFor(o);
    const { start } = await import('../../runtime/start.js');
    await start(ctx, String(args.id));
  },
};
