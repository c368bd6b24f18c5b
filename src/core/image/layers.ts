// Applying OCI image layers to a rootfs without ever writing outside it.
//
// Each layer is extracted by the system GNU tar into an empty staging directory beside the
// rootfs (same filesystem): in an empty directory GNU tar itself refuses `../` members,
// strips leading `/` and creates symlinks that are absolute or contain `..` only after
// every other member, so nothing in one archive can go through them. The staged tree is
// then moved into the rootfs entry by entry with rename(2) (owners, modes, xattrs, device
// nodes, hardlinks kept as they are), each parent path resolved *inside* the rootfs the
// way a chroot would (symlinks from lower layers followed, `..` and absolute targets
// clamped at the rootfs) — so a symlink of a lower layer cannot lead a file of an upper
// layer out. Whiteouts (`.wh.NAME`) delete what lower layers put there; an opaque marker
// (`.wh..wh..opq`) empties the directory of lower layers' entries first. A hard link to a
// file of a lower layer (which tar cannot make in the empty staging dir) gets its target
// linked in from the rootfs first, resolved inside it like every other path.
import { spawn } from 'node:child_process';
import { lstatSync, linkSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, rmdirSync, chmodSync, chownSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_LINKS = 40;

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * `rel` (components separated by /) resolved inside `root` as if `root` were `/`: every
 * symlink followed (relative to its directory, absolute ones from `root`), `..` never above
 * `root`. Components that do not exist are kept as they are. Returns the host path.
 */
export function resolveInRoot(root: string, rel: string): string {
  const stack: string[] = [];
  let todo = rel.split('/').filter((c) => c !== '' && c !== '.');
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      stack.pop();
      continue;
    }
    const st = lstatOrUndefined(join(root, ...stack, c));
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new CorralError('INVALID_ARGUMENT', `too many levels of symbolic links at /${[...stack, c].join('/')} in the image`);
      const target = readlinkSync(join(root, ...stack, c));
      if (target.startsWith('/')) stack.length = 0;
      todo = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...todo];
      continue;
    }
    stack.push(c);
  }
  return join(root, ...stack);
}

/** The host path for staged entry `rel`: its parent resolved in the root, its own name kept. */
function placeFor(root: string, rel: string): string {
  const i = rel.lastIndexOf('/');
  const parent = i < 0 ? root : resolveInRoot(root, rel.slice(0, i));
  const name = rel.slice(i + 1);
  return join(parent, name);
}

function ensureDir(path: string, like: Stats): void {
  const st = lstatOrUndefined(path);
  if (st && !st.isDirectory()) rmSync(path, { recursive: true, force: true });
  if (!st || !st.isDirectory()) mkdirSync(path);
  chownSync(path, like.uid, like.gid);
  chmodSync(path, like.mode & 0o7777);
}

function emptyDir(path: string): void {
  for (const e of readdirSync(path)) rmSync(join(path, e), { recursive: true, force: true });
}

/** Move the staged directory `rel` (relative to both trees) into the rootfs. */
function mergeDir(staging: string, root: string, rel: string): void {
  const entries = readdirSync(join(staging, rel), { withFileTypes: true });
  // a directory goes where the path leads in the root, through a lower layer's symlink too
  // (usr-merge: bin -> usr/bin), as containerd applies layers
  const target = rel === '' ? root : resolveInRoot(root, rel);
  if (rel !== '') ensureDir(target, lstatSync(join(staging, rel)));
  if (entries.some((e) => e.name === OPAQUE)) emptyDir(target);
  // whiteouts first: they delete what lower layers put there, never this layer's entries
  for (const e of entries) {
    if (e.name === OPAQUE || !e.name.startsWith(WHITEOUT)) continue;
    const victim = e.name.slice(WHITEOUT.length);
    if (victim === '' || victim === '.' || victim === '..') continue;
    rmSync(join(target, victim), { recursive: true, force: true });
  }
  for (const e of entries) {
    if (e.name.startsWith(WHITEOUT)) continue;
    const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      mergeDir(staging, root, childRel);
      continue;
    }
    const dest = placeFor(root, childRel);
    const existing = lstatOrUndefined(dest);
    if (existing) rmSync(dest, { recursive: true, force: true });
    renameSync(join(staging, childRel), dest);
  }
}

function runTar(args: string[], onStdout?: (chunk: string) => void): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    // C locale: applyLayer recognizes one of tar's messages, and listArchive parses its listing
    const tar = spawn('tar', args, { stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let err = '';
    tar.stdout?.setEncoding('utf8').on('data', (d: string) => onStdout?.(d));
    tar.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    tar.on('error', (e) => done({ code: 127, stderr: e.message }));
    tar.on('close', (c) => done({ code: c ?? 1, stderr: err }));
  });
}

export type Compression = 'none' | 'gzip' | 'zstd' | 'auto';

export function compressionOf(mediaType: string): Compression {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip') || mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip') return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  if (mediaType.endsWith('.tar') || mediaType.endsWith('.layer.v1.tar')) return 'none';
  return 'auto';
}

function decompressFlag(compression: Compression): string[] {
  return compression === 'gzip' ? ['-z'] : compression === 'zstd' ? ['--zstd'] : [];
}

function tarFailure(archive: string, r: { code: number; stderr: string }): CorralError {
  return new CorralError('INVALID_ARGUMENT', `extracting ${archive} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ') || `tar exit ${r.code}`}`);
}

async function extract(archive: string, dir: string, compression: Compression): Promise<{ code: number; stderr: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return runTar(['--numeric-owner', '--same-owner', '--xattrs', '--xattrs-include=*', '-xpf', archive, ...decompressFlag(compression), '-C', dir]);
}

/** Extract an archive into an empty directory with GNU tar, owners/modes/xattrs kept. */
export async function extractTo(archive: string, dir: string, compression: Compression): Promise<void> {
  const r = await extract(archive, dir, compression);
  // GNU tar: 1 = some files differ (fine), 2 = fatal (also: a member it refused)
  if (r.code >= 2) throw tarFailure(archive, r);
}

/** GNU tar's --quoting-style=c string body back to text (\\, \", \n ..., octal bytes). */
export function unquoteC(s: string): string {
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, '?': 63, "'": 39 };
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') {
      bytes.push(...Buffer.from(s[i]!, 'utf8'));
      continue;
    }
    const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1));
    if (oct) {
      bytes.push(parseInt(oct[0], 8) & 0xff);
      i += oct[0].length;
    } else {
      bytes.push(simple[s[++i] ?? ''] ?? 92);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A member name as a path relative to the archive root ("./a//b/" -> "a/b"). */
function normal(name: string): string {
  return name.split('/').filter((c) => c !== '' && c !== '.').join('/');
}

const LISTING = /^(.)[^"]*"((?:[^"\\]|\\.)*)"(?: (?:link to|->) "((?:[^"\\]|\\.)*)")?$/;

/** Every member of an archive, and which of them are hard links to what. */
export async function listArchive(archive: string, compression: Compression): Promise<{ members: Set<string>; links: { name: string; target: string }[] }> {
  const members = new Set<string>();
  const links: { name: string; target: string }[] = [];
  let partial = '';
  const line = (l: string) => {
    const m = LISTING.exec(l);
    if (!m) return;
    const name = normal(unquoteC(m[2]!));
    members.add(name);
    if (m[1] === 'h' && m[3] !== undefined) links.push({ name, target: normal(unquoteC(m[3])) });
  };
  const r = await runTar(['--numeric-owner', '--quoting-style=c', '-tvf', archive, ...decompressFlag(compression)], (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(line);
  });
  line(partial);
  if (r.code >= 2) throw tarFailure(archive, r);
  return { members, links };
}

/**
 * Hard links to files of lower layers: GNU tar can only link to what it extracted itself,
 * so each such target is first linked from the rootfs (its parent resolved inside the rootfs,
 * its own name not followed, as link(2) does) into the staging dir under its archive name;
 * tar then links to that. Helper dirs copy the rootfs dir's owner and mode, so merging them
 * changes nothing. Returns what to take away again before the merge.
 */
function stageLinkTargets(rootfs: string, work: string, listing: Awaited<ReturnType<typeof listArchive>>): { files: string[]; dirs: string[] } {
  const made = { files: [] as string[], dirs: [] as string[] };
  for (const { name, target } of listing.links) {
    if (listing.members.has(target) || target === '' || target.split('/').includes('..')) continue;
    const from = placeFor(rootfs, target);
    const st = lstatOrUndefined(from);
    if (!st || st.isDirectory()) throw new CorralError('INVALID_ARGUMENT', `the layer's hard link /${name} points to /${target}, which no lower layer has as a file`);
    const parts = target.split('/');
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (lstatOrUndefined(join(work, rel))) continue;
      const like = lstatOrUndefined(resolveInRoot(rootfs, rel));
      mkdirSync(join(work, rel), { mode: 0o755 });
      if (like?.isDirectory()) {
        chownSync(join(work, rel), like.uid, like.gid);
        chmodSync(join(work, rel), like.mode & 0o7777);
      }
      if (!listing.members.has(rel)) made.dirs.unshift(rel);
    }
    if (lstatOrUndefined(join(work, target))) continue;
    try {
      linkSync(from, join(work, target));
    } catch (e) {
      throw new CorralError('INVALID_ARGUMENT', `cannot link /${target} for the layer's hard link /${name}: ${(e as Error).message}`, { hint: 'the rootfs and the container directory must be on one filesystem' });
    }
    made.files.push(target);
  }
  return made;
}

function unstage(work: string, made: { files: string[]; dirs: string[] }): void {
  for (const f of made.files) rmSync(join(work, f), { force: true });
  for (const d of made.dirs) {
    try {
      rmdirSync(join(work, d));
    } catch {
      // the layer put something in it (its own files, the link): it stays, like the rootfs dir
    }
  }
}

/** Apply one layer on top of `rootfs`; `work` is an empty-able directory on the same filesystem. */
export async function applyLayer(archive: string, compression: Compression, rootfs: string, work: string): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  try {
    const r = await extract(archive, work, compression);
    if (r.code >= 2) {
      if (!/Cannot hard link/.test(r.stderr)) throw tarFailure(archive, r);
      const listing = await listArchive(archive, compression);
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work, { mode: 0o700 });
      const made = stageLinkTargets(rootfs, work, listing);
      const again = await extract(archive, work, compression);
      if (again.code >= 2) throw tarFailure(archive, again);
      unstage(work, made);
    }
    mergeDir(work, rootfs, '');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
