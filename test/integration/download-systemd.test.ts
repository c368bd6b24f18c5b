// A Debian image from the download template booting systemd, as debian.test.ts does for
// the debian template (the same checks: test/support/systemd-checks.ts). The image is a
// real Debian tree — the debian template's debootstrap cache ($CORRAL_CACHE_DIR honoured),
// built first when there is none — packed as images.linuxcontainers.org packs its debian
// images (test/support/debian-image.ts) and served by the fixture server on 127.0.0.1;
// `lxc-create -t download` fetches it into a download cache of the test's own. Skipped with
// the reason when the tree cannot be had (no debootstrap, or the Debian mirror is out of
// reach, the same check as debian.test.ts).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { cacheRoot } from '../../src/core/templates/debian-cache.js';
import { hostArch } from '../../src/core/templates/download-options.js';
import { tempDir } from '../support/busybox.js';
import { CORRAL, isRoot } from '../support/cli.js';
import { buildDebianFixture, debianCacheTree, DEBIAN_BUILD } from '../support/debian-image.js';
import { hasNetTools } from '../support/net.js';
import { hasSquashfs, runAsync, startImageServer, type ImageServer } from '../support/simplestreams.js';
import { bridgeConfig, bridgeUp, maskAptTimers, MIRROR_UNREACHABLE, systemdBootChecks, systemdSuite, tearDown } from '../support/systemd-checks.js';

const skip = !isRoot() ? 'needs root' : !hasNetTools() ? 'needs iproute2, dnsmasq-base, nftables, util-linux' : !hasSquashfs ? 'needs squashfs-tools' : false;
const RELEASE = 'bookworm';
const ARCH = hostArch();

describe('a Debian image from the download template booting systemd', { skip, timeout: 300_000 }, () => {
  const name = `dls-${process.pid}`;
  const s = skip ? undefined! : systemdSuite('dlsys', name);
  const work = skip ? '' : tempDir('dlsys');
  const downloadCache = join(work, 'cache');
  let srv: ImageServer | undefined;

  before(() => bridgeUp(s));
  after(async () => {
    await srv?.close();
    rmSync(work, { recursive: true, force: true });
    tearDown(s);
  });

  /** The debootstrap tree of the debian template, made by a create of it when there is none yet. */
  function debianTree(t: TestContext): string | undefined {
    const cached = debianCacheTree(RELEASE, ARCH);
    if (cached) return cached;
    if (!existsSync('/usr/sbin/debootstrap')) {
      s.unavailable = 'no debootstrap cache of the debian template and no debootstrap to make one (apt-get install debootstrap)';
      t.skip(s.unavailable);
      return undefined;
    }
    const seed = `${name}-seed`;
    const r = s.e.corral(['create', '-n', seed, '-t', 'debian', '--', '--release', RELEASE, '--arch', ARCH], { timeoutMs: 200_000 });
    s.e.corral(['destroy', '-n', seed, '-f']);
    if (r.code !== 0 && MIRROR_UNREACHABLE.test(r.stderr)) {
      s.unavailable = `the Debian mirror cannot be reached: ${r.stderr.trim().split('\n')[0]}`;
      t.skip(s.unavailable);
      return undefined;
    }
    assert.equal(r.code, 0, r.stderr);
    return debianCacheTree(RELEASE, ARCH);
  }

  test('a simplestreams image of the Debian tree (incus.tar.xz, root.squashfs) on 127.0.0.1', async (t) => {
    const tree = debianTree(t);
    if (!tree) return;
    const started = Date.now();
    const root = buildDebianFixture(work, tree, RELEASE, ARCH);
    const took = Date.now() - started;
    t.diagnostic(`packing ${tree} took ${took} ms`);
    assert.ok(took < 30_000, `packing the image took ${took} ms`);
    srv = await startImageServer(root);
  });

  test(`lxc-create -t download -- -d debian -r ${RELEASE}: the image's templates rendered, systemd's halt signal`, async (t) => {
    if (s.unavailable) return t.skip(s.unavailable);
    assert.ok(srv, 'the image server runs');
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(CORRAL, join(bin, 'lxc-create'));
    const started = Date.now();
    const r = await runAsync(join(bin, 'lxc-create'), ['-n', name, '-f', bridgeConfig(s), '-t', 'download', '--', '-d', 'debian', '-r', RELEASE, '-a', ARCH, '--server', srv.url],
      { ...s.e.env, CORRAL_CACHE_DIR: downloadCache }, 120_000);
    assert.equal(r.code, 0, r.stderr);
    s.created = true;
    t.diagnostic(`create took ${Date.now() - started} ms`);
    assert.deepEqual(srv.requests.map((q) => [q.path, q.status]), [
      ['streams/v1/index.json', 200], ['streams/v1/images.json', 200],
      [`images/debian/${RELEASE}/${ARCH}/default/${DEBIAN_BUILD}/incus.tar.xz`, 200], [`images/debian/${RELEASE}/${ARCH}/default/${DEBIAN_BUILD}/root.squashfs`, 200],
    ]);
    const rootfs = join(s.e.lxcpath, name, 'rootfs');
    assert.equal(readFileSync(join(rootfs, 'etc/hostname'), 'utf8'), `${name}\n`);
    assert.match(readFileSync(join(rootfs, 'etc/hosts'), 'utf8'), new RegExp(`^127\\.0\\.1\\.1\\t${name}\\n127\\.0\\.0\\.1\\tlocalhost\\n`));
    assert.match(readFileSync(join(rootfs, 'etc/machine-id'), 'utf8'), /^[0-9a-f]{32}\n$/);
    const config = readFileSync(join(s.e.lxcpath, name, 'config'), 'utf8');
    assert.match(config, new RegExp(`^# image debian ${RELEASE} ${ARCH} default build ${DEBIAN_BUILD} from ${srv.url} `, 'm'));
    assert.match(config, /^lxc\.signal\.halt = SIGRTMIN\+3$/m);
    assert.match(config, new RegExp(`^lxc\\.net\\.0\\.link = ${s.e.bridge}$`, 'm'));
    // the image went to the test's own download cache, not the machine's
    assert.deepEqual(readdirSync(join(downloadCache, 'download/debian', RELEASE, ARCH, 'default')), [DEBIAN_BUILD]);
    assert.ok(!existsSync(join(dirname(cacheRoot()), 'download/debian', RELEASE, ARCH, 'default', DEBIAN_BUILD)));
    maskAptTimers(rootfs);
  });

  systemdBootChecks(s);
});
