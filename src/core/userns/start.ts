// The checks and choices of an ordinary user's `start`, made before anything is created:
// the container must have a user namespace whose map the user owns, a rootfs that belongs
// to the container's root, no network that needs host privileges, and no cgroup limits
// where no cgroup can be made (said once on stderr through the log).
import type { LogLevel, RuntimeContext } from '../../runtime/context.js';
import type { IdmapTools } from '../../runtime/plan/namespaces.js';
import { CorralError } from '../../util/errors.js';
import type { LxcConfig, NetDevice } from '../config/index.js';
import { hostIdOf, rootfsIsShifted } from '../rootfs-idmap.js';
import { callerPerson, isRootCaller, subidRanges } from './caller.js';
import { DELEGATION_HINT } from './cgroups.js';
import { UserRuntimeContext } from './context.js';
import { findIdmapTools } from './exec.js';
import { checkNoCgroupKeys, checkOwned, checkUserNetwork } from './policy.js';
import { defaultMap } from './subid.js';

export interface UserStart {
  idmapTools: IdmapTools;
}

/** undefined for root; else the tools that map the ids, after every check passed. */
export function prepareUserStart(ctx: RuntimeContext, name: string, config: LxcConfig, network: readonly NetDevice[], rootfs: string, log: (level: LogLevel, m: string) => void): UserStart | undefined {
  if (isRootCaller()) return undefined;
  const who = callerPerson();
  const ranges = subidRanges();
  if (config.idmaps.length === 0) {
    const d = defaultMap(who, ranges.subuid, ranges.subgid);
    const lines = 'missing' in d ? 'lxc.idmap = u 0 <first subuid> 65536 and g 0 <first subgid> 65536' : d.maps.map((m) => `lxc.idmap = ${m.type} 0 ${m.hostId} ${m.range}`).join(' and ');
    throw new CorralError('PERMISSION', `container "${name}" has no lxc.idmap: an ordinary user can start only containers with a user namespace`, { hint: `add ${lines} to its config (corral create adds them by itself)` });
  }
  checkOwned(config.idmaps, who, ranges);
  checkUserNetwork(name, network);
  if (!rootfsIsShifted(rootfs, config.idmaps)) {
    throw new CorralError('PERMISSION', `container "${name}": its rootfs ${rootfs} is not owned by the container's root (host uid ${hostIdOf(config.idmaps, 'u', 0)}), and an ordinary user can neither mount it idmapped nor change its owners`, {
      hint: 'make the container with corral create as this user (the template then writes the rootfs as the container\'s root), or have root chown the tree',
    });
  }
  if (ctx instanceof UserRuntimeContext) {
    const choice = ctx.cgroupChoice;
    if (choice.kind === 'none') {
      checkNoCgroupKeys(name, config, choice.why);
      log('warning', `container "${name}" runs without cgroup limits: ${choice.why}. To have them, ${DELEGATION_HINT}`);
    }
  }
  return { idmapTools: findIdmapTools() };
}
