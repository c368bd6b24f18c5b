import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, NAME_OPTION, storeFor } from './common.js';

export const command: CommandSpec = {
  name: 'cgroup',
  summary: "read or set a live cgroup value of a running container (e.g. memory.limit_in_bytes)",
  args: [
    { name: 'name-or-key', description: 'NAME KEY [VALUE], or KEY [VALUE] with -n NAME' },
    { name: 'rest', description: 'KEY and/or VALUE', variadic: true },
  ],
  options: [NAME_OPTION, ...COMMON_OPTIONS],
  async run(args, o) {
    const { CorralError } = await import('../../util/errors.js');
    const words = [args.nameOrKey as string, ...(args.rest as string[])];
    const name = typeof o.name === 'string' ? o.name : words.shift();
    const [key, value] = words;
    if (!name || !key) throw new CorralError('INVALID_ARGUMENT', 'give a container and a cgroup key', { hint: 'corral cgroup -n NAME memory.limit_in_bytes [VALUE]' });
    const store = await storeFor(o);
    store.mustExist(name);
    const { runtimeFor, stateOf } = await import('../../core/state.js');
    const view = await stateOf(runtimeFor(store), name);
    if (view.state === 'STOPPED' || !view.record?.cgroup) throw new CorralError('BAD_STATE', `container "${name}" is not running`);
    const { readCgroupFile, writeCgroupFile } = await import('../../core/cgroup-file.js');
    if (value === undefined) process.stdout.write(readCgroupFile(view.record.cgroup, key));
    else writeCgroupFile(view.record.cgroup, key, value);
  },
};
