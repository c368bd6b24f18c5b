// An in-memory ConfigFs: a map of absolute path -> text, with directories implied by the
// paths (and "dir/" entries for empty ones). For tests and for checking a config that is
// not on disk yet.
import { posix } from 'node:path';
import type { ConfigFs } from './loader.js';

export function memoryFs(files: Record<string, string>): ConfigFs {
  const norm = (p: string): string => posix.normalize(p).replace(/(.)\/$/, '$1');
  const texts = new Map<string, string>();
  const dirs = new Set<string>(['/']);
  for (const [path, text] of Object.entries(files)) {
    const isDir = path.endsWith('/');
    const p = norm(path);
    if (!isDir) texts.set(p, text);
    for (let d = isDir ? p : posix.dirname(p); ; d = posix.dirname(d)) {
      dirs.add(d);
      if (d === '/' || d === '.') break;
    }
  }
  const enoent = (p: string): Error => Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return {
    kind: (p) => (texts.has(norm(p)) ? 'file' : dirs.has(norm(p)) ? 'dir' : undefined),
    readFile(p) {
      const text = texts.get(norm(p));
      if (text === undefined) throw enoent(p);
      return text;
    },
    readDir(p) {
      const d = norm(p);
      if (!dirs.has(d)) throw enoent(p);
      const names = new Set<string>();
      for (const path of [...texts.keys(), ...dirs]) {
        if (path !== d && posix.dirname(path) === d) names.add(posix.basename(path));
      }
      return [...names];
    },
    realpath: (p) => norm(p),
  };
}
