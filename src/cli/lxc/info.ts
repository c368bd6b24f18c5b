import type { CommandSpec } from '../args.js';
import { printJson } from '../output.js';
import { COMMON_OPTIONS, existingContainer, NAME_OPTION } from './common.js';

export const command: CommandSpec = {
  name: 'info',
  summary: "a container's state, PID, IP addresses and resource use",
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  options: [
    NAME_OPTION,
    { flags: '-s, --state', description: 'only the state' },
    { flags: '-p, --pid', description: 'only the PID' },
    { flags: '-i, --ips', description: 'only the IP addresses' },
    { flags: '-S, --stats', description: 'only the resource use' },
    { flags: '-H, --no-humanize', description: 'raw numbers instead of human units' },
    { flags: '--json', description: 'everything as JSON' },
    ...COMMON_OPTIONS,
  ],
  async run(args, o) {
    const { name, store } = await existingContainer(args, o);
    const { runtimeFor } = await import('../../core/state.js');
    const { containerInfo, formatInfo } = await import('../../core/info.js');
    const info = await containerInfo(runtimeFor(store), name);
    if (o.json) return void printJson(info);
    process.stdout.write(formatInfo(info, { state: o.state === true, pid: o.pid === true, ips: o.ips === true, stats: o.stats === true, raw: o.noHumanize === true }));
  },
};
