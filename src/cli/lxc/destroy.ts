import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, NAME_OPTION, nameFrom, storeFor } from './common.js';

export const command: CommandSpec = {
  name: 'destroy',
  summary: 'remove a container and its rootfs',
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  options: [NAME_OPTION, { flags: '-f, --force', description: 'stop (kill) it first if it is running' }, ...COMMON_OPTIONS],
  async run(args, o) {
    const name = nameFrom(args, o);
    const store = await storeFor(o);
    const { runtimeFor } = await import('../../core/state.js');
    const { destroyContainer } = await import('../../core/destroy.js');
    const kept = await destroyContainer(store, runtimeFor(store), name, o.force === true);
    if (kept && o.quiet !== true) process.stderr.write(`corral: note: the rootfs ${kept} lies outside the container directory and was kept\n`);
    if (o.quiet !== true) process.stdout.write(`Destroyed container ${name}\n`);
  },
};
