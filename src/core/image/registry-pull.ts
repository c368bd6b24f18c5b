// Pulling an image from a registry: the manifest of a tag or digest (an OCI index or Docker
// manifest list resolved to this host's platform), then its config and layers, each blob
// streamed to a file while its sha256 and size are checked against the manifest. Blobs are
// kept by digest under $CORRAL_CACHE_DIR/oci/blobs/ (default /var/cache/corral), so pulling
// the same image again fetches only its manifest.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { CorralError } from '../../util/errors.js';
import { blobPath, type Descriptor, type Image, type ImageConfig } from './oci-layout.js';
import { RegistryClient, type ClientOptions } from './registry-client.js';
import { discard, readBody } from './registry-http.js';
import { hostPlatform, pickPlatform, type Platform, type RegistryRef } from './registry-ref.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');
const MAX_MANIFEST = 4 << 20;
const DIGEST = /^(sha256|sha512):([0-9a-f]{64}|[0-9a-f]{128})$/;

export function blobCacheRoot(): string {
  return `${process.env.CORRAL_CACHE_DIR || '/var/cache/corral'}/oci`;
}

export interface PullOptions extends ClientOptions {
  platform?: Platform;
  cacheRoot?: string;
  progress?: (message: string) => void;
}

interface Manifest {
  mediaType?: string;
  schemaVersion?: number;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

function mismatch(what: string, digest: string, detail: string): never {
  throw new CorralError('INVALID_ARGUMENT', `${what} ${digest} does not match its digest: ${detail}`, { hint: 'the registry (or something between) serves corrupt or altered data' });
}

function checkDescriptor(d: Descriptor | undefined, what: string): Descriptor {
  if (!d || typeof d.digest !== 'string' || !DIGEST.test(d.digest) || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new CorralError('INVALID_ARGUMENT', `the manifest's ${what} has no valid digest and size`);
  }
  return d;
}

/** GET a manifest; its bytes must hash to `digest` when we know which one we asked for. */
async function fetchManifest(client: RegistryClient, reference: string, digest: string | undefined): Promise<{ manifest: Manifest; mediaType: string }> {
  const res = await client.fetch(`manifests/${reference}`, { accept: ACCEPT });
  if (res.statusCode === 404) {
    discard(res);
    throw new CorralError('NOT_FOUND', `${client.ref.host} has no ${client.ref.repo}:${reference}`);
  }
  if (res.statusCode !== 200) {
    discard(res);
    throw new CorralError('INVALID_ARGUMENT', `${client.ref.host} answered ${res.statusCode} for the manifest of ${client.ref.repo}:${reference}`);
  }
  const body = await readBody(res, MAX_MANIFEST, `the manifest of ${client.ref.repo}:${reference}`);
  const sent = res.headers['docker-content-digest'];
  const want = digest ?? (typeof sent === 'string' && DIGEST.test(sent) ? sent : undefined);
  if (want) {
    const [alg, hex] = want.split(':') as [string, string];
    if (createHash(alg).update(body).digest('hex') !== hex) mismatch('manifest', want, `${body.length} bytes with another hash`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(body.toString('utf8')) as Manifest;
  } catch {
    throw new CorralError('INVALID_ARGUMENT', `the manifest of ${client.ref.repo}:${reference} is not JSON`);
  }
  const header = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
  const mediaType = manifest.mediaType ?? header;
  return { manifest, mediaType };
}

/** The image manifest for this platform, through at most one index/list. */
async function resolveManifest(client: RegistryClient, platform: Platform): Promise<Manifest> {
  const ref = client.ref;
  let { manifest, mediaType } = await fetchManifest(client, ref.reference, ref.byDigest ? ref.reference : undefined);
  if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST || (manifest.manifests && !manifest.layers)) {
    const entry = checkDescriptor(pickPlatform(manifest.manifests ?? [], platform), 'platform entry');
    ({ manifest, mediaType } = await fetchManifest(client, entry.digest, entry.digest));
  }
  if (manifest.schemaVersion === 1 || mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
    throw new CorralError('NOT_SUPPORTED', `${ref.repo}:${ref.reference} has a schema 1 manifest`, { hint: 'push it again with a current tool (skopeo copy converts it)' });
  }
  if (manifest.manifests || !manifest.config) throw new CorralError('INVALID_ARGUMENT', `the manifest of ${ref.repo}:${ref.reference} (${mediaType || 'no media type'}) is not an image manifest`);
  return manifest;
}

const mb = (n: number) => (n / 1e6).toFixed(1);

/** Stream a blob into the cache (a temporary name, renamed when its digest and size check). */
async function download(client: RegistryClient, d: Descriptor, dest: string, report: (bytes: number) => void): Promise<void> {
  const res = await client.fetch(`blobs/${d.digest}`);
  if (res.statusCode !== 200) {
    discard(res);
    throw new CorralError(res.statusCode === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', `${client.ref.host} answered ${res.statusCode} for blob ${d.digest} of ${client.ref.repo}`);
  }
  const [alg, hex] = d.digest.split(':') as [string, string];
  const hash = createHash(alg);
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      // a server that sends more than the manifest says is cut off here, not after the disk is full
      if (size > d.size) return done(new CorralError('INVALID_ARGUMENT', `blob ${d.digest} is larger than the ${d.size} bytes its manifest says`));
      hash.update(chunk);
      report(size);
      done(null, chunk);
    },
  });
  mkdirSync(dirname(dest), { recursive: true, mode: 0o755 });
  const partial = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const out = createWriteStream(partial, { mode: 0o644 });
  try {
    await pipeline(res, check, out);
    if (size !== d.size) mismatch('blob', d.digest, `${size} bytes, the manifest says ${d.size}`);
    if (hash.digest('hex') !== hex) mismatch('blob', d.digest, 'its content hashes to something else');
    renameSync(partial, dest);
  } catch (e) {
    // a write stream destroyed while still opening its file opens it afterwards: wait for
    // it to close, or the removal below comes first and the partial file stays behind
    if (!out.closed) await new Promise<void>((r) => out.once('close', () => r()));
    rmSync(partial, { force: true });
    if (e instanceof CorralError) throw e;
    // the cause marks a transfer the network broke off: worth one more try
    throw new CorralError('NOT_FOUND', `fetching blob ${d.digest} from ${client.ref.host} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** The blob's cached path, fetched first unless a file of the right size is already there. */
async function blob(client: RegistryClient, d: Descriptor, cacheRoot: string, report: (bytes: number) => void): Promise<string> {
  const path = blobPath(cacheRoot, d.digest);
  if (existsSync(path) && statSync(path).size === d.size) return path;
  for (let attempt = 1; ; attempt++) {
    try {
      await download(client, d, path, report);
      return path;
    } catch (e) {
      if (attempt >= 2 || !(e instanceof CorralError) || e.cause === undefined) throw e;
    }
  }
}

/** Pull `ref`: the image config and the cached layer files, in order. */
export async function pullImage(ref: RegistryRef, opts: PullOptions): Promise<Image> {
  const client = new RegistryClient(ref, opts);
  const progress = opts.progress ?? (() => {});
  const cacheRoot = opts.cacheRoot ?? blobCacheRoot();
  progress(`fetching the manifest of ${ref.host}/${ref.repo}:${ref.reference}`);
  const manifest = await resolveManifest(client, opts.platform ?? hostPlatform());
  const configDesc = checkDescriptor(manifest.config, 'config');
  let config: { config?: ImageConfig };
  try {
    config = JSON.parse(readFileSync(await blob(client, configDesc, cacheRoot, () => {}), 'utf8')) as typeof config;
  } catch (e) {
    if (e instanceof CorralError) throw e;
    throw new CorralError('INVALID_ARGUMENT', `the image config ${configDesc.digest} is not JSON`);
  }
  const descs = (manifest.layers ?? []).map((l, i) => checkDescriptor(l, `layer ${i + 1}`));
  const layers: Image['layers'] = [];
  for (const [i, d] of descs.entries()) {
    let last = 0;
    const report = (bytes: number) => {
      const now = Date.now();
      if (now - last < 200 && bytes < d.size) return;
      last = now;
      progress(`pulling layer ${i + 1}/${descs.length} ${d.digest.slice(7, 19)}: ${mb(bytes)}/${mb(d.size)} MB`);
    };
    layers.push({ path: await blob(client, d, cacheRoot, report), mediaType: d.mediaType });
  }
  return { config: config.config ?? {}, layers };
}
