// An OCI image layout directory (oci-layout, index.json, blobs/<alg>/<hex>): the manifest of
// a tag (or the only one), for this platform when the tag names an index, its image config
// and layers, every blob checked against its digest before use.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { descriptor, descriptors, diffIds, dockerEntries, imageConfig, objectIn, type DockerManifestEntry } from './shape.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string; variant?: string };
}

export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  StopSignal?: string;
}

export interface Image {
  config: ImageConfig;
  layers: { path: string; mediaType: string }[];
}

const REF = 'org.opencontainers.image.ref.name';
const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

function bad(message: string): never {
  throw new CorralError('INVALID_ARGUMENT', message, { hint: 'is this an OCI image layout (oci-layout, index.json, blobs/)?' });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // missing, a name too long, ...
  }
}

export function blobPath(layout: string, digest: string): string {
  const m = /^(sha256|sha512):([0-9a-f]{64}|[0-9a-f]{128})$/.exec(digest);
  if (!m) bad(`"${digest}" is not a digest`);
  return join(layout, 'blobs', m[1]!, m[2]!);
}

async function verify(layout: string, d: Descriptor): Promise<string> {
  const path = blobPath(layout, d.digest);
  if (!isFile(path)) bad(`blob ${d.digest} is missing from ${layout}`);
  const [alg, want] = d.digest.split(':') as [string, string];
  const hash = createHash(alg);
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  if (hash.digest('hex') !== want) bad(`blob ${d.digest} in ${layout} does not match its digest`);
  if (typeof d.size === 'number' && d.size !== size) bad(`blob ${d.digest} has ${size} bytes, its descriptor says ${d.size}`);
  return path;
}

async function json(layout: string, d: Descriptor): Promise<unknown> {
  const path = await verify(layout, d);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return bad(`blob ${d.digest} is not JSON`);
  }
}

/** Choose the manifest: by tag (ref.name annotation), else the only one; indexes by platform. */
export function pickDescriptor(manifests: Descriptor[], tag: string | undefined, arch: string): Descriptor {
  let candidates = manifests;
  if (tag) candidates = manifests.filter((m) => m.annotations?.[REF] === tag);
  if (candidates.length > 1) {
    const mine = candidates.filter((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === arch));
    candidates = mine.length > 0 ? mine : candidates;
  }
  if (candidates.length === 0) bad(tag ? `no image tagged "${tag}"` : 'the layout has no image');
  if (candidates.length > 1 && !candidates.every((c) => c.digest === candidates[0]!.digest)) {
    const tags = manifests.map((m) => m.annotations?.[REF]).filter(Boolean);
    throw new CorralError('INVALID_ARGUMENT', 'the layout holds several images', { hint: `name one: oci:DIR:TAG (${tags.join(', ') || 'no tags'})` });
  }
  return candidates[0]!;
}

export async function readLayout(layout: string, tag: string | undefined, arch: string): Promise<Image> {
  if (!existsSync(join(layout, 'index.json'))) bad(`${layout} has no index.json`);
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  } catch {
    return bad(`${layout}/index.json is not JSON`);
  }
  let desc = pickDescriptor(descriptors(objectIn(index, 'index.json').manifests, 'index.json', 'manifests'), tag, arch);
  for (let depth = 0; INDEX_TYPES.includes(desc.mediaType); depth++) {
    if (depth > 4) bad('image indexes nested too deep');
    const where = `index ${desc.digest}`;
    desc = pickDescriptor(descriptors(objectIn(await json(layout, desc), where).manifests, where, 'manifests'), undefined, arch);
  }
  const where = `manifest ${desc.digest}`;
  const manifest = objectIn(await json(layout, desc), where);
  if (!manifest.config) bad(`manifest ${desc.digest} has no config`);
  const configDesc = descriptor(manifest.config, where, 'config');
  const image = objectIn(await json(layout, configDesc), `image config ${configDesc.digest}`);
  const layers: Image['layers'] = [];
  for (const l of descriptors(manifest.layers, where, 'layers')) layers.push({ path: await verify(layout, l), mediaType: l.mediaType });
  return { config: imageConfig(image.config, `image config ${configDesc.digest}`), layers };
}

function inside(dir: string, rel: string): string {
  if (typeof rel !== 'string' || rel.startsWith('/') || rel.split('/').includes('..') || rel.includes('\0')) bad(`"${rel}" in manifest.json is not a path inside the archive`);
  return join(dir, rel);
}

/** A `docker save` tree (manifest.json; legacy or OCI-style paths): the image named by `ref`
 * ("name:tag", or just "tag"), else the only one. Plain-tar layers are checked against the
 * config's diff_ids (compressed ones cannot be without decompressing them). */
export async function readDockerArchive(dir: string, ref: string | undefined): Promise<Image> {
  let entries: DockerManifestEntry[];
  try {
    entries = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as DockerManifestEntry[];
  } catch {
    return bad('the docker archive has no readable manifest.json');
  }
  entries = dockerEntries(entries, 'manifest.json');
  if (entries.length === 0) bad('the docker archive holds no image');
  const matches = ref ? entries.filter((e) => (e.RepoTags ?? []).some((t) => t === ref || t.endsWith(`/${ref}`) || t.endsWith(`:${ref}`))) : entries;
  if (matches.length === 0) bad(`no image tagged "${ref}" in the docker archive`);
  if (matches.length > 1) {
    throw new CorralError('INVALID_ARGUMENT', 'the docker archive holds several images', { hint: `name one: docker-archive:FILE:NAME:TAG (${entries.flatMap((e) => e.RepoTags ?? []).join(', ')})` });
  }
  const entry = matches[0]!;
  if (!entry.Config) bad('the docker archive manifest names no config');
  let image: unknown;
  try {
    image = JSON.parse(readFileSync(inside(dir, entry.Config), 'utf8'));
  } catch {
    return bad(`the image config ${entry.Config} is not readable JSON`);
  }
  const config = objectIn(image, entry.Config);
  const ids = diffIds(config, entry.Config);
  const layers: Image['layers'] = [];
  for (const [i, rel] of (entry.Layers ?? []).entries()) {
    const path = inside(dir, rel);
    if (!isFile(path)) bad(`layer ${rel} is missing from the docker archive`);
    const head = readFileSync(path).subarray(0, 4);
    const compressed = (head[0] === 0x1f && head[1] === 0x8b) || (head.length === 4 && head.readUInt32LE(0) === 0xfd2fb528);
    const want = ids[i];
    if (!compressed && want) {
      const [alg, hex] = want.split(':') as [string, string];
      const hash = createHash(alg);
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      if (hash.digest('hex') !== hex) bad(`layer ${rel} does not match its diff_id ${want}`);
    }
    layers.push({ path, mediaType: compressed ? 'auto' : 'application/vnd.docker.image.rootfs.diff.tar' });
  }
  return { config: imageConfig(config.config, entry.Config), layers };
}
