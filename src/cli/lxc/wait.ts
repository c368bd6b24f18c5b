import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, NAME_OPTION, nameFrom, storeFor } from './common.js';

export const command: CommandSpec = {
  name: 'wait',
  summary: 'wait until a container reaches one of the given states',
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  options: [
    NAME_OPTION,
    { flags: '-s, --state <states>', description: 'STATE or STATE|STATE: STOPPED, STARTING, RUNNING, FROZEN' },
    { flags: '-t, --timeout <seconds>', description: 'give up after this long (exit 1); default: wait forever' },
    ...COMMON_OPTIONS,
  ],
  async run(args, o) {
    const name = nameFrom(args, o);
    const { CorralError } = await import('../../util/errors.js');
    const wanted = String(o.state ?? '').toUpperCase().split('|').filter(Boolean);
    const known = ['STOPPED', 'STARTING', 'RUNNING', 'FROZEN', 'STOPPING', 'ABORTING', 'FREEZING', 'THAWED'];
    const bad = wanted.find((s) => !known.includes(s));
    if (wanted.length === 0 || bad) throw new CorralError('INVALID_ARGUMENT', bad ? `unknown state "${bad}"` : 'which state? give -s STATE', { hint: `states: ${known.join(', ')}` });
    const store = await storeFor(o);
    store.mustExist(name);
    const { runtimeFor, stateOf } = await import('../../core/state.js');
    const ctx = runtimeFor(store);
    const deadline = o.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + Number(o.timeout) * 1000;
    for (;;) {
      if (wanted.includes((await stateOf(ctx, name)).state)) return 0;
      if (Date.now() >= deadline) {
        throw new CorralError('BAD_STATE', `container "${name}" did not reach ${wanted.join('|')} within ${o.timeout}s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  },
};
