// lxc-cgroup: read or set one cgroup file of a running container, by controller file name.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupPaths } from '../runtime/cgroup/index.js';
import { CorralError } from '../util/errors.js';

function fileFor(paths: CgroupPaths, key: string): string {
  if (!/^[a-z0-9_]+\.[a-z0-9_.]+$/.test(key)) {
    throw new CorralError('INVALID_ARGUMENT', `"${key}" is not a cgroup file name`, { hint: 'e.g. memory.limit_in_bytes (v1) or memory.max (v2)' });
  }
  const controller = key.slice(0, key.indexOf('.'));
  const v1 = Object.entries(paths.dirs).find(([k]) => k.split(',').includes(controller));
  if (v1) return join(v1[1], key);
  if (paths.unifiedDir) return join(paths.unifiedDir, key);
  throw new CorralError('NOT_FOUND', `no ${controller} controller for this container`);
}

export function readCgroupFile(paths: CgroupPaths, key: string): string {
  const file = fileFor(paths, key);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CorralError('NOT_FOUND', `cannot read ${key}: ${(err as Error).message}`, { hint: `the file is ${file}` });
  }
}

export function writeCgroupFile(paths: CgroupPaths, key: string, value: string): void {
  const file = fileFor(paths, key);
  try {
    writeFileSync(file, value);
  } catch (err) {
    throw new CorralError('INVALID_ARGUMENT', `cannot set ${key} to "${value}": ${(err as Error).message}`, { hint: `the file is ${file}` });
  }
}
