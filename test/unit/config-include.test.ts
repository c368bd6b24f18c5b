// lxc.include of files and directories, relative paths, cycles, lxc.mount.fstab, on a real
// temporary directory (symlinks and realpath included) and on the in-memory seam.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig, memoryFs, parseConfig } from '../../src/core/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.pos ? `${p.pos.file}:${p.pos.line}` : '-'}: ${p.message}`);
  }
  return assert.fail('expected a ConfigError');
}

describe('lxc.include', () => {
  test('a file, in place, with positions in the included file', () => {
    write('inc/common.conf', '# shared\nlxc.tty.max = 4\nlxc.cap.drop = mknod\n');
    const cfg = loadConfig(write('a/config', `lxc.cap.drop = sys_time\nlxc.include = ${join(dir, 'inc/common.conf')}\nlxc.tty.max = 2\n`));
    assert.equal(cfg.ttyMax, 2);
    assert.deepEqual(cfg.capDrop, ['CAP_SYS_TIME', 'CAP_MKNOD']);
    assert.deepEqual(cfg.entries.find((e) => e.value === 'mknod')!.pos, { file: join(dir, 'inc/common.conf'), line: 3 });
    assert.equal(cfg.file, join(dir, 'a/config'));
  });

  test('relative paths are relative to the including file', () => {
    write('rel/sub/net.conf', 'lxc.net.0.type = empty\n');
    write('rel/sub/more.conf', 'lxc.include = net.conf\n');
    const cfg = loadConfig(write('rel/config', 'lxc.include = sub/more.conf\n'));
    assert.equal(cfg.network.get(0)!.type, 'empty');
  });

  test('a directory: its *.conf files in name order, other files ignored', () => {
    write('d/conf.d/20-b.conf', 'lxc.uts.name = second\n');
    write('d/conf.d/10-a.conf', 'lxc.uts.name = first\nlxc.group = a\n');
    write('d/conf.d/README', 'not a config\n');
    write('d/conf.d/30-c.conf.disabled', 'lxc.uts.name = never\n');
    const cfg = loadConfig(write('d/config', 'lxc.include = conf.d/\n'));
    assert.equal(cfg.utsName, 'second');
    assert.deepEqual(cfg.groups, ['a']);
  });

  test('cycles are reported, not followed', () => {
    write('cyc/a.conf', 'lxc.include = b.conf\n');
    write('cyc/b.conf', 'lxc.uts.name = b\nlxc.include = a.conf\n');
    const got = problemsOf(() => loadConfig(join(dir, 'cyc/a.conf')));
    assert.equal(got.length, 1);
    assert.match(got[0]!, /b\.conf:2: include cycle: .*a\.conf -> .*b\.conf -> .*a\.conf/);
  });

  test('a cycle through a symlink is still a cycle', () => {
    write('sym/real.conf', 'lxc.include = link.conf\n');
    symlinkSync(join(dir, 'sym/real.conf'), join(dir, 'sym/link.conf'));
    assert.match(problemsOf(() => loadConfig(join(dir, 'sym/real.conf')))[0]!, /include cycle/);
  });

  test('including itself', () => {
    const self = write('self/config', 'lxc.include = config\n');
    assert.match(problemsOf(() => loadConfig(self))[0]!, /include cycle/);
  });

  test('a missing include or file is a problem with the including line', () => {
    const got = problemsOf(() => loadConfig(write('miss/config', 'lxc.uts.name = a\nlxc.include = /nonexistent/x.conf\n')));
    assert.deepEqual(got, [`${join(dir, 'miss/config')}:2: cannot include /nonexistent/x.conf: no such file or directory`]);
    assert.match(problemsOf(() => loadConfig(join(dir, 'nope/config')))[0]!, /cannot read .*no such file/);
  });

  test('devices and FIFOs are not read', () => {
    assert.match(problemsOf(() => parseConfig('lxc.include = /dev/null\n'))[0]!, /not a regular file/);
  });

  test('errors inside included files carry their own file and line', () => {
    write('bad/inc.conf', '\n\nlxc.tty.max = x\n');
    const got = problemsOf(() => loadConfig(write('bad/config', 'lxc.include = inc.conf\nlxc.autodev = 7\n')));
    assert.deepEqual(got.map((p) => p.split(': ')[0]), [`${join(dir, 'bad/inc.conf')}:3`, `${join(dir, 'bad/config')}:2`]);
  });

  test('an empty include is a no-op, as in LXC', () => {
    assert.equal(parseConfig('lxc.include =\n').entries.length, 0);
  });

  test('the in-memory file system behaves the same', () => {
    const fs = memoryFs({
      '/c/config': 'lxc.include = /c/d/\nlxc.include = inc.conf\n',
      '/c/inc.conf': 'lxc.tty.max = 3\n',
      '/c/d/1.conf': 'lxc.uts.name = mem\n',
      '/empty/': '',
    });
    const cfg = loadConfig('/c/config', { fs });
    assert.equal(cfg.utsName, 'mem');
    assert.equal(cfg.ttyMax, 3);
    assert.equal(parseConfig('lxc.include = /empty\n', { fs }).entries.length, 0);
  });
});

describe('lxc.mount.fstab', () => {
  test('its lines become mounts before lxc.mount.entry, with their own positions', () => {
    write('fstab/fstab', '# comment\n\nproc proc proc nodev,noexec,nosuid 0 0\n/srv srv none bind,create=dir 0 0\n');
    const cfg = loadConfig(write('fstab/config', 'lxc.mount.entry = tmpfs tmp tmpfs defaults\nlxc.mount.fstab = fstab\n'));
    assert.deepEqual(cfg.fstabEntries.map((e) => [e.target, e.pos.line]), [['proc', 3], ['srv', 4]]);
    assert.equal(cfg.fstabEntries[1]!.create, 'dir');
    assert.equal(cfg.mountEntries.length, 1);
  });

  test('a bad fstab line or a missing fstab is reported', () => {
    write('fstab2/fstab', 'only two\n');
    const got = problemsOf(() => loadConfig(write('fstab2/config', 'lxc.mount.fstab = fstab\n')));
    assert.match(got[0]!, /fstab2\/fstab:1: .*not an fstab line/);
    assert.match(problemsOf(() => loadConfig(write('fstab3/config', 'lxc.mount.fstab = nope\n')))[0]!, /config:1: cannot read .*nope/);
  });

  test('only the last lxc.mount.fstab is read', () => {
    write('fstab4/b', 'tmpfs tmp tmpfs defaults 0 0\n');
    const cfg = loadConfig(write('fstab4/config', 'lxc.mount.fstab = missing\nlxc.mount.fstab = b\n'));
    assert.equal(cfg.fstabEntries.length, 1);
  });
});
