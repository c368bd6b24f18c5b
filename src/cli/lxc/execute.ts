import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, existingContainer, NAME_OPTION } from './common.js';

export const command: CommandSpec = {
  name: 'execute',
  summary: 'run one command as an application container (a minimal init as PID 1)',
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  afterDashes: { name: 'command', description: 'the command, after --' },
  options: [NAME_OPTION, ...COMMON_OPTIONS],
  async run(args, o) {
    const { name, store } = await existingContainer(args, o);
    const { runtimeFor } = await import('../../core/state.js');
    const { executeContainer } = await import('../../core/execute.js');
    const { forwardSignals } = await import('../oci/common.js');
    const { logLine } = await import('../output.js');
    return executeContainer(store, runtimeFor(store, { log: (l, m) => logLine(l, m) }), name, { command: args.command as string[], onForeground: forwardSignals });
  },
};
