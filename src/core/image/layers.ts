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
// (`.wh..wh..opq`) empties the directory of lower layers' entries first.
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, chmodSync, chownSync, type Stats } from 'node:fs';
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

function runTar(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    const tar = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    tar.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
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

/** Extract an archive into an empty directory with GNU tar, owners/modes/xattrs kept. */
export async function extractTo(archive: string, dir: string, compression: Compression): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const flag = compression === 'gzip' ? ['-z'] : compression === 'zstd' ? ['--zstd'] : [];
  const args = ['--numeric-owner', '--same-owner', '--xattrs', '--xattrs-include=*', '-xpf', archive, ...flag, '-C', dir];
  const r = await runTar(args);
  // GNU tar: 1 = some files differ (fine), 2 = fatal (also: a member it refused)
  if (r.code >= 2) throw new CorralError('INVALID_ARGUMENT', `extracting ${archive} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ') || `tar exit ${r.code}`}`);
}

/** Apply one layer on top of `rootfs`; `work` is an empty-able directory on the same filesystem. */
export async function applyLayer(archive: string, compression: Compression, rootfs: string, work: string): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  try {
    await extractTo(archive, work, compression);
    mergeDir(work, rootfs, '');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
