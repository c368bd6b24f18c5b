import type { CommandSpec } from '../args.js';
import { printJson } from '../output.js';
import { contextFor } from './common.js';

export const command: CommandSpec = {
  name: 'state',
  summary: 'print the OCI state of a container as JSON',
  args: [{ name: 'id', description: 'container id' }],
  async run(args, o) {
    const ctx = await contextFor(o);
    const { state } = await import('../../runtime/query.js');
    printJson(await state(ctx, String(args.id)));
  },
};
