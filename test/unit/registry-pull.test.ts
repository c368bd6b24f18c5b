// Pulling from a registry over real HTTP on loopback, against a registry of the test's own
// (test/support/registry-fake.ts): anonymous, Bearer token flow, Basic, an index resolved to
// amd64, blobs redirected elsewhere (no credentials follow), the blob cache (a second pull
// fetches only the manifest), and corrupt blobs rejected with nothing left in the cache.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pullImage, type PullOptions } from '../../src/core/image/registry-pull.js';
import { hostPlatform, parseRegistryRef } from '../../src/core/image/registry-ref.js';
import { blobOf, fakeImage, fakeIndex, startFakeRegistry, type FakeOptions } from '../support/registry-fake.js';

const base = mkdtempSync(join(tmpdir(), 'corral-registry-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const cache = () => join(base, `cache-${n++}`);
const amd64 = hostPlatform('x64');
const image = fakeImage([Buffer.from('layer one'), Buffer.from('layer two')], { Cmd: ['/bin/true'] });

async function withRegistry(o: Partial<FakeOptions>, fn: (reg: Awaited<ReturnType<typeof startFakeRegistry>>) => Promise<void>): Promise<void> {
  const reg = await startFakeRegistry({ repo: 'team/app', tags: { v1: image.manifest }, blobs: [image.manifest, ...image.blobs], ...o });
  try {
    await fn(reg);
  } finally {
    await reg.close();
  }
}

const pull = (host: string, ref: string, o: Partial<PullOptions> = {}) => pullImage(parseRegistryRef(`docker://${host}/${ref}`), { insecure: true, platform: amd64, cacheRoot: cache(), timeoutMs: 5000, ...o });
const contents = (layers: { path: string }[]) => layers.map((l) => readFileSync(l.path, 'utf8'));

describe('registry pulls', () => {
  // first: src/util/tls-ca.ts reads NODE_EXTRA_CA_CERTS once per process, at the first https request
  test('https by default: a certificate the host does not trust fails, one from NODE_EXTRA_CA_CERTS works', async () => {
    const dir = join(base, 'tls');
    mkdirSync(dir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    await withRegistry({ tls, auth: { kind: 'bearer', user: 'u', password: 'p' } }, async (reg) => {
      const creds = { user: 'u', password: 'p' };
      const saved = process.env.NODE_EXTRA_CA_CERTS;
      try {
        delete process.env.NODE_EXTRA_CA_CERTS;
        await assert.rejects(pull(reg.host, 'team/app:v1', { insecure: false, creds }), (e: Error & { code?: string; hint?: string }) => e.code === 'PERMISSION' && /cannot reach https:\/\/127.0.0.1:\d+: self.signed certificate/.test(e.message) && /NODE_EXTRA_CA_CERTS/.test(e.hint ?? ''));
        process.env.NODE_EXTRA_CA_CERTS = join(dir, 'cert.pem');
        const img = await pull(reg.host, 'team/app:v1', { insecure: false, creds });
        assert.deepEqual(contents(img.layers), ['layer one', 'layer two']);
      } finally {
        if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
        else process.env.NODE_EXTRA_CA_CERTS = saved;
      }
    });
  });

  test('anonymous; a second pull with the same cache fetches only the manifest', async () => {
    await withRegistry({}, async (reg) => {
      const cacheRoot = cache();
      const img = await pull(reg.host, 'team/app:v1', { cacheRoot });
      assert.deepEqual(img.config, { Cmd: ['/bin/true'] });
      assert.deepEqual(contents(img.layers), ['layer one', 'layer two']);
      assert.equal(img.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar');
      assert.equal(reg.log.filter((r) => r.path.includes('/blobs/')).length, 3);
      reg.log.length = 0;
      await pull(reg.host, 'team/app:v1', { cacheRoot });
      assert.deepEqual(reg.log.map((r) => r.path), ['/v2/team/app/manifests/v1']);
      // by digest too
      const byDigest = await pull(reg.host, `team/app@${image.manifest.digest}`, { cacheRoot });
      assert.deepEqual(contents(byDigest.layers), ['layer one', 'layer two']);
    });
  });

  test('Bearer: 401 with a challenge, a token from the realm (Basic credentials), retried with it; blobs redirected get no credentials', async () => {
    const auth = { kind: 'bearer' as const, user: 'alice', password: 's3cret' };
    await withRegistry({ auth, redirectBlobs: true }, async (reg) => {
      const img = await pull(reg.host, 'team/app:v1', { creds: { user: 'alice', password: 's3cret' } });
      assert.deepEqual(contents(img.layers), ['layer one', 'layer two']);
      const [first, tokenReq, again] = reg.log;
      assert.equal(first!.authorization, undefined);
      assert.equal(tokenReq!.path, '/token?service=fake&scope=repository%3Ateam%2Fapp%3Apull');
      assert.equal(tokenReq!.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
      assert.equal(again!.authorization, `Bearer tok-${process.pid}`);
      assert.equal(reg.log.filter((r) => r.path === '/token?service=fake&scope=repository%3Ateam%2Fapp%3Apull').length, 1, 'one token for the whole pull');
      const stored = reg.log.filter((r) => r.path.startsWith('/storage/'));
      assert.equal(stored.length, 3);
      // same origin here, so the header may follow; what matters is that the registry's
      // blob requests carried the token
      assert.ok(reg.log.filter((r) => r.path.includes('/blobs/')).every((r) => r.authorization === `Bearer tok-${process.pid}`));
      await assert.rejects(pull(reg.host, 'team/app:v1', { creds: { user: 'alice', password: 'wrong' } }), (e: Error & { code?: string }) => e.code === 'PERMISSION' && /token server/.test(e.message));
      await assert.rejects(pull(reg.host, 'team/app:v1'), /token server/);
    });
  });

  test('blobs redirected to another origin: fetched there without the registry credentials', async () => {
    const storage = await startFakeRegistry({ repo: 'none', tags: {}, blobs: image.blobs });
    try {
      await withRegistry({ auth: { kind: 'bearer', user: 'u', password: 'p' }, redirectBlobs: `http://localhost:${storage.port}` }, async (reg) => {
        const img = await pull(reg.host, 'team/app:v1', { creds: { user: 'u', password: 'p' } });
        assert.deepEqual(contents(img.layers), ['layer one', 'layer two']);
        assert.equal(storage.log.length, 3);
        assert.ok(storage.log.every((r) => r.path.startsWith('/storage/') && r.authorization === undefined));
      });
    } finally {
      await storage.close();
    }
  });

  test('a blob transfer the connection drops is tried once more', async () => {
    await withRegistry({}, async (reg) => {
      const layer = image.blobs[1]!;
      reg.cutOnce.add(layer.digest);
      const img = await pull(reg.host, 'team/app:v1');
      assert.deepEqual(contents(img.layers), ['layer one', 'layer two']);
      assert.equal(reg.log.filter((r) => r.path.endsWith(layer.digest)).length, 2);
    });
  });

  test('a registry that stops sending: the pull fails after the timeout, bounded', async () => {
    const stall = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.write('{');
    });
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      await assert.rejects(pull(`127.0.0.1:${(stall.address() as { port: number }).port}`, 'x:y', { timeoutMs: 300 }), /reading the manifest of x:y failed: no data for 0.3 s/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      stall.closeAllConnections();
      await new Promise((r) => stall.close(r));
    }
  });

  test('Basic credentials when the registry asks for them', async () => {
    await withRegistry({ auth: { kind: 'basic', user: 'bob', password: 'pw' } }, async (reg) => {
      const img = await pull(reg.host, 'team/app:v1', { creds: { user: 'bob', password: 'pw' } });
      assert.deepEqual(contents(img.layers), ['layer one', 'layer two']);
      await assert.rejects(pull(reg.host, 'team/app:v1'), /wants a user name and password/);
      await assert.rejects(pull(reg.host, 'team/app:v1', { creds: { user: 'bob', password: 'no' } }), /denied team\/app \(401\)/);
    });
  });

  test('a manifest list with two platforms: the amd64 image', async () => {
    const arm = fakeImage([Buffer.from('arm layer')], { Cmd: ['arm'] }, false, 'arm64');
    const x86 = fakeImage([Buffer.from('amd64 layer')], { Cmd: ['amd64'] }, false);
    for (const oci of [false, true]) {
      const list = fakeIndex([{ image: arm, architecture: 'arm64', variant: 'v8' }, { image: x86, architecture: 'amd64' }], oci);
      await withRegistry({ tags: { multi: list }, blobs: [list, arm.manifest, ...arm.blobs, x86.manifest, ...x86.blobs] }, async (reg) => {
        const img = await pull(reg.host, 'team/app:multi');
        assert.deepEqual(img.config, { Cmd: ['amd64'] });
        assert.deepEqual(contents(img.layers), ['amd64 layer']);
        assert.equal(img.layers[0]!.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
        assert.ok(!reg.log.some((r) => r.path.includes(arm.manifest.digest)), 'the arm64 manifest is never fetched');
        await assert.rejects(pull(reg.host, 'team/app:multi', { platform: hostPlatform('s390x') }), /no linux\/s390x manifest/);
      });
    }
  });

  test('a blob that does not match its digest, or is longer than its size, is rejected and not cached', async () => {
    await withRegistry({}, async (reg) => {
      const layer = image.blobs[2]!;
      for (const bad of [Buffer.from('layer tw0'), Buffer.from('layer two, and then some more')]) {
        reg.corrupt.set(layer.digest, bad);
        const cacheRoot = cache();
        await assert.rejects(pull(reg.host, 'team/app:v1', { cacheRoot }), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && e.message.includes(layer.digest));
        const kept = readdirSync(join(cacheRoot, 'blobs/sha256'));
        assert.equal(kept.length, 2, 'config and the good layer stay; nothing of the bad one');
        assert.ok(!existsSync(join(cacheRoot, 'blobs/sha256', layer.digest.slice(7))));
      }
    });
  });

  test('unknown tags, unreachable registries, no https to a plain-http one', async () => {
    await withRegistry({}, async (reg) => {
      await assert.rejects(pull(reg.host, 'team/app:nope'), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && /has no team\/app:nope/.test(e.message));
      await assert.rejects(pull(reg.host, 'other/app:v1'), /has no other\/app:v1/);
      await assert.rejects(pull(reg.host, 'team/app:v1', { insecure: false, attempts: 1 }), (e: Error & { hint?: string }) => /cannot reach https:/.test(e.message) && /plain-http registry needs --tls-verify=false/.test(e.hint ?? ''));
    });
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    const started = Date.now();
    await assert.rejects(pull(`127.0.0.1:${port}`, 'x:y', { attempts: 2 }), /cannot reach http:\/\/127.0.0.1/);
    assert.ok(Date.now() - started < 5000, 'retries are bounded');
  });

  test('a manifest that does not hash to the digest it was asked by', async () => {
    const other = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: image.manifest, layers: [] }));
    await withRegistry({ tags: { [image.manifest.digest]: other } }, async (reg) => {
      await assert.rejects(pull(reg.host, `team/app@${image.manifest.digest}`), new RegExp(`manifest ${image.manifest.digest} does not match`));
    });
  });
});
