import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, storeFor } from './common.js';

/**
 * Not for users: what the monitor runs when a container's init has exited (post-stop), and
 * an ordinary user's template run as the root of the container's user namespace (template).
 */
export const command: CommandSpec = {
  name: 'internal',
  hidden: true,
  summary: "(used by the monitor) post-stop cleanup of a container",
  args: [
    { name: 'action', description: 'post-stop or template' },
    { name: 'name', description: 'container name' },
  ],
  afterDashes: { name: 'template-args', description: 'arguments for the template' },
  options: [
    ...COMMON_OPTIONS,
    { flags: '--path <dir>', description: 'template: the container directory' },
    { flags: '--rootfs <dir>', description: 'template: the rootfs to fill' },
    { flags: '--template <name>', description: 'template: which one' },
  ],
  async run(args, o) {
    const { CorralError } = await import('../../util/errors.js');
    if (args.action === 'template') {
      const { templateInNamespace } = await import('../../core/userns/template.js');
      const { progressPrinter, endProgress } = await import('./common.js');
      const job = { name: String(args.name), path: String(o.path), rootfs: String(o.rootfs), template: String(o.template), args: (args.templateArgs as string[] | undefined) ?? [] };
      try {
        process.stdout.write(await templateInNamespace(job, progressPrinter(false)));
      } finally {
        endProgress(false);
      }
      return;
    }
    if (args.action !== 'post-stop') throw new CorralError('INVALID_ARGUMENT', `unknown internal action "${String(args.action)}"`);
    const store = await storeFor(o);
    const { runtimeFor } = await import('../../core/state.js');
    const { postStop } = await import('../../core/post-stop.js');
    const { logLine } = await import('../output.js');
    await postStop(store, runtimeFor(store, { log: (level, msg) => logLine(level, msg) }), String(args.name), process.env.CORRAL_EXIT_FILE);
  },
};
