// Planning that looks into the image before the container exists: symlinks followed inside
// the rootfs (mount destinations, /etc/passwd), a tmpfs keeping the mode of what it covers,
// HOME from passwd, /dev/core only with /proc/kcore. Found by the differential suite.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { deviceNodes, devOps } from '../../src/runtime/plan/devices.js';
import { envWithHome, passwdHome, readImagePasswd } from '../../src/runtime/plan/home.js';
import { resolveInRoot, secureJoin } from '../../src/runtime/plan/in-root.js';
import { MS } from '../../src/runtime/plan/linux-constants.js';
import { devReadonlyOps, mountOps, type MountContext } from '../../src/runtime/plan/mounts.js';

const root = mkdtempSync(join(tmpdir(), 'corral-unit-inroot-'));
after(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(join(root, 'etc'));
mkdirSync(join(root, 'data/sub'), { recursive: true });
mkdirSync(join(root, 'keep'));
chmodSync(join(root, 'keep'), 0o750);
symlinkSync('/tmp/host-target', join(root, 'evil')); // absolute: restarts at the rootfs
symlinkSync('../../../data', join(root, 'etc/up')); // climbs no higher than the rootfs
symlinkSync('loop2', join(root, 'loop1'));
symlinkSync('loop1', join(root, 'loop2'));
writeFileSync(join(root, 'etc/passwd.real'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nnohome:x:1001:1001::::\n');
symlinkSync('/etc/passwd.real', join(root, 'etc/passwd'));

test('secureJoin follows image symlinks inside the rootfs and keeps missing components', () => {
  assert.equal(secureJoin(root, '/evil'), '/tmp/host-target');
  assert.equal(secureJoin(root, '/evil/a/b'), '/tmp/host-target/a/b');
  assert.equal(secureJoin(root, '/etc/up/sub'), '/data/sub');
  assert.equal(secureJoin(root, '/../../data/./sub/..'), '/data');
  assert.equal(secureJoin(root, '/loop1'), undefined);
  // a covered path is not looked at: the image's symlink there is not what the container sees
  assert.equal(secureJoin(root, '/evil', (p) => p === '/evil'), '/evil');
  assert.equal(resolveInRoot(root, '/etc/up/sub'), join(root, 'data/sub'));
  assert.equal(resolveInRoot(root, '/evil'), undefined);
});

test('HOME: from the image passwd (through an in-root symlink), "/" when unlisted, env HOME kept', () => {
  const passwd = readImagePasswd(root);
  assert.equal(passwdHome(passwd, 1000), '/home/app');
  assert.equal(passwdHome(passwd, 1001), '/');
  assert.equal(passwdHome(passwd, 4242), '/');
  assert.equal(readImagePasswd(join(root, 'data')), '');
  assert.deepEqual(envWithHome(['PATH=/bin'], '/root'), ['PATH=/bin', 'HOME=/root']);
  assert.deepEqual(envWithHome(['HOME=/x', 'PATH=/bin'], '/root'), ['HOME=/x', 'PATH=/bin']);
  assert.deepEqual(envWithHome(['HOME=', 'PATH=/bin'], '/root'), ['PATH=/bin', 'HOME=/root']);
});

const ctx: MountContext = { bundle: '/b', rootfs: root, newNetNs: true, newCgroupNs: true, isDirectory: () => true };

test('a mount onto an image symlink lands inside the rootfs where the link points', () => {
  const ops = mountOps([{ destination: '/evil', type: 'bind', source: '/srv/data', options: ['bind'] }], ctx);
  assert.deepEqual(ops, [{ op: 'MOUNT_IN_ROOT', args: ['/srv/data', '/tmp/host-target', '', MS.BIND, '', 1] }]);
  // below an earlier mount the image is hidden: the destination is kept as written
  const bind = { destination: '/etc/up', type: 'bind', source: '/srv/data', options: ['bind'] };
  assert.equal(mountOps([bind], ctx)[0]!.args[1], '/data');
  const covered = mountOps([{ destination: '/etc', type: 'tmpfs', source: 'tmpfs' }, bind], ctx);
  assert.equal(covered.at(-1)!.args[1], '/etc/up');
});

test('tmpfs: the covered directory mode comes first, ro is a bind remount, a ro /dev waits for its nodes', () => {
  const ops = mountOps(
    [
      { destination: '/keep', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
      { destination: '/new', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid', 'mode=1777'] },
    ],
    ctx,
  );
  assert.deepEqual(ops, [
    { op: 'MOUNT_IN_ROOT', args: ['tmpfs', '/keep', 'tmpfs', 0, 'mode=0750,size=1m', 1] },
    { op: 'MOUNT_IN_ROOT', args: ['tmpfs', '/new', 'tmpfs', MS.NOSUID, 'mode=1777', 1] },
    { op: 'MOUNT_IN_ROOT', args: ['', '/new', '', MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID, '', 0] },
  ]);
  const dev = [{ destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'ro', 'mode=755'] }];
  assert.deepEqual(mountOps(dev, { ...ctx, rootfs: '' }), [{ op: 'MOUNT_IN_ROOT', args: ['tmpfs', '/dev', 'tmpfs', MS.NOSUID, 'mode=755', 1] }]);
  assert.deepEqual(devReadonlyOps(dev), [{ op: 'MOUNT_IN_ROOT', args: ['', '/dev', '', MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID, '', 0] }]);
  assert.deepEqual(devReadonlyOps([{ destination: '/dev', type: 'tmpfs', source: 'tmpfs' }]), []);
});

test('/dev/core links to /proc/kcore only when the kernel has it', () => {
  const links = (hostHasKcore: boolean) =>
    devOps(deviceNodes(), { userNamespace: false, mounts: [], hostHasKcore })
      .filter((o) => o.op === 'SYMLINK_IN_ROOT')
      .map((o) => o.args[1]);
  assert.ok(links(true).includes('/dev/core'));
  assert.ok(!links(false).includes('/dev/core'));
});
