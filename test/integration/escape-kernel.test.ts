// Reaching the host's kernel from inside: open_by_handle_at ("shocker"), mknod and open of
// the host's block device, /proc/sysrq-trigger and /proc/sys/kernel/core_pattern, a cgroup
// v1 release_agent (CVE-2022-0492), mount propagation back to the host, and capabilities
// left in the inheritable/ambient sets across exec. Opens for writing are never followed by
// a write (the probe reports the open), and release_agent gets back what it held.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../support/busybox.js';
import { escapeSkip, HostGuard, lines, OciTarget, PROBE_IN_CONTAINER, SystemTarget, UNPRIVILEGED } from '../support/escape.js';

/** A real block device of this host (major:minor), e.g. the root disk. */
function hostBlockDevice(): [number, number] {
  for (const name of readdirSync('/sys/block')) {
    if (name.startsWith('loop') || name.startsWith('zram')) continue;
    const [maj, min] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
    return [maj!, min!];
  }
  const [maj, min] = readFileSync('/sys/block/loop0/dev', 'utf8').trim().split(':').map(Number);
  return [maj!, min!];
}

const P = PROBE_IN_CONTAINER;

/** The attacks every target gets; returns the probe output of each. */
function attack(run: (cmd: string[]) => { code: number; stdout: string; stderr: string }): Record<string, string> {
  const [maj, min] = hostBlockDevice();
  const out: Record<string, string> = {};
  const step = (key: string, cmd: string[]) => {
    const r = run(cmd);
    assert.equal(r.code, 0, `${key}: ${r.stderr}`);
    out[key] = r.stdout;
  };
  step('handle', [P, 'handle', '/etc/passwd']);
  step('mknod', [P, 'mknod', '/tmp/hostdisk', String(maj), String(min)]);
  step('procfiles', [P, 'open-write', '/proc/sysrq-trigger', '/proc/sys/kernel/core_pattern', '/proc/sys/kernel/modprobe', '/sys/kernel/uevent_helper']);
  step('release', ['sh', '-c', `mkdir -p /tmp/cg && ${P} release-agent /tmp/cg; ls /sys/fs/cgroup/*/release_agent 2>/dev/null | sed 's/^/visible /'; true`]);
  step('caps', [P, 'caps']);
  return out;
}

function assertRefused(out: Record<string, string>, opts: { seccomp: boolean }): void {
  const h = lines(out.handle!, 'open_by_handle_at')[0]?.[0];
  assert.ok(h && h !== 'ok', `open_by_handle_at: ${out.handle}`);
  if (opts.seccomp) assert.equal(h, 'EPERM');
  const mk = lines(out.mknod!, 'mknod')[0]?.[0];
  const open = lines(out.mknod!, 'open-block')[0]?.[0];
  assert.ok(mk !== 'ok' || (open !== undefined && open !== 'ok'), `the host's disk was opened:\n${out.mknod}`);
  for (const [path, result] of lines(out.procfiles!, 'open-write')) {
    if (result === 'ENOENT') continue;
    assert.notEqual(result, 'ok', `${path} opened for writing`);
  }
  for (const [ctrl, what, result] of lines(out.release!, 'release-agent')) {
    assert.ok(!(what === 'write' && result === 'ok'), `release_agent of ${ctrl} written`);
  }
  assert.deepEqual(lines(out.release!, 'visible'), [], 'a release_agent is visible in the container');
  assert.match(out.caps!, /^CapInh:\s+0+$/m);
  assert.match(out.caps!, /^CapAmb:\s+0+$/m);
}

describe('escape: the host kernel through devices, /proc, cgroups, mounts, capabilities', { skip: escapeSkip }, () => {
  let guard: HostGuard;
  before(() => {
    guard = new HostGuard();
  });
  after(() => guard.assertUntouched());

  test('system container (privileged): lxc-attach and lxc-execute', () => {
    const share = join(tempDir('share'), 'share');
    mkdirSync(share);
    const c = new SystemTarget('esc-kern', [`lxc.mount.entry = ${share} mnt/share none bind,create=dir 0 0`]);
    try {
      const x = attack((cmd) => c.execute(cmd));
      assertRefused(x, { seccomp: true });
      assert.match(x.caps!, /^NoNewPrivs:\s+1$/m, 'lxc-execute runs with no_new_privs');
      c.start();
      const out = attack((cmd) => c.attach(cmd));
      assertRefused(out, { seccomp: true });
      assert.equal(lines(out.mknod!, 'mknod')[0]?.[0], 'EPERM', 'mknod of a device outside the allow-list');
      assert.match(out.caps!, /^Seccomp:\s+2$/m);
      // mount propagation: a mount made inside, on a bind of a host directory, even after
      // making the container's tree shared, must not appear on the host
      const m = c.attach(['sh', '-c', 'mount --make-rshared / 2>&1; mkdir -p /mnt/share/sub && mount -t tmpfs evil /mnt/share/sub && touch /mnt/share/sub/inside && echo mounted']);
      assert.match(m.stdout, /mounted/, m.stderr);
      const hostMounts = readFileSync('/proc/self/mountinfo', 'utf8');
      assert.ok(!hostMounts.includes(join(share, 'sub')), 'the mount propagated to the host');
      assert.deepEqual(readdirSync(join(share, 'sub')), [], 'the host sees the container mount');
    } finally {
      c.destroy();
    }
    assert.ok(existsSync(share));
  });

  test('unprivileged system container (lxc.idmap): the same, and a read-only /proc/sys undone first', () => {
    const c = new SystemTarget('esc-kern-u', UNPRIVILEGED);
    try {
      c.start();
      const out = attack((cmd) => c.attach(cmd));
      assertRefused(out, { seccomp: true });
      // root of a user namespace may remount the mounts it made, but the files still belong
      // to the host's root: the opens must fail anyway (nothing is written if they do not)
      const r = c.attach(['sh', '-c', `umount -l /proc/sys 2>&1; umount -l /proc/sysrq-trigger 2>&1; mount -o remount,rw /proc 2>&1; ${P} open-write /proc/sys/kernel/core_pattern /proc/sysrq-trigger /proc/sys/kernel/modprobe`]);
      for (const [path, result] of lines(r.stdout, 'open-write')) assert.notEqual(result, 'ok', `${path} opened for writing:\n${r.stdout}`);
      assert.match(out.caps!, /^Seccomp:\s+2$/m);
    } finally {
      c.destroy();
    }
  });

  test('OCI container (the default spec): corral oci exec', () => {
    const c = new OciTarget('esc-kern');
    try {
      c.start();
      const out = attack((cmd) => c.exec(cmd));
      assertRefused(out, { seccomp: false });
    } finally {
      c.destroy();
    }
  });
});
