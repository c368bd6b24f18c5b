// Images that aim the runtime's own work at the host (the 2021 and 2025 runc mount races,
// CVE-2021-30465, CVE-2025-31133/52565): /dev, /dev/null, /dev/console or a mount target
// is a symlink to a host path (absolute, or relative with enough ".."). Every mknod, bind
// and mount must land inside the rootfs; the host paths (files and directories of the test's
// own) must stay as they were and never become mount points.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../support/busybox.js';
import { escapeSkip, HostGuard, OciTarget, SystemTarget } from '../support/escape.js';

interface Bait {
  dev: string;
  nul: string;
  console: string;
  mnt: string;
  mnt2: string;
  share: string;
}

/** Host files and directories of the test's own for the image's links to aim at. */
function bait(tag: string): Bait {
  const dir = tempDir(`bait-${tag}`);
  const b: Bait = {
    dev: join(dir, 'dev'),
    nul: join(dir, 'null'),
    console: join(dir, 'console'),
    mnt: join(dir, 'mnt'),
    mnt2: join(dir, 'mnt2'),
    share: join(dir, 'share'),
  };
  for (const d of [b.dev, b.mnt, b.mnt2, b.share]) mkdirSync(d);
  writeFileSync(b.nul, 'host null\n');
  writeFileSync(b.console, 'host console\n');
  writeFileSync(join(b.share, 'share-file'), 'from the share\n');
  return b;
}

function assertHostIntact(b: Bait): void {
  assert.deepEqual(readdirSync(b.dev), [], 'device nodes were made in a host directory');
  assert.deepEqual(readdirSync(b.mnt), [], 'something landed on a host directory');
  assert.deepEqual(readdirSync(b.mnt2), []);
  assert.equal(readFileSync(b.nul, 'utf8'), 'host null\n');
  assert.equal(readFileSync(b.console, 'utf8'), 'host console\n');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const p of [b.dev, b.nul, b.console, b.mnt, b.mnt2]) assert.ok(!mounts.includes(` ${p} `), `${p} became a mount point on the host`);
}

/** A relative link from `linkDir` (inside the rootfs) that climbs far past / to `target`. */
const climbing = (target: string) => `../../../../../../../../../..${target}`;

describe('escape: symlinks in the image aimed at the host', { skip: escapeSkip }, () => {
  let guard: HostGuard;
  before(() => {
    guard = new HostGuard();
  });
  after(() => guard.assertUntouched());

  test('system container, image /dev used (lxc.autodev = 0): /dev/null and mount targets', () => {
    const b = bait('sys');
    const c = new SystemTarget('esc-link', ['lxc.autodev = 0', `lxc.mount.entry = ${b.share} mnt/vol none bind,create=dir 0 0`, `lxc.mount.entry = ${b.share} mnt/vol2 none bind,create=dir 0 0`]);
    try {
      const dev = join(c.rootfs, 'dev');
      rmSync(dev, { recursive: true, force: true });
      mkdirSync(dev);
      symlinkSync(b.nul, join(dev, 'null'));
      mkdirSync(join(c.rootfs, 'mnt'), { recursive: true });
      symlinkSync(b.mnt, join(c.rootfs, 'mnt/vol'));
      symlinkSync(climbing(b.mnt2), join(c.rootfs, 'mnt/vol2'));
      c.start();
      const r = c.attach(['sh', '-c', `cat ${b.mnt}/share-file ${b.mnt2}/share-file; ls -l /dev/null | cut -c1`]);
      assert.equal(r.code, 0, r.stderr);
      // the binds landed where the links point inside the rootfs, /dev/null is a node again
      assert.equal(r.stdout, 'from the share\nfrom the share\nc\n');
      assertHostIntact(b);
    } finally {
      c.destroy();
    }
    assertHostIntact(b);
  });

  test('system container: /dev/console is a symlink to a host file', () => {
    const b = bait('syscons');
    const c = new SystemTarget('esc-conslink', ['lxc.autodev = 0']);
    try {
      symlinkSync(b.console, join(c.rootfs, 'dev/console'));
      // the console pty is bound where the link points inside the rootfs, which does not
      // exist: start refuses (nothing is created through a dangling link), the host is intact
      const r = c.lxc.run('lxc-start', ['-n', c.name]);
      if (r.code !== 0) assert.match(r.stderr, /\/dev\/console.*ENOENT/);
      assertHostIntact(b);
    } finally {
      c.destroy();
    }
    assertHostIntact(b);
  });

  test('system container: the image /dev is a symlink to a host directory', () => {
    const b = bait('sysdev');
    const c = new SystemTarget('esc-devlink');
    try {
      rmSync(join(c.rootfs, 'dev'), { recursive: true, force: true });
      symlinkSync(b.dev, join(c.rootfs, 'dev'));
      c.start();
      const r = c.attach(['sh', '-c', 'echo x > /dev/null && ls /dev | grep -c .']);
      assert.equal(r.code, 0, r.stderr);
      assertHostIntact(b);
    } finally {
      c.destroy();
    }
    assertHostIntact(b);
  });

  test('OCI container: /dev and a bind destination are symlinks to host paths', () => {
    const b = bait('oci');
    const c = new OciTarget('esc-link', ['sh', '-c', `cat ${b.mnt}/share-file ${b.mnt2}/share-file && echo x > /dev/null && echo ok`], (spec) => {
      spec.mounts!.push({ destination: '/data', type: 'bind', source: b.share, options: ['rbind', 'rw'] });
      spec.mounts!.push({ destination: '/data2', type: 'bind', source: b.share, options: ['rbind', 'rw'] });
    });
    try {
      rmSync(join(c.rootfs, 'dev'), { recursive: true, force: true });
      symlinkSync(b.dev, join(c.rootfs, 'dev'));
      symlinkSync(b.mnt, join(c.rootfs, 'data'));
      symlinkSync(climbing(b.mnt2), join(c.rootfs, 'data2'));
      const r = c.run();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'from the share\nfrom the share\nok\n');
      assertHostIntact(b);
    } finally {
      c.destroy();
    }
    assertHostIntact(b);
  });
});
