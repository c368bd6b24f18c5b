// Hybrid layout (v1 controllers plus a cgroup2 mount, usually /sys/fs/cgroup/unified): the
// container gets a v1 directory per hierarchy, where its limits go, and a cgroup2 directory
// too, which systemd uses to track processes and where cgroup.kill, cgroup.freeze and eBPF
// programs work. Only controllers that v1 lacks and the resources need are enabled on
// cgroup2, so a hybrid host's unified tree is otherwise left as it is.
import { makeUnifiedDir } from './v2.js';
import { makeV1Dirs } from './v1.js';
import type { CgroupHost, CgroupSystem } from './types.js';

export async function makeHybridDirs(
  host: CgroupHost, system: CgroupSystem, path: string, neededV2: readonly string[], created: string[],
): Promise<{ dirs: Record<string, string>; unifiedDir?: string }> {
  const dirs = await makeV1Dirs(host, system, path, created);
  if (!system.unified) return { dirs };
  const unifiedDir = await makeUnifiedDir(host, system.unified, path, [], neededV2, created);
  return { dirs, unifiedDir };
}
