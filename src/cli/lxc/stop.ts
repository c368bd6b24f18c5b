import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, existingContainer, NAME_OPTION } from './common.js';

export const command: CommandSpec = {
  name: 'stop',
  summary: "stop a container: its halt signal, then SIGKILL after the timeout",
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  options: [
    NAME_OPTION,
    { flags: '-t, --timeout <seconds>', description: 'wait this long for a clean halt before killing (-1: forever)', default: '60' },
    { flags: '-k, --kill', description: 'kill at once (SIGKILL), no clean shutdown' },
    { flags: '-r, --reboot', description: 'ask the container to reboot' },
    { flags: '-W, --nowait', description: 'send the signal and return' },
    { flags: '--nokill', description: 'never kill: fail if the timeout passes' },
    ...COMMON_OPTIONS,
  ],
  async run(args, o) {
    const { name, store } = await existingContainer(args, o);
    const { runtimeFor } = await import('../../core/state.js');
    const { stopContainer } = await import('../../core/stop.js');
    // -k (without -r) needs neither signal of the config: it is not even parsed
    const launch = o.kill === true && o.reboot !== true ? { haltSignal: 'SIGKILL', rebootSignal: 'SIGKILL' } : (await import('../../core/launch.js')).launchOf(store, name);
    await stopContainer(runtimeFor(store), name, {
      kill: o.kill === true,
      reboot: o.reboot === true,
      timeout: Number(o.timeout),
      noWait: o.nowait === true,
      noKill: o.nokill === true,
      haltSignal: launch.haltSignal,
      rebootSignal: launch.rebootSignal,
    });
  },
};
