import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, storeFor } from './common.js';

export const command: CommandSpec = {
  name: 'autostart',
  summary: 'start, shut down, kill or reboot the auto-started containers (lxc.start.auto), in lxc.start.order',
  description:
    'By default the containers with lxc.start.auto = 1 and no lxc.group are started, lower lxc.start.order first;\n' +
    'containers of the same order start together, and lxc.start.delay is waited after the wave that holds the\n' +
    'container. -s, -k and -r act in the reverse order. Exit status 1 if any container failed.',
  options: [
    { flags: '-k, --kill', description: 'kill the containers instead of starting them' },
    { flags: '-L, --list', description: 'list the affected containers and their delays, do nothing' },
    { flags: '-r, --reboot', description: 'reboot the containers instead of starting them' },
    { flags: '-s, --shutdown', description: 'shut the containers down instead of starting them' },
    { flags: '-a, --all', description: 'every group, the ungrouped included' },
    { flags: '-A, --ignore-auto', description: 'ignore lxc.start.auto: every container of the selected groups' },
    { flags: '-g, --groups <groups>', description: "groups to select, comma separated, in this order ('' or NULL: the ungrouped)" },
    { flags: '-t, --timeout <seconds>', description: 'shutdown/reboot: wait this long before killing', default: '60' },
    { flags: '--parallel <n>', description: 'at most this many containers at once', default: '16' },
    { flags: '--json', description: 'print the plan (-L) or the results as JSON' },
    ...COMMON_OPTIONS,
  ],
  async run(_args, o) {
    const store = await storeFor(o);
    const { autostart, autostartPlan } = await import('../../core/autostart.js');
    const action = o.kill === true ? 'kill' : o.shutdown === true ? 'shutdown' : o.reboot === true ? 'reboot' : 'start';
    const groups = typeof o.groups === 'string' ? o.groups.split(',').map((g) => (g === 'NULL' ? '' : g.trim())) : undefined;
    const selection = { all: o.all === true, ignoreAuto: o.ignoreAuto === true, ...(groups ? { groups } : {}) };
    if (o.list === true) {
      const waves = autostartPlan(store, { ...selection, action });
      if (o.json === true) process.stdout.write(`${JSON.stringify(waves, null, 2)}\n`);
      else for (const w of waves) w.names.forEach((n, i) => process.stdout.write(`${n} ${i === w.names.length - 1 ? w.delay : 0}\n`));
      return 0;
    }
    const { runtimeFor } = await import('../../core/state.js');
    const { logLine } = await import('../output.js');
    const quiet = o.quiet === true;
    const ctx = runtimeFor(store, { log: (level, msg) => (level === 'debug' || (quiet && level !== 'error') ? undefined : logLine(level, msg)) });
    const results = await autostart(store, ctx, {
      ...selection,
      action,
      timeout: Number(o.timeout),
      parallel: Number(o.parallel),
      onResult: (r) => {
        if (r.outcome === 'failed') process.stderr.write(`corral: ${r.name}: ${r.error}\n`);
      },
    });
    if (o.json === true) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return results.some((r) => r.outcome === 'failed') ? 1 : 0;
  },
};
