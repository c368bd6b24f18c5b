// The rootfs of a container with a user namespace: which way it gets its owners (idmapped
// mount, on-disk shift, nothing), the shift itself, and the plan ops of an idmapped rootfs.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { IdMap } from '../../src/core/config/model.js';
import { hostIdOf, idmapUnsupported, ownershipPlan, rootfsIsShifted, shiftRootfs, SHIFT_RECORD } from '../../src/core/rootfs-idmap.js';
import { HelperError } from '../../src/runtime/helper.js';
import { buildCreatePlan } from '../../src/runtime/plan/create-plan.js';
import type { Spec } from '../../src/runtime/spec/types.js';
import { tempDir } from '../support/busybox.js';

const pos = { file: 'config', line: 1 };
const MAPS: IdMap[] = [
  { type: 'u', containerId: 0, hostId: 100000, range: 65536, pos },
  { type: 'g', containerId: 0, hostId: 100000, range: 65536, pos },
];
const isRoot = process.getuid?.() === 0;

describe('rootfs ownership for lxc.idmap', () => {
  const dir = tempDir('idmap-unit');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('host ids of container ids', () => {
    assert.equal(hostIdOf(MAPS, 'u', 0), 100000);
    assert.equal(hostIdOf(MAPS, 'g', 1000), 101000);
    assert.equal(hostIdOf(MAPS, 'u', 65536), undefined);
  });

  test('the plan: nothing without maps, an idmapped mount for a rootfs owned by host root, the shift when asked', () => {
    const rootfs = join(dir, 'plan', 'rootfs');
    mkdirSync(rootfs, { recursive: true });
    assert.equal(ownershipPlan(rootfs, join(dir, 'plan'), []), 'none');
    // a fresh directory is owned by whoever runs the test: host root when root
    if (isRoot) assert.equal(ownershipPlan(rootfs, join(dir, 'plan'), MAPS), 'idmap');
    process.env.CORRAL_NO_IDMAPPED_MOUNTS = '1';
    try {
      if (isRoot) assert.equal(ownershipPlan(rootfs, join(dir, 'plan'), MAPS), 'shift');
    } finally {
      delete process.env.CORRAL_NO_IDMAPPED_MOUNTS;
    }
  });

  test('the shift: owners mapped, set-user-ID kept, symlinks not followed, a record; then nothing more to do', { skip: !isRoot && 'needs root (chown)' }, () => {
    const base = join(dir, 'shift');
    const rootfs = join(base, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    writeFileSync(join(rootfs, 'bin/su'), '');
    chmodSync(join(rootfs, 'bin/su'), 0o4755);
    writeFileSync(join(rootfs, 'owned-by-1000'), '');
    chownSync(join(rootfs, 'owned-by-1000'), 1000, 1000);
    const outside = join(base, 'outside');
    writeFileSync(outside, '');
    symlinkSync(outside, join(rootfs, 'link'));
    const n = shiftRootfs(rootfs, base, MAPS);
    assert.equal(n, 5);
    assert.equal(lstatSync(join(rootfs, 'bin/su')).uid, 100000);
    assert.equal(lstatSync(join(rootfs, 'bin/su')).mode & 0o7777, 0o4755);
    assert.equal(lstatSync(join(rootfs, 'owned-by-1000')).gid, 101000);
    assert.equal(lstatSync(join(rootfs, 'link')).uid, 100000);
    assert.equal(lstatSync(outside).uid, 0, 'a symlink target outside the rootfs is not touched');
    assert.equal(readFileSync(join(base, SHIFT_RECORD), 'utf8'), 'u 0 100000 65536\ng 0 100000 65536\n');
    assert.ok(rootfsIsShifted(rootfs, MAPS));
    assert.equal(ownershipPlan(rootfs, base, MAPS), 'none');
  });

  test('a failed IDMAP_MOUNT is what makes a start fall back to the shift', () => {
    const failure = { stage: 'parent', step: 5, op: 'IDMAP_MOUNT', errno: 22, errname: 'EINVAL', message: 'idmap the mount' };
    assert.ok(idmapUnsupported(new HelperError('create', failure)));
    assert.ok(!idmapUnsupported(new HelperError('create', { ...failure, op: 'MOUNT' })));
    assert.ok(!idmapUnsupported(new Error('x')));
  });
});

describe('plan: an idmapped rootfs', () => {
  const spec = (user: boolean): Spec => ({
    ociVersion: '1.0.2',
    root: { path: '/r' },
    process: { user: { uid: 0, gid: 0 }, cwd: '/', args: ['/sbin/init'] },
    linux: {
      namespaces: [{ type: 'mount' }, { type: 'pid' }, ...(user ? [{ type: 'user' as const }] : [])],
      ...(user ? { uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] } : {}),
    },
  });
  const plan = (user: boolean, idmapRootfs: boolean) =>
    buildCreatePlan({ spec: spec(user), bundle: '/b', stateDir: '/s', cgroup: { joinDirs: [] }, syncForHooks: false, idmapRootfs }).ops.map((o) => o.op);

  test('IDMAP_MOUNT after the maps; MOUNT_DETACHED instead of the rootfs bind, before ROOTFS', () => {
    const ops = plan(true, true);
    assert.ok(ops.indexOf('IDMAP_MOUNT') > ops.indexOf('GID_MAP'));
    assert.equal(ops[ops.indexOf('ROOTFS') - 1], 'MOUNT_DETACHED');
    assert.ok(!plan(true, false).includes('IDMAP_MOUNT'));
  });

  test('no user namespace: nothing to map into', () => {
    const ops = plan(false, true);
    assert.ok(!ops.includes('IDMAP_MOUNT') && !ops.includes('MOUNT_DETACHED'));
  });
});
