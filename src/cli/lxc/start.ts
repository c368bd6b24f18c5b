import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, NAME_OPTION, nameFrom, storeFor } from './common.js';

export const command: CommandSpec = {
  name: 'start',
  summary: "boot a container: its init as PID 1, the monitor in the background",
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  options: [
    NAME_OPTION,
    { flags: '-d, --daemon', description: 'run in the background (the default)' },
    { flags: '-F, --foreground', description: 'stay in the foreground with the console on this terminal' },
    { flags: '-L, --console-log <file>', description: 'log the console to this file' },
    { flags: '--debug', description: 'log every step of the native helper' },
    ...COMMON_OPTIONS,
  ],
  async run(args, o) {
    const name = nameFrom(args, o);
    const store = await storeFor(o);
    const { runtimeFor } = await import('../../core/state.js');
    const { startContainer } = await import('../../core/start.js');
    const { logLine } = await import('../output.js');
    const ctx = runtimeFor(store, { debug: o.debug === true, log: (level, msg) => logLine(level, msg) });
    return startContainer(store, ctx, name, {
      foreground: o.foreground === true,
      consoleLog: typeof o.consoleLog === 'string' ? o.consoleLog : undefined,
    });
  },
};
