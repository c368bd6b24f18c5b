// CVE-2024-21626 ("Leaky Vessels") and kin: a host fd or a working directory outside the
// rootfs reaching the container. Every process Corral starts (init, attach, execute, OCI
// run/exec) must hold only its stdio, and neither its cwd nor ".." of any fd may lead out
// of its root; a cwd of /proc/self/fd/N (the published attack) must not either.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { escapeSkip, HostGuard, lines, OciTarget, PROBE_IN_CONTAINER, SystemTarget } from '../support/escape.js';

const PROBE = [PROBE_IN_CONTAINER, 'fds'];

/** Only 0-2 are open (the caller's stdio), and nothing leads out of the root. */
function onlyStdio(out: string, who: string): void {
  assert.doesNotMatch(out, /ESCAPES-ROOT/, `${who}: a way out of the root:\n${out}`);
  const fds = lines(out, 'fd').map((w) => Number(w[0]));
  assert.deepEqual(fds.filter((fd) => fd > 2), [], `${who} holds more than its stdio:\n${out}`);
  assert.equal(lines(out, 'root')[0]?.[0], '/', `${who}: root`);
}

describe('escape: CVE-2024-21626, leaked fds and working directories', { skip: escapeSkip }, () => {
  let guard: HostGuard;
  before(() => {
    guard = new HostGuard();
  });
  after(() => guard.assertUntouched());

  test('system container: init, lxc-attach and lxc-execute hold only their stdio', () => {
    const c = new SystemTarget('esc-fds');
    try {
      const exec = c.execute(PROBE);
      assert.equal(exec.code, 0, exec.stderr);
      onlyStdio(exec.stdout, 'lxc-execute');
      c.start();
      const r = c.attach(PROBE);
      assert.equal(r.code, 0, r.stderr);
      onlyStdio(r.stdout, 'lxc-attach');
      // init's own fds, from inside: the console pty only, and a cwd at its root
      const init = c.attach(['sh', '-c', 'for f in /proc/1/fd/*; do echo "fd ${f##*/} $(readlink $f)"; done; echo "cwd $(readlink /proc/1/cwd)"; ls -di /proc/1/cwd/../../.. /']);
      assert.equal(init.code, 0, init.stderr);
      for (const line of init.stdout.split('\n').filter((l) => l.startsWith('fd '))) {
        assert.match(line, /^fd \d+ (\/dev\/(console|null|pts\/\d+|tty\d*)|socket:\[\d+\]|pipe:\[\d+\]|anon_inode:.*)$/, `init holds ${line}`);
      }
      assert.match(init.stdout, /^cwd \/$/m);
      const inodes = init.stdout.split('\n').filter((l) => /^\s*\d+ \//.test(l)).map((l) => l.trim().split(/\s+/)[0]);
      assert.equal(new Set(inodes).size, 1, `".." of init's cwd leaves its root:\n${init.stdout}`);
      // the shell of an attach: no fd beyond its stdio to "cd /proc/self/fd/N/.." through
      const cd = c.attach(['sh', '-c', 'for n in 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$n ] && echo "fd $n $(readlink /proc/$$/fd/$n)"; done; true']);
      assert.equal(cd.stdout.trim(), '', `the attached shell holds: ${cd.stdout}`);
    } finally {
      c.destroy();
    }
  });

  test('OCI container: run and exec hold only their stdio', () => {
    const c = new OciTarget('esc-fds', PROBE);
    try {
      const r = c.run();
      assert.equal(r.code, 0, r.stderr);
      onlyStdio(r.stdout, 'oci run');
      c.oci(['delete', '-f', c.id]);
      const d = new OciTarget('esc-fds-d');
      try {
        d.start();
        const e = d.exec(PROBE);
        assert.equal(e.code, 0, e.stderr);
        onlyStdio(e.stdout, 'oci exec');
      } finally {
        d.destroy();
      }
    } finally {
      c.destroy();
    }
  });

  test('OCI: process.cwd /proc/self/fd/N (the published attack) leads nowhere', () => {
    const c = new OciTarget('esc-cwd');
    try {
      c.start();
      for (let n = 3; n <= 9; n++) {
        const e = c.exec(PROBE, ['--cwd', `/proc/self/fd/${n}`]);
        if (e.code === 0) onlyStdio(e.stdout, `exec --cwd /proc/self/fd/${n}`);
        else assert.match(e.stderr, /chdir|cwd|No such file|not a directory/i, e.stderr);
      }
    } finally {
      c.destroy();
    }
    for (let n = 3; n <= 6; n++) {
      const r = new OciTarget(`esc-cwd${n}`, PROBE, (spec) => {
        spec.process!.cwd = `/proc/self/fd/${n}`;
      });
      try {
        const out = r.run();
        if (out.code === 0) onlyStdio(out.stdout, `run with cwd /proc/self/fd/${n}`);
      } finally {
        r.destroy();
      }
    }
  });
});
