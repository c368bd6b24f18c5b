// Checks that a container left nothing behind: state dir, cgroup dirs, host mounts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function cgroupDirsOf(id: string, parent = 'corral'): string[] {
  const found: string[] = [];
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', hierarchy, parent, id);
    if (existsSync(dir)) found.push(dir);
  }
  if (existsSync(join('/sys/fs/cgroup', parent, id))) found.push(join('/sys/fs/cgroup', parent, id));
  return found;
}

export function hostMountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp.startsWith(path));
}

export function leftovers(root: string, id: string, bundle: string): string[] {
  const out: string[] = [];
  if (existsSync(join(root, id))) out.push(`state dir ${join(root, id)}`);
  for (const d of cgroupDirsOf(id)) out.push(`cgroup ${d}`);
  for (const m of hostMountsUnder(bundle)) out.push(`mount ${m}`);
  return out;
}
