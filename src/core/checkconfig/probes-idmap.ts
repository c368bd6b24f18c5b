// Idmapped mounts: how root's unprivileged containers get a rootfs owned by their root
// without changing anything on disk (src/core/rootfs-idmap.ts). The kernel option says
// little (it is per filesystem since 5.12, tmpfs since 6.3), so the probe is the real thing:
// the helper's IDMAP_MOUNT (open_tree + mount_setattr(MOUNT_ATTR_IDMAP)) of a detached copy
// of the store's directory, into a new user namespace; nothing is ever attached anywhere.
import { result, type CheckContext, type CheckResult, type Host } from './types.js';

const BASE = { id: 'userns.idmapped', section: 'userns' as const, name: 'Idmapped mounts', required: false };

/** The store's directory, or the nearest parent that exists: the filesystem rootfses live on. */
async function probeDir(host: Host): Promise<string> {
  let dir = host.env.CORRAL_LXCPATH || '/var/lib/corral';
  while (dir !== '/' && !(await host.stat(dir))?.isDirectory) dir = dir.replace(/\/[^/]*$/, '') || '/';
  return dir;
}

export async function idmappedMountCheck(ctx: CheckContext): Promise<CheckResult> {
  if (ctx.host.uid !== 0) {
    return { ...BASE, status: 'ok', detail: 'not used by an ordinary user\'s containers (their template writes the rootfs as the container\'s root); only root can make them (CAP_SYS_ADMIN)' };
  }
  if (!ctx.host.idmapMount) return result({ ...BASE, status: 'unknown', detail: 'unknown (no probe on this host seam)' }, 'run corral checkconfig as root on the host itself');
  const dir = await probeDir(ctx.host);
  const probe = await ctx.host.idmapMount(dir);
  if (probe.kind === 'ok') return { ...BASE, status: 'ok', detail: `enabled (a detached idmapped copy of ${dir})` };
  const detail = probe.kind === 'fail' ? `missing on the filesystem of ${dir}: ${probe.why}` : `unknown: ${probe.why}`;
  return result({ ...BASE, status: probe.kind === 'fail' ? 'warning' : 'unknown', detail },
    'containers with lxc.idmap still start: their rootfs owners are shifted on disk once instead (kernel >= 5.12 and a filesystem with idmapped mounts avoid that)');
}
