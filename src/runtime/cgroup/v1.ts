// cgroup v1 layout: one directory per mounted hierarchy, named ones (name=systemd) included,
// so tools that track processes by hierarchy (systemd, lxcfs) find the container too.
import { makeLevels } from './dirs.js';
import { join, readCg, readOptional, writeCg } from './fsio.js';
import type { CgroupHost, CgroupSystem } from './types.js';

/**
 * A new v1 cpuset has empty cpus/mems, and no task may join it until both are set: copy
 * them down from the parent at every level (the kernel does the same only with
 * cgroup.clone_children, which we do not rely on).
 */
async function inheritCpuset(host: CgroupHost, mount: string, path: string): Promise<void> {
  let parent = mount;
  for (const part of path.split('/').filter(Boolean)) {
    const dir = join(parent, part);
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if ((await readOptional(host, dir, file)) === '') await writeCg(host, dir, file, await readCg(host, parent, file));
    }
    parent = dir;
  }
}

/** mkdir the cgroup in every v1 hierarchy; returns hierarchy key -> dir. */
export async function makeV1Dirs(host: CgroupHost, system: CgroupSystem, path: string, created: string[]): Promise<Record<string, string>> {
  const dirs: Record<string, string> = {};
  for (const [key, mount] of Object.entries(system.v1)) {
    dirs[key] = await makeLevels(host, mount, path, created);
    if (key.split(',').includes('cpuset')) await inheritCpuset(host, mount, path);
  }
  return dirs;
}
