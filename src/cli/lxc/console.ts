import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, existingContainer, NAME_OPTION } from './common.js';

export const command: CommandSpec = {
  name: 'console',
  summary: "attach this terminal to a running container's console or one of its ttys",
  description: 'Type Ctrl+a q to detach (Ctrl+a Ctrl+a sends Ctrl+a). The console is 0, ttys are 1..lxc.tty.max.',
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  options: [
    NAME_OPTION,
    { flags: '-t, --tty <n>', description: 'the tty number (0 = /dev/console)', default: '1' },
    { flags: '-e, --escape <char>', description: 'the escape character: Ctrl+<char> then q detaches', default: 'a' },
    ...COMMON_OPTIONS,
  ],
  async run(args, o) {
    const { name, store } = await existingContainer(args, o);
    const { runtimeFor, stateOf } = await import('../../core/state.js');
    const { CorralError } = await import('../../util/errors.js');
    const ctx = runtimeFor(store);
    const view = await stateOf(ctx, name);
    if (view.state !== 'RUNNING') throw new CorralError('BAD_STATE', `container "${name}" is ${view.state.toLowerCase()}, not running`);
    const { consoleClient } = await import('../../core/console.js');
    if (o.quiet !== true) process.stderr.write(`Connected to tty ${String(o.tty)}\nType <Ctrl+${String(o.escape)} q> to exit the console, <Ctrl+${String(o.escape)} Ctrl+${String(o.escape)}> to enter Ctrl+${String(o.escape)} itself\n`);
    return consoleClient(ctx, name, String(o.tty), String(o.escape));
  },
};
