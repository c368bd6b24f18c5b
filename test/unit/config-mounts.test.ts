// lxc.mount.auto modes, lxc.mount.entry lines and the /dev LXC's autodev makes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig, toOciSpec, type OciResult } from '../../src/core/config/index.js';
import { autoMounts, parseMountAuto, type MountAuto } from '../../src/core/config/mount-auto.js';
import { entryToOciMount, parseMountEntry } from '../../src/core/config/mount-entry.js';

const pos = { file: '/c/config', line: 1 };
const ROOTFS = '/var/lib/corral/c1/rootfs';

function oci(text: string): OciResult {
  return toOciSpec(parseConfig(text, { file: '/c/config' }), { name: 'c1', rootfs: ROOTFS, cgroupLayout: 'v2' });
}

const brief = (r: OciResult): string[] => r.spec.mounts!.map((m) => `${m.destination} ${m.type} ${m.source} ${(m.options ?? []).join(',')}`);

function auto(value: string, opts = { hasSysAdmin: true, netAdminInOwnNetns: true }) {
  const a: MountAuto = {};
  parseMountAuto(value, a);
  return autoMounts(a, opts);
}

describe('lxc.mount.auto', () => {
  test('proc, proc:mixed: read-only /proc/sys and sysrq-trigger, /proc/sys/net writable', () => {
    for (const v of ['proc', 'proc:mixed']) {
      const r = auto(v);
      assert.deepEqual(r.mounts, [{ destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'nodev', 'noexec'] }]);
      assert.deepEqual(r.readonlyPaths, ['/proc/sys', '/proc/sysrq-trigger']);
      assert.deepEqual(r.writablePaths, ['/proc/sys/net']);
    }
    assert.deepEqual(auto('proc', { hasSysAdmin: true, netAdminInOwnNetns: false }).writablePaths, []);
  });

  test('proc:rw', () => {
    const r = auto('proc:rw');
    assert.equal(r.mounts.length, 1);
    assert.deepEqual(r.readonlyPaths, []);
  });

  test('sys, sys:mixed, sys:ro, sys:rw', () => {
    assert.deepEqual(auto('sys').mounts[0]!.options, ['nosuid', 'nodev', 'noexec', 'ro']);
    assert.deepEqual(auto('sys:mixed').writablePaths, ['/sys/devices/virtual/net']);
    assert.deepEqual(auto('sys:ro').writablePaths, []);
    assert.deepEqual(auto('sys:ro').mounts[0]!.options, ['nosuid', 'nodev', 'noexec', 'ro']);
    assert.deepEqual(auto('sys:rw').mounts[0]!.options, ['nosuid', 'nodev', 'noexec']);
  });

  test('cgroup modes; without a mode it depends on CAP_SYS_ADMIN (always rw under a cgroup namespace)', () => {
    const opt = (v: string, sysAdmin = true) => auto(v, { hasSysAdmin: sysAdmin, netAdminInOwnNetns: true }).mounts[0]!.options!.at(-1);
    assert.equal(opt('cgroup:ro'), 'ro');
    assert.equal(opt('cgroup:ro:force'), 'ro');
    assert.equal(opt('cgroup:rw'), 'rw');
    assert.equal(opt('cgroup:mixed'), 'rw');
    assert.equal(opt('cgroup'), 'rw');
    assert.equal(opt('cgroup', false), 'rw');
    assert.equal(auto('cgroup:ro').mounts[0]!.destination, '/sys/fs/cgroup');
    assert.equal(auto('cgroup:ro').mounts[0]!.type, 'cgroup');
    assert.equal(opt('cgroup-full:ro'), 'ro');
    assert.match(auto('cgroup-full:mixed').warnings[0]!, /own cgroup subtree/);
  });

  test('several tokens and lines add up; a later mode wins; clearing removes all', () => {
    const r = oci('lxc.mount.auto = proc:rw\nlxc.mount.auto = sys:ro cgroup:ro\nlxc.mount.auto = proc:mixed');
    assert.deepEqual(r.spec.mounts!.filter((m) => ['/proc', '/sys', '/sys/fs/cgroup'].includes(m.destination)).length, 3);
    assert.deepEqual(r.spec.linux!.readonlyPaths, ['/proc/sys', '/proc/sysrq-trigger']);
    assert.equal(oci('lxc.mount.auto = proc sys\nlxc.mount.auto =').spec.mounts!.filter((m) => m.destination === '/proc').length, 0);
  });

  test('invalid tokens', () => {
    for (const v of ['proc:ro', 'sys:mixed:force', 'cgroup:ro:rw', 'dev', 'shmounts:']) assert.throws(() => parseConfig(`lxc.mount.auto = ${v}`), /lxc\.mount\.auto/, v);
  });
});

describe('lxc.mount.entry', () => {
  test('fstab fields, LXC options split off', () => {
    const e = parseMountEntry('/srv/data  srv/data none rbind,ro,create=dir,optional 0 0', pos);
    assert.deepEqual(
      { source: e.source, target: e.target, fstype: e.fstype, options: e.options, create: e.create, optional: e.optional, relative: e.relative },
      { source: '/srv/data', target: 'srv/data', fstype: 'none', options: ['rbind', 'ro'], create: 'dir', optional: true, relative: false },
    );
    assert.deepEqual(parseMountEntry('tmpfs tmp tmpfs', pos).options, []);
    assert.equal(parseMountEntry('/a\\040b my\\040dir none bind 0 0', pos).target, 'my dir');
    assert.equal(parseMountEntry('/f etc/f none bind,create=file', pos).create, 'file');
  });

  test('relative targets are relative to the rootfs; absolute ones must lie inside it', () => {
    const ctx = { rootfs: ROOTFS, rootfsAliases: ['/srv/c1-rootfs'] };
    const dest = (line: string) => {
      const r = entryToOciMount(parseMountEntry(line, pos), ctx);
      return 'mount' in r ? r.mount.destination : `skipped: ${r.skipped}`;
    };
    assert.equal(dest('/lib lib none ro,bind 0 0'), '/lib');
    assert.equal(dest('/lib ./usr/../lib64 none bind 0 0'), '/lib64');
    assert.equal(dest(`/lib ${ROOTFS}/opt/lib none bind 0 0`), '/opt/lib');
    assert.equal(dest('/lib /srv/c1-rootfs/x none bind 0 0'), '/x');
    assert.match(dest('/lib /mnt/lib none bind 0 0'), /^skipped: the absolute target "\/mnt\/lib" is not inside the rootfs/);
  });

  test('the "relative" option makes the source relative to the rootfs', () => {
    const r = entryToOciMount(parseMountEntry('dev/null proc/kcore none bind,relative 0 0', pos), { rootfs: ROOTFS, rootfsAliases: [] });
    assert.ok('mount' in r);
    assert.deepEqual(r.mount, { destination: '/proc/kcore', type: 'none', source: `${ROOTFS}/dev/null`, options: ['bind'] });
  });

  test('in the spec: after the automatic mounts, optional ones listed, skipped ones warned about', () => {
    const r = oci([
      'lxc.mount.auto = proc sys',
      'lxc.mount.entry = /srv srv none bind,create=dir,optional 0 0',
      'lxc.mount.entry = /x /elsewhere none bind 0 0',
      `lxc.mount.entry = tmpfs ${ROOTFS}/run tmpfs mode=755 0 0`,
    ].join('\n'));
    assert.deepEqual(brief(r).slice(-2), ['/srv none /srv bind', '/run tmpfs tmpfs mode=755']);
    assert.deepEqual(r.launch.optionalMounts, ['/srv']);
    assert.match(r.warnings[0]!, /config:3: lxc\.mount\.entry: the absolute target/);
  });
});

describe('/dev', () => {
  test('autodev (the default): tmpfs /dev, devpts, /dev/shm, /dev/mqueue', () => {
    assert.deepEqual(brief(oci('')), [
      '/dev tmpfs tmpfs nosuid,mode=755,size=500000',
      '/dev/pts devpts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5',
      '/dev/shm tmpfs shm nosuid,nodev,noexec,mode=1777',
      '/dev/mqueue mqueue mqueue nosuid,nodev,noexec',
    ]);
    assert.match(brief(oci('lxc.autodev.tmpfs.size = 1000000'))[0]!, /size=1000000/);
  });

  test('lxc.autodev = 0: the image /dev, still a devpts instance; lxc.pty.max = 0: no devpts', () => {
    assert.deepEqual(brief(oci('lxc.autodev = 0')).map((m) => m.split(' ')[0]), ['/dev/pts']);
    assert.deepEqual(brief(oci('lxc.pty.max = 0')).map((m) => m.split(' ')[0]), ['/dev', '/dev/shm', '/dev/mqueue']);
    // 64 of its own plus the console and the monitor's ttys (none configured here)
    assert.match(brief(oci('lxc.pty.max = 64'))[1]!, /max=65/);
  });

  test('an entry for /dev/shm replaces the automatic one', () => {
    const shm = brief(oci('lxc.mount.entry = shm dev/shm tmpfs defaults,size=64m 0 0')).filter((m) => m.startsWith('/dev/shm'));
    assert.deepEqual(shm, ['/dev/shm tmpfs shm size=64m']);
  });
});
