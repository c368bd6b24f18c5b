import type { CommandSpec } from '../args.js';
import { contextFor } from './common.js';

export const command: CommandSpec = {
  name: 'delete',
  aliases: ['rm'],
  summary: 'delete a stopped container and everything it holds (cgroup, state)',
  args: [{ name: 'id', description: 'container id' }],
  options: [{ flags: '-f, --force', description: 'kill the container first if it is still running' }],
  async run(args, o) {
    const ctx = await contextFor(o);
    const { destroy } = await import('../../runtime/delete.js');
    await destroy(ctx, String(args.id), o.force === true);
  },
};
