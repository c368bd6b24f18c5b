// Containers from images pulled from a registry: Debian's docker-registry (distribution 2.8)
// run by the test on a loopback port, images pushed into it with skopeo from OCI layouts
// built here from busybox (a gzip layer; a zstd layer with a whiteout and a hard link to a
// file of the first). Anonymous, token auth (the test's own token server signs JWTs the
// registry checks against an openssl-made certificate), htpasswd Basic auth, an index of two
// platforms, the blob cache, and a corrupt blob (from a fake registry) that leaves no container.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasBusybox, makeBusyboxRootfs, tempDir } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { cgroupDirsOf } from '../support/leftovers.js';
import { lxcEnv } from '../support/lxc.js';
import { buildLayout } from '../support/oci-layout.js';
import { fakeImage, startFakeRegistry } from '../support/registry-fake.js';
import { buildIndexLayout } from '../support/registry-layout.js';
import { hasRegistryTools, htpasswdFile, runAsync, skopeoPush, startRegistry, startTokenServer } from '../support/registry.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : hasRegistryTools();
const GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';
const ZST = 'application/vnd.oci.image.layer.v1.tar+zstd';

describe('containers from a registry', { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('oci-registry');
  const work = skip ? '' : tempDir('oci-registry');
  const env = { CORRAL_CACHE_DIR: join(work, 'cache') };
  const names: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let layers: { file: string; mediaType: string }[] = [];
  const name = (what: string) => {
    const n = `reg-${what}-${process.pid}`;
    names.push(n);
    return n;
  };
  const config = (say: string) => ({ Entrypoint: ['/bin/sh', '-c'], Cmd: [`echo "$GREETING ${say}"; cat /srv/msg-link; test -e /etc/gone || echo gone`], Env: ['PATH=/bin:/usr/bin', 'GREETING=hello from'] });
  // asynchronous: the token server and the fake registry answer from this process
  const create = (n: string, args: string[], cacheDir = env.CORRAL_CACHE_DIR) => runAsync(join(lxc.bin, 'lxc-create'), ['-n', n, '-t', 'oci', '--', ...args], {
    ...process.env,
    PATH: `${lxc.bin}:${process.env.PATH ?? ''}`,
    CORRAL_LXCPATH: lxc.lxcpath,
    CORRAL_DEFAULT_CONF: join(lxc.lxcpath, '..', 'default.conf'),
    CORRAL_CACHE_DIR: cacheDir,
    NODE_EXTRA_CA_CERTS: undefined,
  }, 120_000);
  const execute = (n: string) => lxc.run('lxc-execute', ['-n', n], { timeoutMs: 60_000 });

  before(() => {
    const base = makeBusyboxRootfs(join(work, 'l1'));
    writeFileSync(join(base, 'etc/msg'), 'from layer one\n');
    writeFileSync(join(base, 'etc/gone'), 'x\n');
    execFileSync('tar', ['-czf', join(work, 'l1.tgz'), '--numeric-owner', '-C', base, '.']);
    // the upper layer: a hard link to etc/msg, which only the lower layer has
    const upper = join(work, 'l2');
    mkdirSync(join(upper, 'etc'), { recursive: true });
    mkdirSync(join(upper, 'srv'), { recursive: true });
    writeFileSync(join(upper, 'etc/msg'), '');
    linkSync(join(upper, 'etc/msg'), join(upper, 'srv/msg-link'));
    writeFileSync(join(upper, 'etc/.wh.gone'), '');
    const tar = join(work, 'l2.tar');
    execFileSync('tar', ['-cf', tar, '--numeric-owner', '-C', upper, 'etc/msg', 'srv', 'etc/.wh.gone']);
    execFileSync('tar', ['--delete', '-f', tar, 'etc/msg']);
    execFileSync('zstd', ['-q', '-f', tar, '-o', `${tar}.zst`]);
    layers = [{ file: join(work, 'l1.tgz'), mediaType: GZ }, { file: `${tar}.zst`, mediaType: ZST }];
    buildLayout(join(work, 'layout'), layers, config('the registry'), 'v1');
  });

  after(async () => {
    for (const n of names) lxc.run('lxc-destroy', ['-n', n, '-f']);
    for (const c of cleanups) await c();
    lxc.cleanup();
    execFileSync('rm', ['-rf', work]);
    for (const n of names) assert.deepEqual(cgroupDirsOf(n), []);
  });

  test('anonymous: create, execute runs the image command; a second create fetches only the manifest', async () => {
    const reg = await startRegistry(join(work, 'reg-anon'));
    cleanups.push(reg.stop);
    await skopeoPush(join(work, 'layout'), 'v1', `docker://${reg.host}/corral/app:v1`);
    const blobGets = () => (reg.log().match(/"GET \/v2\/corral\/app\/blobs\/sha256:/g) ?? []).length;
    const manifestGets = () => (reg.log().match(/"GET \/v2\/corral\/app\/manifests\/v1 /g) ?? []).length;

    const a = name('anon');
    const c = await create(a, [`docker://${reg.host}/corral/app:v1`, '--tls-verify=false']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(blobGets(), 3, 'config and two layers');
    const rootfs = join(lxc.lxcpath, a, 'rootfs');
    assert.equal(lstatSync(join(rootfs, 'srv/msg-link')).ino, lstatSync(join(rootfs, 'etc/msg')).ino, 'the hard link across layers');
    const x = execute(a);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(x.stdout, 'hello from the registry\nfrom layer one\ngone\n');

    const before = manifestGets();
    const b = name('anon2');
    const again = await create(b, ['--url', `docker://${reg.host}/corral/app:v1`, '--insecure']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(blobGets(), 3, 'every blob came from the cache');
    assert.equal(manifestGets(), before + 1);
  });

  test('token auth: the Bearer flow through our token server, Basic credentials to it', async () => {
    const dir = join(work, 'reg-token');
    mkdirSync(dir, { recursive: true });
    const tokens = await startTokenServer(dir, 'alice', 'open sesame');
    cleanups.push(tokens.close);
    const reg = await startRegistry(dir, { token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootcertbundle: tokens.cert } });
    cleanups.push(reg.stop);
    await skopeoPush(join(work, 'layout'), 'v1', `docker://${reg.host}/corral/app:v1`, { creds: 'alice:open sesame' });

    const denied = name('token-denied');
    const d = await create(denied, [`docker://${reg.host}/corral/app:v1`, '--tls-verify=false']);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /token server .* answered 401/);
    assert.ok(!existsSync(join(lxc.lxcpath, denied)), 'no half-made container');

    tokens.log.length = 0;
    const a = name('token');
    const c = await create(a, [`docker://${reg.host}/corral/app:v1`, '--tls-verify=false', '--creds', 'alice:open sesame']);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(tokens.log, [{ query: `?service=${tokens.service}&scope=repository%3Acorral%2Fapp%3Apull`, authorized: true }], 'one token, for pulling');
    const x = execute(a);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(x.stdout, 'hello from the registry\nfrom layer one\ngone\n');
  });

  test('htpasswd: Basic credentials when the registry asks', async () => {
    const dir = join(work, 'reg-basic');
    mkdirSync(dir, { recursive: true });
    const reg = await startRegistry(dir, { htpasswd: htpasswdFile(dir, 'bob', 'pw') });
    cleanups.push(reg.stop);
    await skopeoPush(join(work, 'layout'), 'v1', `docker://${reg.host}/corral/app:v1`, { creds: 'bob:pw' });
    const denied = name('basic-denied');
    const d = await create(denied, [`docker://${reg.host}/corral/app:v1`, '--tls-verify=false']);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /wants a user name and password/);
    assert.ok(!existsSync(join(lxc.lxcpath, denied)));
    const a = name('basic');
    // a fresh cache: the blobs must come through the authenticated registry
    const c = await create(a, [`docker://${reg.host}/corral/app:v1`, '--tls-verify=false', '--creds=bob:pw'], join(dir, 'cache'));
    assert.equal(c.code, 0, c.stderr);
    assert.ok(existsSync(join(lxc.lxcpath, a, 'rootfs/srv/msg-link')));
  });

  test('an index of two platforms: the amd64 image', { skip: process.arch !== 'x64' ? 'the images are amd64 busybox' : false }, async () => {
    const reg = await startRegistry(join(work, 'reg-multi'));
    cleanups.push(reg.stop);
    const layout = buildIndexLayout(join(work, 'multi'), [
      { layers, config: config('arm64'), architecture: 'arm64', variant: 'v8' },
      { layers, config: config('amd64'), architecture: 'amd64' },
    ], 'v1');
    await skopeoPush(layout, 'v1', `docker://${reg.host}/corral/multi:v1`, { all: true });
    const a = name('multi');
    const c = await create(a, [`docker://${reg.host}/corral/multi:v1`, '--tls-verify=false']);
    assert.equal(c.code, 0, c.stderr);
    const x = execute(a);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(x.stdout.split('\n')[0], 'hello from amd64');
  });

  test('a blob that does not match its digest: create fails naming it, no container', async () => {
    const image = fakeImage([Buffer.from('not really a layer')], config('fake'));
    const fake = await startFakeRegistry({ repo: 'corral/app', tags: { v1: image.manifest }, blobs: [image.manifest, ...image.blobs] });
    cleanups.push(fake.close);
    const layer = image.blobs[1]!;
    fake.corrupt.set(layer.digest, Buffer.from('not really a layeR'));
    const a = name('corrupt');
    const c = await create(a, [`docker://${fake.host}/corral/app:v1`, '--tls-verify=false']);
    assert.equal(c.code, 1);
    assert.ok(c.stderr.includes(`blob ${layer.digest} does not match its digest`), c.stderr);
    assert.ok(!existsSync(join(lxc.lxcpath, a)), 'no half-made container');
  });
});
