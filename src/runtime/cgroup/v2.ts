// cgroup v2 layout: one tree. A controller is usable in a cgroup only when every ancestor
// lists it in cgroup.subtree_control, so we enable what we want level by level from the
// root. We write only what is missing: on a systemd host the top levels already have
// cpu/io/memory/pids and we must not touch cgroups that are not ours without need.
import { makeLevels } from './dirs.js';
import { join, readOptional, writeCg } from './fsio.js';
import { CgroupError, type CgroupHost } from './types.js';

/** Enabled where available even without limits, so stats work (as runc enables all); never an error. */
export const DEFAULT_V2_CONTROLLERS = ['cpu', 'io', 'memory', 'pids'];

const words = (s: string | undefined): Set<string> => new Set((s ?? '').split(/\s+/).filter(Boolean));

async function enableAt(host: CgroupHost, dir: string, wanted: Set<string>, needed: Set<string>): Promise<void> {
  const available = words(await readOptional(host, dir, 'cgroup.controllers'));
  const enabled = words(await readOptional(host, dir, 'cgroup.subtree_control'));
  for (const c of [...wanted]) {
    if (enabled.has(c)) continue;
    if (!available.has(c)) {
      if (needed.has(c)) {
        throw new CgroupError(`the ${c} controller is not available in ${dir} (cgroup.controllers: "${[...available].join(' ')}")`, {
          file: join(dir, 'cgroup.controllers'), hint: `enable ${c} in the parent's cgroup.subtree_control, or drop the limits that need it`,
        });
      }
      wanted.delete(c); // cannot be enabled further down either
      continue;
    }
    try {
      await writeCg(host, dir, 'cgroup.subtree_control', `+${c}`,
        'a cgroup with processes of its own cannot pass domain controllers down ("no internal processes" rule): choose a cgroupsPath under a cgroup without processes');
    } catch (err) {
      if (needed.has(c)) throw err;
      wanted.delete(c);
    }
  }
}

/**
 * Enable `wanted` controllers in every ancestor of `path` (the root included, the leaf
 * not); failing to enable one of `needed` is an error, the rest is best effort.
 */
export async function enableUnifiedControllers(
  host: CgroupHost, mount: string, path: string, wanted: readonly string[], needed: readonly string[],
): Promise<void> {
  const want = new Set([...wanted, ...needed]);
  const need = new Set(needed);
  let dir = mount;
  for (const part of path.split('/').filter(Boolean)) {
    if (want.size === 0) break;
    await enableAt(host, dir, want, need);
    dir = join(dir, part);
  }
}

/** mkdir the cgroup under the cgroup2 mount, then enable the controllers down to it. */
export async function makeUnifiedDir(
  host: CgroupHost, mount: string, path: string, wanted: readonly string[], needed: readonly string[], created: string[],
): Promise<string> {
  const leaf = await makeLevels(host, mount, path, created);
  await enableUnifiedControllers(host, mount, path, wanted, needed);
  return leaf;
}
