// The download template against a simplestreams server of our own on 127.0.0.1 (the
// fixture is built here from busybox): --list, create + start + attach, the cache (a hit
// asks nothing; a stale entry asks the catalog only; an unreachable server falls back),
// --flush-cache, a corrupt file refused with nothing left behind, a cut download resumed
// with Range in the same create or the next one (and restarted when the server ignores
// Range), a progress bar on a terminal, redirects, squashfs roots, unknown images named
// with what the server has.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hostArch } from '../../src/core/templates/download-options.js';
import { hasBusybox, tempDir } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { cgroupDirsOf } from '../support/leftovers.js';
import { lxcEnv } from '../support/lxc.js';
import { buildFixture, DIST, hasSquashfs, NEW_BUILD, OLD_BUILD, runLxcAsync, selfSignedCert, startImageServer, type ImageServer } from '../support/simplestreams.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : !hasSquashfs ? 'needs squashfs-tools' : false;
const ARCH = hostArch();

describe('the download template (simplestreams)', { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('download');
  const work = skip ? '' : tempDir('download');
  const cache = join(work, 'cache');
  const env = { CORRAL_CACHE_DIR: cache };
  const names: string[] = [];
  let srv: ImageServer;
  const name = (tag: string) => {
    const n = `dl-${tag}-${process.pid}`;
    names.push(n);
    return n;
  };
  const create = (n: string | undefined, ...args: string[]) =>
    runLxcAsync(lxc, 'lxc-create', [...(n ? ['-n', n] : []), '-t', 'download', '--', '--server', srv.url, ...args], env);
  const image = (release = '1.0') => ['-d', DIST, '-r', release, '-a', ARCH];
  const fileRequests = (from: number, file: string) => srv.requests.slice(from).filter((r) => r.path.endsWith(`/${file}`));
  const rootfsPath = () => srv.pathOf('1.0', NEW_BUILD, 'rootfs.tar.xz');

  before(async () => {
    srv = await startImageServer(buildFixture(work, ARCH));
  });
  after(async () => {
    for (const n of names) {
      lxc.run('lxc-stop', ['-n', n, '-k']);
      lxc.run('lxc-destroy', ['-n', n, '-f']);
    }
    await srv?.close();
    lxc.cleanup();
    execFileSync('rm', ['-rf', work]);
    for (const n of names) assert.deepEqual(cgroupDirsOf(n), []);
  });

  test('--list prints the newest build of each usable image, as a table and as JSON, and creates nothing', async () => {
    const r = await create(undefined, '--list');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^DIST\s+RELEASE\s+ARCH\s+VARIANT\s+BUILD$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)), [
      [DIST, '1.0', ARCH, 'default', NEW_BUILD],
      [DIST, '2.0', ARCH, 'default', NEW_BUILD],
    ]);
    const j = await runLxcAsync(lxc, 'lxc-create', ['-n', 'x', '--json', '-t', 'download', '--', '--server', srv.url, '--list', '-r', '2.0'], env);
    assert.equal(j.code, 0, j.stderr);
    const rows = JSON.parse(j.stdout) as { release: string; root: string }[];
    assert.deepEqual(rows.map((x) => [x.release, x.root]), [['2.0', 'root.squashfs']]);
    assert.ok(!existsSync(lxc.lxcpath) || readdirSync(lxc.lxcpath).length === 0, 'no container was made');
    assert.ok(!existsSync(cache), 'listing caches nothing');
  });

  test('create downloads the newest build, renders hostname and hosts; the container starts and runs a command', async () => {
    const n = name('a');
    const seen = srv.requests.length;
    const r = await create(n, ...image());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(srv.requests.slice(seen).map((q) => q.path), [
      'streams/v1/index.json', 'streams/v1/images.json', srv.pathOf('1.0', NEW_BUILD, 'lxd.tar.xz'), rootfsPath(),
    ]);
    const rootfs = join(lxc.lxcpath, n, 'rootfs');
    assert.equal(readFileSync(join(rootfs, 'etc/hostname'), 'utf8'), `${n}\n`);
    assert.match(readFileSync(join(rootfs, 'etc/hosts'), 'utf8'), new RegExp(`127\\.0\\.1\\.1\\t${n}\\.example\\.test ${n}\\n`));
    assert.ok(!existsSync(join(rootfs, 'etc/motd')), 'a template with control tags is not rendered');
    assert.ok(!existsSync(join(rootfs, 'etc/started')), 'a start-only template is not applied at create');
    assert.match(readFileSync(join(rootfs, 'etc/machine-id'), 'utf8'), /^[0-9a-f]{32}\n$/);
    const config = readFileSync(join(lxc.lxcpath, n, 'config'), 'utf8');
    assert.match(config, new RegExp(`# image ${DIST} 1\\.0 ${ARCH} default build ${NEW_BUILD} from ${srv.url}`));
    assert.match(config, /lxc\.signal\.halt = SIGUSR1/);
    const info = JSON.parse(readFileSync(join(lxc.lxcpath, n, 'image.json'), 'utf8')) as { properties: Record<string, string>; build: string };
    assert.equal(info.properties.os, 'Corraltest');
    assert.equal(info.build, NEW_BUILD);
    const cached = join(cache, 'download', DIST, '1.0', ARCH, 'default');
    assert.deepEqual(readdirSync(cached), [NEW_BUILD]);

    assert.equal(lxc.run('lxc-start', ['-n', n]).code, 0);
    const a = lxc.run('lxc-attach', ['-n', n, '--', 'cat', '/etc/os-release']);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, new RegExp(`BUILD_ID="${NEW_BUILD}"`));
    assert.equal(lxc.run('lxc-attach', ['-n', n, '--', 'hostname']).stdout, `${n}\n`);
    assert.equal(lxc.run('lxc-stop', ['-n', n]).code, 0);
  });

  test('a second create is a cache hit: not one request', async () => {
    const seen = srv.requests.length;
    const r = await create(name('b'), ...image());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(srv.requests.slice(seen), []);
  });

  test('a stale cache entry costs the catalog only while it is the newest build; an unreachable server falls back to it', async () => {
    const record = join(cache, 'download', DIST, '1.0', ARCH, 'default', NEW_BUILD, 'complete');
    const age = () => {
      const rec = JSON.parse(readFileSync(record, 'utf8')) as { checked: string };
      rec.checked = new Date(Date.now() - 3 * 86400_000).toISOString();
      writeFileSync(record, JSON.stringify(rec));
    };
    age();
    const seen = srv.requests.length;
    const r = await create(name('c'), ...image());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(srv.requests.slice(seen).map((q) => q.path), ['streams/v1/index.json', 'streams/v1/images.json']);

    age();
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const d = name('d');
    const off = await runLxcAsync(lxc, 'lxc-create', ['-n', d, '-t', 'download', '--', '--server', `http://127.0.0.1:${closed}`, ...image()], env);
    assert.equal(off.code, 0, off.stderr);
    assert.match(readFileSync(join(lxc.lxcpath, d, 'config'), 'utf8'), /\(cached-stale;/);
  });

  test('--flush-cache downloads again', async () => {
    const seen = srv.requests.length;
    const r = await create(name('e'), ...image(), '--flush-cache');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fileRequests(seen, 'rootfs.tar.xz').length, 1);
    assert.equal(fileRequests(seen, 'lxd.tar.xz').length, 1);
  });

  test('a corrupt file is refused with both hashes, after one fresh retry, and no container is left', async () => {
    srv.faults.corrupt.add(rootfsPath());
    try {
      const n = name('f');
      const seen = srv.requests.length;
      const r = await create(n, ...image(), '--flush-cache');
      assert.equal(r.code, 1);
      const expected = (JSON.parse(readFileSync(join(srv.root, 'streams/v1/images.json'), 'utf8')) as {
        products: Record<string, { versions: Record<string, { items: Record<string, { sha256: string }> }> }>;
      }).products[`${DIST}:1.0:${ARCH}:default`]!.versions[NEW_BUILD]!.items['rootfs.tar.xz']!.sha256;
      assert.match(r.stderr, new RegExp(`rootfs\\.tar\\.xz from .* is corrupt: sha256 [0-9a-f]{64}, expected ${expected}`));
      assert.match(r.stderr, /another --server/);
      assert.equal(fileRequests(seen, 'rootfs.tar.xz').length, 2, 'fetched once more from scratch before giving up');
      assert.ok(!existsSync(join(lxc.lxcpath, n)), 'no half-made container');
      const partial = join(cache, 'download', DIST, '1.0', ARCH, 'default', `${NEW_BUILD}.partial`);
      assert.ok(!existsSync(join(partial, 'rootfs.tar.xz.part')), 'the corrupt part is gone');
    } finally {
      srv.faults.corrupt.clear();
    }
  });

  test('a download cut short is resumed with a Range request and then checked', async () => {
    const size = readFileSync(join(srv.root, rootfsPath())).length;
    srv.faults.cut.set(rootfsPath(), [Math.floor(size / 3)]);
    const seen = srv.requests.length;
    const r = await create(name('g'), ...image());
    assert.equal(r.code, 0, r.stderr);
    const got = fileRequests(seen, 'rootfs.tar.xz');
    assert.deepEqual(got.map((q) => [q.range, q.status]), [[undefined, 200], [`bytes=${Math.floor(size / 3)}-`, 206]]);
  });

  test('a download that keeps failing stops after its retries; the next create resumes the part', async () => {
    const n = name('p');
    srv.faults.cut.set(rootfsPath(), [100, 100, 100, 100]);
    const seen = srv.requests.length;
    const r = await create(n, ...image(), '--flush-cache');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /downloading rootfs\.tar\.xz from \S+ failed: .*\(400 of \d+ bytes kept\)/);
    assert.match(r.stderr, /run the same command again: the download resumes/);
    assert.deepEqual(fileRequests(seen, 'rootfs.tar.xz').map((q) => q.range), [undefined, 'bytes=100-', 'bytes=200-', 'bytes=300-']);
    assert.ok(!existsSync(join(lxc.lxcpath, n)), 'no half-made container');
    const again = srv.requests.length;
    const ok = await create(n, ...image());
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(fileRequests(again, 'rootfs.tar.xz').map((q) => [q.range, q.status]), [['bytes=400-', 206]]);
    assert.deepEqual(fileRequests(again, 'lxd.tar.xz'), [], 'the metadata was complete already');
  });

  test('a server that ignores Range: the part starts over', async () => {
    srv.faults.honourRange = false;
    try {
      const size = readFileSync(join(srv.root, rootfsPath())).length;
      srv.faults.cut.set(rootfsPath(), [1000]);
      const seen = srv.requests.length;
      const r = await create(name('h'), ...image(), '--flush-cache');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(fileRequests(seen, 'rootfs.tar.xz').map((q) => [q.range, q.status]), [[undefined, 200], ['bytes=1000-', 200]]);
      assert.ok(size > 1000);
    } finally {
      srv.faults.honourRange = true;
    }
  });

  test('on a terminal a download slower than a second shows a progress bar; redirects are followed, loops bounded', async () => {
    srv.faults.slow.add(rootfsPath());
    try {
      const n = name('m');
      const cmd = [join(lxc.bin, 'lxc-create'), '-n', n, '-t', 'download', '--', '--server', `${srv.url}/moved`, ...image(), '--flush-cache'];
      // script(1) gives the command a terminal; its output is what the terminal showed
      const r = await runLxcAsync(lxc, 'script', ['-qefc', cmd.map((a) => `'${a}'`).join(' '), '/dev/null'], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /rootfs\.tar\.xz \[#*-*\] +\d+%  \d+\.\d\/\d+\.\d MiB/);
      assert.ok(existsSync(join(lxc.lxcpath, n, 'rootfs/etc/os-release')));
      assert.ok(srv.requests.some((q) => q.path === `moved/${rootfsPath()}` && q.status === 302));
    } finally {
      srv.faults.slow.clear();
    }
    const seen = srv.requests.length;
    const loop = await runLxcAsync(lxc, 'lxc-create', ['-n', name('n'), '-t', 'download', '--', '--server', `${srv.url}/loop`, '--list'], env);
    assert.equal(loop.code, 1);
    assert.match(loop.stderr, /more than 5 redirects/);
    assert.equal(srv.requests.length - seen, 6, 'the first request and five redirects, then it stops');
  });

  test('https: a private CA from NODE_EXTRA_CA_CERTS is trusted; without it the certificate is refused at once', async () => {
    const tls = selfSignedCert(work);
    const secure = await startImageServer(srv.root, tls);
    try {
      const list = ['-n', 'x', '-t', 'download', '--', '--server', secure.url, '--list'];
      const ok = await runLxcAsync(lxc, 'lxc-create', list, { ...env, NODE_EXTRA_CA_CERTS: tls.cert });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, new RegExp(`${DIST}\\s+1\\.0`));
      const n = name('q');
      const c = await runLxcAsync(lxc, 'lxc-create', ['-n', n, '-t', 'download', '--', '--server', secure.url, ...image(), '--flush-cache'], { ...env, NODE_EXTRA_CA_CERTS: tls.cert });
      assert.equal(c.code, 0, c.stderr);
      const seen = secure.requests.length;
      const bad = await runLxcAsync(lxc, 'lxc-create', list, { ...env, NODE_EXTRA_CA_CERTS: '' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /TLS connection was refused: .*self[- ]signed/i);
      assert.match(bad.stderr, /NODE_EXTRA_CA_CERTS/);
      assert.equal(secure.requests.length, seen, 'no request got through, and none was retried');
    } finally {
      await secure.close();
    }
  });

  test('a squashfs root is unpacked with unsquashfs', async () => {
    const n = name('i');
    const r = await create(n, ...image('2.0'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(lxc.lxcpath, n, 'rootfs/etc/os-release'), 'utf8'), /VERSION_ID="2\.0"/);
    assert.equal(readFileSync(join(lxc.lxcpath, n, 'rootfs/etc/hostname'), 'utf8'), `${n}\n`);
  });

  test('an image the server does not have: the error says what it has', async () => {
    const d = await create(name('j'), '-d', 'nosuch', '-r', '1', '-a', ARCH);
    assert.equal(d.code, 1);
    assert.match(d.stderr, new RegExp(`no container image nosuch/1/${ARCH}/default on ${srv.url} \\(the server has distributions: ${DIST}\\)`));
    const r = await create(name('k'), ...image('9.9'));
    assert.match(r.stderr, new RegExp(`releases of ${DIST}: 1\\.0, 2\\.0\\)`), 'a VM-only release is not offered');
    const v = await create(name('l'), ...image(), '--variant', 'cloud');
    assert.match(v.stderr, /variants of corraltest 1\.0 \S+: default/);
    for (const n of names.slice(-3)) assert.ok(!existsSync(join(lxc.lxcpath, n)));
    // the old build is not what anyone gets
    assert.ok(!srv.requests.some((q) => q.path.includes(OLD_BUILD)));
  });
});
