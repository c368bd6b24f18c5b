import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, storeFor } from './common.js';

/** Not for users: what the monitor runs when a container's init has exited. */
export const command: CommandSpec = {
  name: 'internal',
  hidden: true,
  summary: "(used by the monitor) post-stop cleanup of a container",
  args: [
    { name: 'action', description: 'post-stop' },
    { name: 'name', description: 'container name' },
  ],
  options: COMMON_OPTIONS,
  async run(args, o) {
    const { CorralError } = await import('../../util/errors.js');
    if (args.action !== 'post-stop') throw new CorralError('INVALID_ARGUMENT', `unknown internal action "${String(args.action)}"`);
    const store = await storeFor(o);
    const { runtimeFor } = await import('../../core/state.js');
    const { postStop } = await import('../../core/post-stop.js');
    const { logLine } = await import('../output.js');
    await postStop(store, runtimeFor(store, { log: (level, msg) => logLine(level, msg) }), String(args.name), process.env.CORRAL_EXIT_FILE);
  },
};
