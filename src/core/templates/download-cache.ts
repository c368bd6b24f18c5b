// Image builds fetched from a simplestreams server and kept under
// /var/cache/corral/download/<dist>/<release>/<arch>/<variant>/<build>/ ($CORRAL_CACHE_DIR
// as for debian): the metadata and root files as the server gave them (checked against
// images.json, named by their keys there) and `complete`, a record of where they came from and their sha256s.
//
// A cached build asked about within CACHE_FRESH_MS is used without any network; an older
// one is compared with the server's newest and kept if it still is the newest, or used
// anyway (and said so) when the server cannot be reached. A new build is downloaded into
// <build>.partial (the .part files of a cut download stay there for the next attempt to
// resume), renamed into place when complete; older builds of the product then go.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { downloadFile, fetchBytes, sha256File, type FetchOptions } from '../image/http-fetch.js';
import { buildsFromProducts, imagesPathFromIndex, selectBuild, type ImageBuild, type ImageQuery, type StreamItem } from '../image/simplestreams.js';
import { lockContainerWait } from '../lock.js';
import { progressLine, type DownloadOptions } from './download-options.js';

export const CACHE_FRESH_MS = 24 * 3600_000;
const MAX_INDEX_BYTES = 64 << 20;

export function downloadCacheRoot(): string {
  return join(process.env.CORRAL_CACHE_DIR || '/var/cache/corral', 'download');
}

export interface CachedImage {
  dir: string;
  build: ImageBuild;
  server: string;
  /** the files, by role */
  metaFile: string;
  rootFile: string;
  downloaded: string;
  checked: string;
  /** how it was obtained, for the user */
  how: 'downloaded' | 'cached' | 'cached-stale';
}

type CacheRecord = Omit<CachedImage, 'dir' | 'metaFile' | 'rootFile' | 'how'>;

const productDir = (q: ImageQuery) => join(downloadCacheRoot(), q.dist, q.release, q.arch, q.variant);
// by the item's key (unique in a build, checked by simplestreams.ts), not by its path
const fileOf = (dir: string, item: StreamItem) => join(dir, item.name);

/** The server's whole catalog of usable container builds. */
export async function fetchCatalog(server: string, o: FetchOptions = {}): Promise<ImageBuild[]> {
  const index = await fetchBytes(`${server}/streams/v1/index.json`, MAX_INDEX_BYTES, o);
  const path = imagesPathFromIndex(parseJson(index, `${server}/streams/v1/index.json`));
  return buildsFromProducts(parseJson(await fetchBytes(`${server}/${path}`, MAX_INDEX_BYTES, o), `${server}/${path}`));
}

function parseJson(data: Buffer, url: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new CorralError('INVALID_ARGUMENT', `${url} is not JSON: ${(err as Error).message}`, { hint: 'check the --server URL' });
  }
}

function readRecord(dir: string): CachedImage | undefined {
  try {
    const r = JSON.parse(readFileSync(join(dir, 'complete'), 'utf8')) as CacheRecord;
    return { ...r, dir, metaFile: fileOf(dir, r.build.meta), rootFile: fileOf(dir, r.build.root), how: 'cached' };
  } catch {
    return undefined;
  }
}

/** The newest complete build in the cache for this product. */
export function findCached(q: ImageQuery): CachedImage | undefined {
  const dir = productDir(q);
  if (!existsSync(dir)) return undefined;
  const builds = readdirSync(dir).filter((b) => !b.endsWith('.partial')).sort().reverse();
  for (const b of builds) {
    const rec = readRecord(join(dir, b));
    if (rec) return rec;
  }
  return undefined;
}

/** A cached file that no longer matches its record (disk damage, a hand edit) is no hit. */
async function intact(c: CachedImage): Promise<boolean> {
  for (const [file, item] of [[c.metaFile, c.build.meta], [c.rootFile, c.build.root]] as const) {
    if (!existsSync(file) || statSync(file).size !== item.size || (await sha256File(file)) !== item.sha256) return false;
  }
  return true;
}

function writeRecord(c: CachedImage): void {
  const r: CacheRecord = { build: c.build, server: c.server, downloaded: c.downloaded, checked: c.checked };
  writeFileSync(join(c.dir, 'complete.tmp'), `${JSON.stringify(r, null, 1)}\n`);
  renameSync(join(c.dir, 'complete.tmp'), join(c.dir, 'complete'));
}

/** A progress callback that shows a bar for downloads slower than a second. */
function barFor(label: string, progress: (m: string) => void): (received: number, total: number) => void {
  const start = Date.now();
  let last = 0;
  return (received, total) => {
    const now = Date.now();
    if (now - start < 1000 || (now - last < 100 && received < total)) return;
    last = now;
    progress(progressLine(label, received, total, now - start));
  };
}

async function download(o: DownloadOptions, b: ImageBuild, progress: (m: string) => void, f: FetchOptions): Promise<CachedImage> {
  const final = join(productDir(b), b.build);
  const partial = `${final}.partial`;
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  for (const item of [b.meta, b.root]) {
    const dest = fileOf(partial, item);
    if (existsSync(dest)) continue;
    progress(`downloading ${item.name} of ${b.dist} ${b.release} ${b.arch} ${b.variant} (${b.build}), ${(item.size / 1048576).toFixed(1)} MiB`);
    await downloadFile({
      url: `${o.server}/${item.path}`, dest, size: item.size, sha256: item.sha256, label: item.name,
      onProgress: barFor(item.name, progress),
      onResume: (from) => progress(`resuming ${item.name} from byte ${from}`),
    }, f);
  }
  const now = new Date().toISOString();
  const c: CachedImage = { dir: partial, build: b, server: o.server, metaFile: '', rootFile: '', downloaded: now, checked: now, how: 'downloaded' };
  writeRecord(c);
  rmSync(final, { recursive: true, force: true });
  renameSync(partial, final);
  // older builds (and abandoned partial ones) of this product are of no more use
  for (const other of readdirSync(productDir(b))) if (other !== b.build) rmSync(join(productDir(b), other), { recursive: true, force: true });
  return { ...c, dir: final, metaFile: fileOf(final, b.meta), rootFile: fileOf(final, b.root) };
}

/** The image for these options: from the cache when it can be, else from the server. */
export async function obtainImage(o: DownloadOptions, progress: (m: string) => void, f: FetchOptions = {}): Promise<CachedImage> {
  const root = downloadCacheRoot();
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const key = [o.dist, o.release, o.arch, o.variant].join('_');
  const lock = await lockContainerWait(root, key, 'download', 60 * 60_000);
  try {
    if (o.flushCache && existsSync(productDir(o))) {
      progress(`flushing the cache ${productDir(o)}`);
      rmSync(productDir(o), { recursive: true, force: true });
    }
    let cached = findCached(o);
    if (cached && !(await intact(cached))) {
      progress(`the cached build ${cached.build.build} is damaged: dropping it`);
      rmSync(cached.dir, { recursive: true, force: true });
      cached = undefined;
    }
    const age = cached ? Date.now() - Date.parse(cached.checked) : Infinity;
    if (cached && (o.forceCache || (cached.server === o.server && age < CACHE_FRESH_MS))) {
      progress(`using the cached build ${cached.build.build} in ${cached.dir}`);
      return cached;
    }
    let catalog: ImageBuild[];
    try {
      catalog = await fetchCatalog(o.server, f);
    } catch (err) {
      if (!cached || !(err instanceof CorralError) || err.code !== 'NOT_FOUND') throw err;
      progress(`${o.server} cannot be reached (${err.message}): using the cached build ${cached.build.build} from ${cached.downloaded}`);
      return { ...cached, how: 'cached-stale' };
    }
    const b = selectBuild(catalog, o, o.server);
    if (cached && cached.build.build === b.build && cached.build.root.sha256 === b.root.sha256) {
      cached.checked = new Date().toISOString();
      cached.server = o.server;
      writeRecord(cached);
      progress(`the cached build ${b.build} is still the newest`);
      return cached;
    }
    return await download(o, b, progress, f);
  } finally {
    lock.release();
  }
}
