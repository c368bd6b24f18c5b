// Paths inside a rootfs as the container will see them, looked at from the host before the
// container exists: symlinks are followed inside the rootfs (an absolute target restarts at
// the rootfs, ".." stops at it), like runc's securejoin. Only used to decide what to plan;
// the helper resolves every path again with RESOLVE_IN_ROOT when it acts.
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const MAX_LINKS = 255;

/**
 * The container path `path` resolves to inside `root`: symlinks in the existing part
 * resolved, missing components appended as they are. Below a container path for which
 * `opaque` is true (covered by a mount, so the image's content there is not what the
 * container will see) nothing is looked at. Undefined after too many links.
 */
export function secureJoin(root: string, path: string, opaque: (path: string) => boolean = () => false): string | undefined {
  const todo = path.split('/').filter(Boolean).reverse();
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (name === '.') continue;
    if (name === '..') {
      done.pop();
      continue;
    }
    let isLink = false;
    try {
      isLink = !opaque('/' + [...done, name].join('/')) && lstatSync(join(root, ...done, name)).isSymbolicLink();
    } catch {
      // missing (or unreadable): nothing to follow, the name stays as it is
    }
    if (!isLink) {
      done.push(name);
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    const target = readlinkSync(join(root, ...done, name));
    if (target.startsWith('/')) done.length = 0;
    todo.push(...target.split('/').filter(Boolean).reverse());
  }
  return '/' + done.join('/');
}

/** The host path of an existing `path` inside `root` (symlinks followed in root), else undefined. */
export function resolveInRoot(root: string, path: string): string | undefined {
  const inside = secureJoin(root, path);
  if (inside === undefined) return undefined;
  const host = join(root, inside);
  try {
    lstatSync(host);
    return host;
  } catch {
    return undefined;
  }
}
