// The simplestreams protocol of LXC/Incus image servers (pure: JSON in, choices out).
//
// <server>/streams/v1/index.json ("index:1.0") names product catalogs; the one with
// datatype "image-downloads" (key "images") points at e.g. streams/v1/images.json
// ("products:1.0"): products keyed "os:release:arch:variant", each with versions named by
// build ("YYYYMMDD_HH:MM") whose items are the files of that build — a metadata tarball
// (ftype incus.tar.xz / lxd.tar.xz) and a root filesystem (root.tar.xz, squashfs) or a
// VM disk we have no use for. Every item carries a path, a size and a sha256.
import { CorralError } from '../../util/errors.js';

export interface StreamItem {
  /** the item's key in the version ("rootfs.tar.xz") */
  name: string;
  ftype: string;
  /** relative to the server's base URL */
  path: string;
  size: number;
  sha256: string;
}

export interface ImageBuild {
  dist: string;
  release: string;
  arch: string;
  variant: string;
  build: string;
  meta: StreamItem;
  root: StreamItem;
  rootKind: 'tar.xz' | 'squashfs';
  /** the other ftypes this build offers (VM disks, deltas), for error messages */
  others: string[];
}

export interface ImageQuery {
  dist: string;
  release: string;
  arch: string;
  variant: string;
}

const META_FTYPES = ['incus.tar.xz', 'lxd.tar.xz', 'meta.tar.xz'];
/** Root filesystems we can use, best first. */
const ROOT_FTYPES: { ftype: string; kind: ImageBuild['rootKind'] }[] = [
  { ftype: 'root.tar.xz', kind: 'tar.xz' },
  { ftype: 'rootfs.tar.xz', kind: 'tar.xz' },
  { ftype: 'squashfs', kind: 'squashfs' },
  { ftype: 'root.squashfs', kind: 'squashfs' },
];
const SHA256 = /^[0-9a-f]{64}$/;
/** A name in a product key: what can be a path component in the cache safely. */
const WORD = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const BUILD = /^[0-9A-Za-z][0-9A-Za-z_:.+-]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(what: string, detail: string): CorralError {
  return new CorralError('INVALID_ARGUMENT', `the image server's ${what} is not valid simplestreams: ${detail}`, {
    hint: 'check --server: it must be the base URL of a simplestreams image server (e.g. https://images.linuxcontainers.org)',
  });
}

/** A path from the server: relative, no `..`, no scheme — it is appended to the base URL. */
export function safeRelativePath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.includes('\\') || /^[a-z]+:/i.test(path)) return undefined;
  if (path.split('/').some((c) => c === '..' || c === '.' || c === '')) return undefined;
  return path;
}

/** The products file's path from index.json. */
export function imagesPathFromIndex(doc: unknown): string {
  if (!isObject(doc) || doc.format !== 'index:1.0' || !isObject(doc.index)) throw bad('index.json', 'no "format": "index:1.0" with an "index" object');
  const entries = Object.entries(doc.index).filter((e): e is [string, Record<string, unknown>] => isObject(e[1]));
  const pick = entries.find(([, v]) => v.datatype === 'image-downloads') ?? entries.find(([k]) => k === 'images');
  if (!pick) throw bad('index.json', `no "image-downloads" catalog (it has: ${entries.map(([k]) => k).join(', ') || 'nothing'})`);
  const path = safeRelativePath(pick[1].path);
  if (!path) throw bad('index.json', `catalog "${pick[0]}" has no usable relative path (${JSON.stringify(pick[1].path)})`);
  return path;
}

/** An item's key names its file in the cache: a plain name that cannot collide with ours. */
const ITEM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const isItemName = (n: string) => ITEM_NAME.test(n) && n !== 'complete' && !/\.(part|tmp)$/.test(n);

function parseItem(name: string, v: unknown): StreamItem | undefined {
  if (!isObject(v) || !isItemName(name)) return undefined;
  const path = safeRelativePath(v.path);
  const sha256 = typeof v.sha256 === 'string' ? v.sha256.toLowerCase() : '';
  const size = v.size;
  if (!path || !SHA256.test(sha256) || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  return { name, ftype: typeof v.ftype === 'string' ? v.ftype : name, path, size, sha256 };
}

/** One build's usable pair (meta + root), or undefined when it has none. */
export function pickItems(items: Record<string, unknown>): { meta: StreamItem; root: StreamItem; rootKind: ImageBuild['rootKind']; others: string[] } | undefined {
  const parsed = Object.entries(items).map(([k, v]) => parseItem(k, v)).filter((i): i is StreamItem => i !== undefined);
  const meta = META_FTYPES.map((f) => parsed.find((i) => i.ftype === f || i.name === f)).find(Boolean);
  for (const r of ROOT_FTYPES) {
    const root = parsed.find((i) => i.ftype === r.ftype || i.name === r.ftype);
    if (meta && root) return { meta, root, rootKind: r.kind, others: parsed.filter((i) => i !== meta && i !== root).map((i) => i.ftype) };
  }
  return undefined;
}

function productFields(key: string, p: Record<string, unknown>): ImageQuery | undefined {
  const parts = key.split(':');
  const str = (v: unknown, fallback: string | undefined) => (typeof v === 'string' && v !== '' ? v : fallback);
  const q = {
    dist: str(p.os, parts[0])?.toLowerCase(),
    release: str(p.release, parts[1]),
    arch: str(p.arch, parts[2]),
    variant: str(p.variant, parts[3]) ?? 'default',
  };
  // os is "Ubuntu" in some catalogs and "ubuntu" in the key: the key is what users type
  if (parts.length >= 3 && parts[0]) q.dist = parts[0].toLowerCase();
  if (!q.dist || !q.release || !q.arch) return undefined;
  if (![q.dist, q.release, q.arch, q.variant].every((w) => WORD.test(w))) return undefined;
  return q as ImageQuery;
}

/** Every usable build in a products:1.0 document (newest first within each product). */
export function buildsFromProducts(doc: unknown): ImageBuild[] {
  if (!isObject(doc) || doc.format !== 'products:1.0' || !isObject(doc.products)) throw bad('products file', 'no "format": "products:1.0" with a "products" object');
  const out: ImageBuild[] = [];
  for (const [key, p] of Object.entries(doc.products)) {
    if (!isObject(p) || !isObject(p.versions)) continue;
    const q = productFields(key, p);
    if (!q) continue;
    for (const [build, v] of Object.entries(p.versions)) {
      if (!BUILD.test(build) || !isObject(v) || !isObject(v.items)) continue;
      const items = pickItems(v.items);
      if (items) out.push({ ...q, build, ...items });
    }
  }
  return out.sort(compareBuilds);
}

/** Catalog order: by dist, release, arch, variant; newest build first. */
function compareBuilds(a: ImageBuild, b: ImageBuild): number {
  for (const k of ['dist', 'release', 'arch', 'variant'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return a.build === b.build ? 0 : a.build < b.build ? 1 : -1;
}

/** Builds are named by date and time ("20240101_12:00"): the string order is the time order. */
export function newest(builds: ImageBuild[], q: ImageQuery): ImageBuild | undefined {
  let best: ImageBuild | undefined;
  for (const b of builds) {
    if (b.dist === q.dist && b.release === q.release && b.arch === q.arch && b.variant === q.variant && (!best || b.build > best.build)) best = b;
  }
  return best;
}

const uniq = (xs: string[]) => [...new Set(xs)].sort();

/** The newest build for the query, or an error that says what the server does have. */
export function selectBuild(builds: ImageBuild[], q: ImageQuery, server: string): ImageBuild {
  const hit = newest(builds, q);
  if (hit) return hit;
  const what = `${q.dist}/${q.release}/${q.arch}/${q.variant}`;
  const byDist = builds.filter((b) => b.dist === q.dist);
  let have: string;
  if (byDist.length === 0) have = `distributions: ${uniq(builds.map((b) => b.dist)).join(', ') || 'none'}`;
  else {
    const byRelease = byDist.filter((b) => b.release === q.release);
    if (byRelease.length === 0) have = `releases of ${q.dist}: ${uniq(byDist.map((b) => b.release)).join(', ')}`;
    else {
      const byArch = byRelease.filter((b) => b.arch === q.arch);
      if (byArch.length === 0) have = `architectures of ${q.dist} ${q.release}: ${uniq(byRelease.map((b) => b.arch)).join(', ')}`;
      else have = `variants of ${q.dist} ${q.release} ${q.arch}: ${uniq(byArch.map((b) => b.variant)).join(', ')}`;
    }
  }
  throw new CorralError('NOT_FOUND', `no container image ${what} on ${server} (the server has ${have})`, {
    hint: 'pick one of those, or see them all: corral create -t download -- --list',
  });
}

/** One row per product: its newest build (what --list shows). */
export function newestPerProduct(builds: ImageBuild[]): ImageBuild[] {
  const seen = new Set<string>();
  return builds.filter((b) => {
    const k = `${b.dist}:${b.release}:${b.arch}:${b.variant}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
