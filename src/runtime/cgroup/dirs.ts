// Creating and removing cgroup directories, shared by every layout.
import { describeErrno, errnoOf, join, sleep } from './fsio.js';
import { CgroupError, type CgroupHost } from './types.js';

/** mkdir each missing level of `path` under `mount`; the new ones are pushed on `created`. */
export async function makeLevels(host: CgroupHost, mount: string, path: string, created: string[]): Promise<string> {
  let dir = mount;
  for (const part of path.split('/').filter(Boolean)) {
    dir = join(dir, part);
    if (await host.exists(dir)) continue;
    try {
      // recursive: a parent removed meanwhile (the last container under it went) comes back
      await host.mkdir(dir);
    } catch (err) {
      throw new CgroupError(`cannot create cgroup ${dir}: ${describeErrno(errnoOf(err))}`, {
        file: dir, ...(errnoOf(err) ? { errno: errnoOf(err)! } : {}), hint: 'cgroup directories need root or a delegated parent', cause: err,
      });
    }
    created.push(dir);
  }
  return dir;
}

/** Undo makeLevels after a failed create: deepest first; parents shared with others may stay. */
export async function removeCreated(host: CgroupHost, created: readonly string[]): Promise<Error | undefined> {
  const leaves = new Set(created.filter((d) => !created.some((o) => o.startsWith(d + '/'))));
  let failure: Error | undefined;
  for (const dir of [...created].reverse()) {
    try {
      await host.rmdir(dir);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT') continue;
      // a parent we made may meanwhile hold another container's cgroup: that is fine
      if (!leaves.has(dir) && (code === 'EBUSY' || code === 'ENOTEMPTY')) continue;
      failure ??= new CgroupError(`cannot remove ${dir} while undoing a failed create: ${describeErrno(code)}`, { file: dir, cause: err });
    }
  }
  return failure;
}

const RETRY_DELAYS = [10, 20, 40, 80, 160, 320, 400]; // ~1s: exiting tasks take a moment to leave

async function removeOnce(host: CgroupHost, dir: string): Promise<void> {
  let children: string[];
  try {
    children = await host.readdir(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return;
    throw err;
  }
  // child cgroups the container made for itself (systemd inside does) go first
  for (const child of children) await removeOnce(host, join(dir, child));
  try {
    await host.rmdir(dir);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw err;
  }
}

/** rmdir a cgroup and its sub-cgroups, retrying EBUSY for about a second. */
export async function removeTree(host: CgroupHost, dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await removeOnce(host, dir);
      return;
    } catch (err) {
      const code = errnoOf(err);
      const delay = RETRY_DELAYS[attempt];
      if (code === 'EBUSY' && delay !== undefined) {
        await sleep(host, delay);
        continue;
      }
      throw new CgroupError(`cannot remove cgroup ${dir}: ${describeErrno(code)}`, {
        file: dir, ...(code ? { errno: code } : {}),
        hint: code === 'EBUSY' ? 'processes are still in it: kill them first (killAll) and wait for them to exit' : 'check permissions on the cgroup filesystem',
        cause: err,
      });
    }
  }
}
