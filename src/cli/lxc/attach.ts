import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, existingContainer, NAME_OPTION } from './common.js';

export const command: CommandSpec = {
  name: 'attach',
  summary: 'run a command (default: a shell) inside a running container',
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  afterDashes: { name: 'command', description: 'the command to run, after --' },
  options: [
    NAME_OPTION,
    { flags: '--clear-env', description: 'start from an empty environment (container=lxc only)' },
    { flags: '--keep-env', description: "pass this terminal's whole environment in (LXC's default; ours is the container's)" },
    { flags: '-v, --set-var <VAR=VALUE>', description: 'set a variable (repeatable)', repeatable: true },
    { flags: '--keep-var <VAR>', description: 'pass this variable from here (repeatable)', repeatable: true },
    { flags: '-u, --uid <uid>', description: 'run as this uid inside the container' },
    { flags: '-g, --gid <gid>', description: 'run as this gid inside the container' },
    { flags: '-t, --tty', description: 'allocate a pty even when stdin is not a terminal' },
    { flags: '-T, --no-tty', description: 'never allocate a pty' },
    ...COMMON_OPTIONS,
  ],
  async run(args, o) {
    const { name, store } = await existingContainer(args, o);
    const { runtimeFor } = await import('../../core/state.js');
    const { attachContainer } = await import('../../core/attach.js');
    const { forwardSignals } = await import('../oci/common.js');
    const num = (v: unknown) => (typeof v === 'string' ? Number(v) : undefined);
    const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
    return attachContainer(runtimeFor(store), name, {
      command: args.command as string[],
      envMode: o.clearEnv ? 'clear' : o.keepEnv ? 'keep' : 'container',
      keepVars: (o.keepVar as string[] | undefined) ?? [],
      setVars: (o.setVar as string[] | undefined) ?? [],
      uid: num(o.uid),
      gid: num(o.gid),
      tty: o.noTty ? false : o.tty === true || interactive,
      onForeground: forwardSignals,
    });
  },
};
