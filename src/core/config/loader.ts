// Reading config files: the global defaults first, then the container's config, with every
// lxc.include expanded in place (a file, or a directory's *.conf files in name order),
// relative include paths taken from the including file's directory, and include cycles
// reported rather than followed. Only regular files below a size limit are read, so a
// stray include of /dev/zero or a FIFO cannot hang or exhaust the process.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fail, type Problems, type SourcePos } from './errors.js';
import { clip, lexConfig } from './lexer.js';

/** The file-system seam: the real one below, an in-memory one in tests. */
export interface ConfigFs {
  /** undefined when the path does not exist */
  kind(path: string): 'file' | 'dir' | 'other' | undefined;
  /** a regular file's text; throws if it cannot be read */
  readFile(path: string): string;
  readDir(path: string): string[];
  /** the canonical path (symlinks resolved), used to detect include cycles */
  realpath(path: string): string;
}

const MAX_FILE = 1024 * 1024;
const MAX_DEPTH = 32;

function errnoMessage(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

export const nodeFs: ConfigFs = {
  kind(path) {
    try {
      const st = statSync(path);
      return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
    } catch {
      return undefined;
    }
  },
  readFile(path) {
    const st = statSync(path);
    if (!st.isFile()) fail(`${path} is not a regular file`);
    if (st.size > MAX_FILE) fail(`${path} is larger than ${MAX_FILE / 1024} KiB; not a config file`);
    return readFileSync(path, 'utf8');
  },
  readDir: (path) => readdirSync(path),
  realpath: (path) => realpathSync(path),
};

export interface RawEntry {
  key: string;
  value: string;
  pos: SourcePos;
}

interface ReadState {
  fs: ConfigFs;
  problems: Problems;
  /** canonical paths of the files being read, outermost first */
  stack: string[];
}

/** Read one file's text, reporting failures against the line that asked for it. */
export function readText(fs: ConfigFs, path: string, problems: Problems, from?: SourcePos, key?: string): string | undefined {
  try {
    return fs.readFile(path);
  } catch (err) {
    problems.add(from, key, `cannot read ${path}: ${errnoMessage(err)}`);
    return undefined;
  }
}

function safeKind(fs: ConfigFs, path: string): ReturnType<ConfigFs['kind']> {
  try {
    return fs.kind(path);
  } catch {
    return undefined;
  }
}

function includeTarget(value: string, pos: SourcePos, st: ReadState): RawEntry[] {
  const path = resolve(dirname(pos.file), value);
  const kind = safeKind(st.fs, path);
  if (kind === undefined) {
    st.problems.add(pos, 'lxc.include', `cannot include ${clip(path)}: no such file or directory`);
    return [];
  }
  if (kind === 'other') {
    st.problems.add(pos, 'lxc.include', `cannot include ${clip(path)}: not a regular file or directory`);
    return [];
  }
  if (kind === 'file') return readFileEntries(path, st, pos);
  let names: string[];
  try {
    names = st.fs.readDir(path).filter((n) => n.endsWith('.conf')).sort();
  } catch (err) {
    st.problems.add(pos, 'lxc.include', `cannot list ${clip(path)}: ${errnoMessage(err)}`);
    return [];
  }
  return names.flatMap((n) => {
    const child = join(path, n);
    return safeKind(st.fs, child) === 'file' ? readFileEntries(child, st, pos) : [];
  });
}

/** The entries of one config text, includes expanded. */
export function textEntries(text: string, file: string, st: ReadState): RawEntry[] {
  const out: RawEntry[] = [];
  for (const line of lexConfig(text)) {
    const pos = { file, line: line.line };
    if (line.kind === 'invalid') st.problems.add(pos, undefined, line.error ?? 'invalid line');
    if (line.kind !== 'entry') continue;
    const entry = { key: line.key!, value: line.value!, pos };
    out.push(entry);
    if (entry.key === 'lxc.include' && entry.value !== '') out.push(...includeTarget(entry.value, pos, st));
  }
  return out;
}

function readFileEntries(path: string, st: ReadState, from?: SourcePos): RawEntry[] {
  let real = path;
  try {
    real = st.fs.realpath(path);
  } catch {
    // unreadable: readText below reports it
  }
  if (st.stack.includes(real)) {
    st.problems.add(from, 'lxc.include', `include cycle: ${[...st.stack.slice(st.stack.indexOf(real)), real].join(' -> ')}`);
    return [];
  }
  if (st.stack.length >= MAX_DEPTH) {
    st.problems.add(from, 'lxc.include', `includes nested more than ${MAX_DEPTH} deep`);
    return [];
  }
  const text = readText(st.fs, path, st.problems, from, from ? 'lxc.include' : undefined);
  if (text === undefined) return [];
  st.stack.push(real);
  try {
    return textEntries(text, path, st);
  } finally {
    st.stack.pop();
  }
}

export interface SourceSpec {
  fs: ConfigFs;
  problems: Problems;
  /** global defaults, applied first; a missing file is not an error */
  defaults?: string;
}

/** All entries: the defaults file's, then `file`'s (or `text`'s, named `file`). */
export function readAllEntries(src: SourceSpec, file: string, text?: string): RawEntry[] {
  const st: ReadState = { fs: src.fs, problems: src.problems, stack: [] };
  const out: RawEntry[] = [];
  if (src.defaults && safeKind(src.fs, src.defaults) !== undefined) out.push(...readFileEntries(src.defaults, st));
  if (text === undefined) {
    out.push(...readFileEntries(file, st));
  } else {
    st.stack.push(resolve(file));
    out.push(...textEntries(text, file, st));
  }
  return out;
}
