import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CgroupError, normalizeCgroupPath, openCgroupManager, recordingCgroupHost, type CgroupSystem } from '../../src/runtime/cgroup/index.js';

const V2: CgroupSystem = { layout: 'v2', v1: {}, unified: '/sys/fs/cgroup' };
const HYBRID: CgroupSystem = { layout: 'hybrid', v1: { memory: '/sys/fs/cgroup/memory', 'name=systemd': '/sys/fs/cgroup/systemd' }, unified: '/sys/fs/cgroup/unified' };
const V1: CgroupSystem = { layout: 'v1', v1: { 'cpu,cpuacct': '/c/cpu,cpuacct', 'name=systemd': '/c/systemd' } };
const mgr = (system: CgroupSystem) => openCgroupManager({ system, host: recordingCgroupHost() });

const SELF_V2 = '0::/user.slice/user-0.slice/session-3.scope\n';
const SELF_HYBRID = '9:name=systemd:/system.slice/x.service\n4:memory:/mem/only\n0::/unified/path\n';
const SELF_V1 = '4:cpu,cpuacct:/a\n1:name=systemd:/system.slice/ssh.service\n';

test('empty or missing cgroupsPath -> /corral/<id>', () => {
  assert.equal(mgr(V2).resolvePath(undefined, 'abc'), '/corral/abc');
  assert.equal(mgr(V2).resolvePath('', 'abc'), '/corral/abc');
});

test('an id that is not a single path segment is refused', () => {
  assert.throws(() => mgr(V2).resolvePath(undefined, '../x'), CgroupError);
  assert.throws(() => mgr(V2).resolvePath(undefined, 'a/b'), CgroupError);
});

test('absolute paths are used as they are, normalized', () => {
  assert.equal(mgr(V2).resolvePath('/machine/c1', 'x'), '/machine/c1');
  assert.equal(mgr(V2).resolvePath('//machine/./c1/', 'x'), '/machine/c1');
});

test('".." is rejected anywhere', () => {
  for (const p of ['/a/../b', '../b', 'a/..', '/..']) {
    assert.throws(() => mgr(V2).resolvePath(p, 'x', SELF_V2), (e: unknown) => e instanceof CgroupError && /\.\./.test(e.message), p);
  }
});

test('relative paths go under the caller\'s own cgroup: cgroup2 line on v2 and hybrid', () => {
  assert.equal(mgr(V2).resolvePath('sub/c1', 'x', SELF_V2), '/user.slice/user-0.slice/session-3.scope/sub/c1');
  assert.equal(mgr(HYBRID).resolvePath('c1', 'x', SELF_HYBRID), '/unified/path/c1');
});

test('relative paths on v1 use the name=systemd line', () => {
  assert.equal(mgr(V1).resolvePath('c1', 'x', SELF_V1), '/system.slice/ssh.service/c1');
});

test('relative paths strip the mount root of a sub-tree view', () => {
  const system: CgroupSystem = { ...V2, roots: { unified: '/docker/abc' } };
  assert.equal(mgr(system).resolvePath('c1', 'x', '0::/docker/abc/inner\n'), '/inner/c1');
  assert.equal(mgr(system).resolvePath('c1', 'x', '0::/docker/abc\n'), '/c1');
});

test('systemd slice:prefix:name paths are refused with a hint', () => {
  assert.throws(() => mgr(V2).resolvePath('system.slice:corral:abc', 'x'), (e: unknown) => e instanceof CgroupError && /systemd/.test(e.message) && !!e.hint);
});

test('normalizeCgroupPath refuses the root and relative paths', () => {
  assert.throws(() => normalizeCgroupPath('/'), CgroupError);
  assert.throws(() => normalizeCgroupPath('a/b'), CgroupError);
  assert.throws(() => normalizeCgroupPath('/a\nb'), CgroupError);
});
