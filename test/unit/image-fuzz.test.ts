// Broken image inputs (seeded; the seed and the case are in every failure, CORRAL_SEED=<n>
// replays a run): OCI layouts whose index, manifest or config JSON is mutated (re-stored
// under a correct digest, so the mutation is read, not just refused by the digest check),
// truncated or bit-flipped; docker-archive manifests and configs likewise; and truncated,
// bit-flipped or random layer archives (tar, gzip). Every failure must be a CorralError —
// never a TypeError or RangeError — and an image that is accepted must turn into a
// container config without one either.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { applyLayer, type Compression } from '../../src/core/image/layers.js';
import { readDockerArchive, readLayout, type Image } from '../../src/core/image/oci-layout.js';
import { ociConfig, resolveUser } from '../../src/core/templates/oci.js';
import { CorralError } from '../../src/util/errors.js';
import { mutate, type Json } from '../support/json-mutate.js';
import { intBelow, mulberry32, pick, seedFor, type Rand } from '../support/prng.js';

const base = mkdtempSync(join(tmpdir(), 'corral-image-fuzz-'));
after(() => rmSync(base, { recursive: true, force: true }));

function layerTar(): Buffer {
  const tree = join(base, 'tree');
  mkdirSync(join(tree, 'etc'), { recursive: true });
  writeFileSync(join(tree, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(tree, 'etc/.wh.gone'), '');
  execFileSync('ln', ['-sfn', '../etc/passwd', join(tree, 'link')]);
  const file = join(base, 'layer.tar');
  execFileSync('tar', ['-cf', file, '--numeric-owner', '-C', tree, 'etc', 'link']);
  return execFileSync('cat', [file]);
}

const LAYER = layerTar();
const CONFIG: Json = { architecture: 'amd64', os: 'linux', config: { User: '0:0', Env: ['PATH=/bin'], Entrypoint: ['/bin/sh'], Cmd: ['-c', 'true'], WorkingDir: '/', StopSignal: 'SIGTERM' }, rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(LAYER)}`] } };

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Raw damage to bytes: truncation, flipped bits, or random bytes. */
function damage(rand: Rand, data: Buffer): Buffer {
  const r = rand();
  if (r < 0.35) return data.subarray(0, intBelow(rand, data.length));
  if (r < 0.85) {
    const out = Buffer.from(data);
    for (let n = 1 + intBelow(rand, 8); n > 0 && out.length > 0; n--) out[intBelow(rand, out.length)]! ^= 1 << intBelow(rand, 8);
    return out;
  }
  return Buffer.from(Array.from({ length: intBelow(rand, 600) }, () => intBelow(rand, 256)));
}

/** Writes a layout whose three JSON documents come from `docs`; returns its directory. */
function layout(dir: string, docs: { index: (m: Json) => Buffer; manifest: (c: Json) => Buffer; config: Buffer }): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const blob = (data: Buffer) => {
    writeFileSync(join(dir, 'blobs/sha256', sha256(data)), data);
    return { digest: `sha256:${sha256(data)}`, size: data.length };
  };
  const layer = blob(LAYER);
  const config = blob(docs.config);
  const manifest = blob(docs.manifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }] }));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), docs.index({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  return dir;
}

/** The document, mutated as JSON or damaged as bytes. */
function broken(rand: Rand, doc: Json, what: string[], name: string): Buffer {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  if (rand() < 0.75) {
    what.push(`${name}: ${mutate(rand, copy).join('; ')}`);
    return Buffer.from(JSON.stringify(copy));
  }
  what.push(`${name}: damaged bytes`);
  return damage(rand, Buffer.from(JSON.stringify(copy)));
}

/** What the oci template does with an accepted image: it must not throw anything else either. */
function useImage(image: Image, rootfs: string): void {
  ociConfig('fuzz', image.config, resolveUser(image.config.User, rootfs));
}

async function onlyCorralErrors(where: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (!(err instanceof CorralError)) assert.fail(`${where.slice(0, 500)}: ${(err instanceof Error ? (err.stack ?? '') : String(err)).slice(0, 2000)}`);
    return false;
  }
}

test('fuzz: OCI layouts with a broken index, manifest or config: CorralError or a usable image', async () => {
  const seed = seedFor(0x1a7e);
  const rand = mulberry32(seed);
  const rootfs = join(base, 'rootfs-layout');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  let ok = 0;
  for (let i = 0; i < 600; i++) {
    const what: string[] = [];
    const target = pick(rand, ['index', 'manifest', 'config'] as const);
    const dir = layout(join(base, 'layout'), {
      index: (m) => (target === 'index' ? broken(rand, m, what, 'index.json') : Buffer.from(JSON.stringify(m))),
      manifest: (m) => (target === 'manifest' ? broken(rand, m, what, 'manifest') : Buffer.from(JSON.stringify(m))),
      config: target === 'config' ? broken(rand, CONFIG, what, 'config') : Buffer.from(JSON.stringify(CONFIG)),
    });
    const where = `seed ${seed}, case ${i}: ${what.join(' ')}`;
    if (await onlyCorralErrors(where, async () => useImage(await readLayout(dir, pick(rand, ['v1', undefined]), 'amd64'), rootfs))) ok++;
  }
  assert.ok(ok > 30 && ok < 570, `${ok} of 600 accepted: the mutations should both pass and fail`);
});

test('fuzz: docker archives with a broken manifest.json, config or layer file', async () => {
  const seed = seedFor(0xd0c4);
  const rand = mulberry32(seed);
  const dir = join(base, 'docker');
  const rootfs = join(base, 'rootfs-docker');
  mkdirSync(rootfs, { recursive: true });
  const manifest: Json = [{ Config: 'config.json', RepoTags: ['example/app:v1'], Layers: ['layer/layer.tar'] }];
  for (let i = 0; i < 400; i++) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'layer'), { recursive: true });
    const what: string[] = [];
    const target = pick(rand, ['manifest', 'config', 'layer'] as const);
    writeFileSync(join(dir, 'manifest.json'), target === 'manifest' ? broken(rand, manifest, what, 'manifest.json') : JSON.stringify(manifest));
    writeFileSync(join(dir, 'config.json'), target === 'config' ? broken(rand, CONFIG, what, 'config') : JSON.stringify(CONFIG));
    writeFileSync(join(dir, 'layer/layer.tar'), target === 'layer' ? damage(rand, LAYER) : LAYER);
    if (target === 'layer') what.push('layer damaged');
    const where = `seed ${seed}, case ${i}: ${what.join(' ')}`;
    await onlyCorralErrors(where, async () => useImage(await readDockerArchive(dir, pick(rand, ['v1', 'example/app:v1', undefined])), rootfs));
  }
});

test('fuzz: truncated, bit-flipped and random layer archives (tar, gzip) fail with a CorralError and stay inside', async () => {
  const seed = seedFor(0x7a2);
  const rand = mulberry32(seed);
  const gz = gzipSync(LAYER);
  const parent = join(base, 'apply');
  for (let i = 0; i < 120; i++) {
    rmSync(parent, { recursive: true, force: true });
    mkdirSync(join(parent, 'rootfs'), { recursive: true });
    const gzip = rand() < 0.5;
    const archive = join(parent, 'layer');
    writeFileSync(archive, damage(rand, gzip ? gz : LAYER));
    const compression = pick(rand, (gzip ? ['gzip', 'auto'] : ['none', 'auto']) as Compression[]);
    const where = `seed ${seed}, case ${i} (${gzip ? 'gzip' : 'tar'}, ${compression})`;
    await onlyCorralErrors(where, () => applyLayer(archive, compression, join(parent, 'rootfs'), join(parent, 'work')));
    assert.deepEqual(readdirSync(parent).sort(), ['layer', 'rootfs'], `${where}: something outside the rootfs`);
  }
});
