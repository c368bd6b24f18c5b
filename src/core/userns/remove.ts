// Removing what belongs to a container's root: an ordinary user may not unlink entries of
// directories owned by the subordinate ids, so `rm` runs as the namespace's root (LXC's
// lxc-destroy does the same through its userns_exec).
import { existsSync } from 'node:fs';
import { CorralError } from '../../util/errors.js';
import type { IdMap } from '../config/model.js';
import { usernsExec } from './exec.js';
import type { Person } from './subid.js';

export async function removeAsContainerRoot(dir: string, maps: readonly Omit<IdMap, 'pos'>[], who: Person): Promise<void> {
  if (!existsSync(dir)) return;
  const { code } = await usernsExec({ maps, who, argv: ['/bin/rm', '-rf', '--one-file-system', '--', dir], context: `remove ${dir}`, stdio: ['ignore', 'ignore', 'inherit'] });
  if (code !== 0 || existsSync(dir)) {
    throw new CorralError('INTERNAL', `could not remove ${dir} as the container's root (rm exit status ${code})`, { hint: `as root: rm -rf ${dir}` });
  }
}
