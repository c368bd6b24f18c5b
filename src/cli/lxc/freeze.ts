import type { CommandSpec } from '../args.js';
import { COMMON_OPTIONS, NAME_OPTION, nameFrom, storeFor } from './common.js';

function freezer(name: 'freeze' | 'unfreeze', summary: string): CommandSpec {
  return {
    name,
    summary,
    args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
    options: [NAME_OPTION, ...COMMON_OPTIONS],
    async run(args, o) {
      const id = nameFrom(args, o);
      const store = await storeFor(o);
      store.mustExist(id);
      const { runtimeFor } = await import('../../core/state.js');
      const { pause, resume } = await import('../../runtime/pause.js');
      await (name === 'freeze' ? pause : resume)(runtimeFor(store), id);
    },
  };
}

export const freezeCommand = freezer('freeze', 'freeze every process of a container');
export const unfreezeCommand = freezer('unfreeze', 'thaw a frozen container');
