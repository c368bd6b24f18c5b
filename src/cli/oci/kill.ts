import type { CommandSpec } from '../args.js';
import { contextFor } from './common.js';

export const command: CommandSpec = {
  name: 'kill',
  summary: 'send a signal (default SIGTERM) to the container process',
  args: [
    { name: 'id', description: 'container id' },
    { name: 'signal', description: 'signal name or number, e.g. KILL, SIGTERM, 9 (default SIGTERM)', optional: true },
  ],
  options: [{ flags: '-a, --all', description: 'signal every process in the container, not only its init' }],
  async run(args, o) {
    const ctx = await contextFor(o);
    const { kill } = await import('../../runtime/kill.js');
    await kill(ctx, String(args.id), args.signal as string | undefined, o.all === true);
  },
};
