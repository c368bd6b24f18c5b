import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MS } from '../../src/runtime/plan/linux-constants.js';
import { parseMountOptions } from '../../src/runtime/plan/mount-options.js';
import { cgroupMountOps, mountOps, rootfsPrepOps, type MountContext } from '../../src/runtime/plan/mounts.js';

const ctx: MountContext = { bundle: '/b', rootfs: '/b/rootfs', newNetNs: true, newCgroupNs: true, isDirectory: (p) => !p.endsWith('.conf') };

test('mount options: flags set and cleared in order, propagation and data kept apart', () => {
  const o = parseMountOptions(['nosuid', 'ro', 'rw', 'noexec', 'rslave', 'mode=755', 'size=65536k', 'tmpcopyup']);
  assert.equal(o.flags, MS.NOSUID | MS.NOEXEC);
  assert.deepEqual(o.propagation, [MS.SLAVE | MS.REC]);
  assert.equal(o.data, 'mode=755,size=65536k');
  assert.deepEqual(o.ignored, ['tmpcopyup']);
  assert.equal(parseMountOptions(['rbind']).recursive, true);
});

test('rootfs preparation: slave recursive by default, rbind onto itself, root fd', () => {
  assert.deepEqual(rootfsPrepOps('/r', undefined), [
    { op: 'MOUNT', args: ['', '/', '', MS.SLAVE | MS.REC, ''] },
    { op: 'MOUNT', args: ['/r', '/r', '', MS.BIND | MS.REC, ''] },
    { op: 'ROOTFS', args: ['/r'] },
  ]);
  assert.equal(rootfsPrepOps('/r', 'private')[0]!.args[3], MS.PRIVATE | MS.REC);
});

test('a plain mount is one MOUNT_IN_ROOT creating its directory', () => {
  const ops = mountOps([{ destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid'] }], ctx);
  assert.deepEqual(ops, [{ op: 'MOUNT_IN_ROOT', args: ['proc', '/proc', 'proc', MS.NOSUID, '', 1] }]);
});

test('a read-only bind mount is a bind then a remount, file targets created as files', () => {
  const ops = mountOps([{ destination: '/etc/x.conf', type: 'bind', source: 'x.conf', options: ['bind', 'ro', 'nosuid', 'private'] }], ctx);
  assert.deepEqual(ops, [
    { op: 'MOUNT_IN_ROOT', args: ['/b/x.conf', '/etc/x.conf', '', MS.BIND, '', 2] },
    { op: 'MOUNT_IN_ROOT', args: ['', '/etc/x.conf', '', MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID, '', 0] },
    { op: 'MOUNT_IN_ROOT', args: ['', '/etc/x.conf', '', MS.PRIVATE, '', 0] },
  ]);
});

test('sysfs without a network namespace binds the host /sys (as runc)', () => {
  const ops = mountOps([{ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro', 'nosuid'] }], { ...ctx, newNetNs: false });
  assert.equal(ops[0]!.args[0], '/sys');
  assert.equal(ops[0]!.args[3], MS.BIND | MS.REC);
  assert.equal(ops[1]!.args[3], MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID);
});

test('cgroup mount on a hybrid host with a cgroup namespace: tmpfs, each hierarchy, unified, ro remount', () => {
  const ops = cgroupMountOps('/sys/fs/cgroup', MS.RDONLY | MS.NOSUID, {
    ...ctx,
    cgroups: { layout: 'hybrid', v1: { memory: '/sys/fs/cgroup/memory', 'cpu,cpuacct': '/sys/fs/cgroup/cpu,cpuacct', 'name=systemd': '/sys/fs/cgroup/systemd' }, unified: '/sys/fs/cgroup/unified', path: '/corral/x' },
  });
  const summary = ops.map((o) => `${o.op} ${o.args[1]} ${o.args[2] ?? ''} ${o.op === 'MOUNT_IN_ROOT' ? o.args[4] : ''}`.trim());
  assert.deepEqual(summary, [
    'MOUNT_IN_ROOT /sys/fs/cgroup tmpfs mode=755',
    'MOUNT_IN_ROOT /sys/fs/cgroup/cpu,cpuacct cgroup cpu,cpuacct',
    'SYMLINK_IN_ROOT /sys/fs/cgroup/cpu',
    'SYMLINK_IN_ROOT /sys/fs/cgroup/cpuacct',
    'MOUNT_IN_ROOT /sys/fs/cgroup/memory cgroup memory',
    'MOUNT_IN_ROOT /sys/fs/cgroup/systemd cgroup name=systemd',
    'MOUNT_IN_ROOT /sys/fs/cgroup/unified cgroup2',
    'MOUNT_IN_ROOT /sys/fs/cgroup  mode=755',
  ]);
});

test('cgroup mount without a cgroup namespace binds only the container subtree', () => {
  const ops = cgroupMountOps('/sys/fs/cgroup', 0, {
    ...ctx,
    newCgroupNs: false,
    cgroups: { layout: 'v2', v1: {}, unified: '/sys/fs/cgroup', path: '/corral/x' },
  });
  assert.deepEqual(ops, [{ op: 'MOUNT_IN_ROOT', args: ['/sys/fs/cgroup/corral/x', '/sys/fs/cgroup', '', MS.BIND | MS.REC, '', 1] }]);
});
