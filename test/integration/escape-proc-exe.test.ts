// CVE-2019-5736 and its relatives: a container process watches for the runtime's helper
// joining the container (attach/exec) and goes for it through /proc/<pid>: opens its exe
// for writing (now, and through an O_PATH fd once it has exited), ptraces it, reads its fds.
// The helper must run from a copy that cannot be written (a private read-only bind mount of
// itself, or a sealed memfd where that is not allowed; never the host binary as it is), hold nothing of the host
// the attacker could use, and the host's binaries must hash the same afterwards.
// Also the "#!/proc/self/exe" variant: the container's command re-executes the helper.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, type Result } from '../support/cli.js';
import { escapeSkip, HostGuard, lines, OciTarget, PROBE_IN_CONTAINER, SystemTarget, UNPRIVILEGED } from '../support/escape.js';

const O_PATH = 0o10000000;

// What a helper caught before its exec may hold: pipes and sockets to the runtime, /dev/null,
// the container's own pty, and for a moment the cgroup.procs and tasks files of the
// container's own cgroup that stage 0 writes its pid to or the child moves itself with (a
// pid written there is one of the writer's pid namespace: a container process, moved into
// the cgroup it is in), the container's own cgroup namespace it is about to enter, and the
// root of a cgroup2 mount of the container's own cgroup (CLONE_INTO_CGROUPNS) from which
// ".." leads nowhere. Never a host directory (the host root) or any other host file.
const harmless = (name: string) =>
  new RegExp(`^(pipe|socket|anon_inode|cgroup):|^/dev/(null|pts/\\d+|ptmx)$|^/sys/fs/cgroup/.*/${name}/(cgroup\\.procs|tasks)$|^cgroup2-root:dotdot-stays$`);
const HUNT_SECONDS = 6;
// the hunter reports to a file: its stdout is drained only while no attach blocks the test
const HUNT_OUT = '/hunt.out';
const ATTACHES = 25;

async function report(hunter: Promise<Result>, rootfs: string): Promise<Result> {
  const r = await hunter;
  assert.equal(r.code, 0, r.stderr);
  return { ...r, stdout: readFileSync(join(rootfs, HUNT_OUT.slice(1)), 'utf8') };
}

function evilScript(rootfs: string): void {
  writeFileSync(join(rootfs, 'evil'), '#!/proc/self/exe\n');
  chmodSync(join(rootfs, 'evil'), 0o755);
}

function judge(out: string, opts: { ptraceAllowed: boolean; name: string }): { seen: number; traced: number } {
  assert.doesNotMatch(out, /OPENED-HOST-BINARY/, 'the host binary was opened for writing through /proc/<pid>/exe');
  assert.doesNotMatch(out, /write=ok/, 'the helper memfd was written');
  // fds 0-2 are the caller's stdio, handed to the command by design (a pty when interactive)
  for (const [pid, fd, target] of lines(out, 'fdlink')) {
    if (Number(fd) > 2 && !/^E[A-Z]+$/.test(target!)) assert.match(target!, harmless(opts.name), `helper ${pid} fd ${fd} is ${target}`);
  }
  for (const [pid, exe] of lines(out, 'helper')) assert.match(exe!, /^\/memfd:corral-helper|^\/?corral-helper/, `helper ${pid} runs from ${exe}`);
  // the helper before its exec, not the container's own process ("#!/proc/self/exe" makes one)
  const helpers = new Set(lines(out, 'cmdline').filter((w) => w[1]?.endsWith('corral-helper') && w[2] === 'spawn').map((w) => w[0]));
  const traced = lines(out, 'ptrace').filter((w) => w[1] === 'ok' && helpers.has(w[0])).length;
  if (!opts.ptraceAllowed) {
    assert.equal(traced, 0, 'a container without CAP_SYS_PTRACE traced the helper');
    for (const [pid, result] of lines(out, 'opath-exe')) if (helpers.has(pid)) assert.notEqual(result, 'ok', 'the exe of a non-dumpable helper was reached');
  }
  return { seen: Number(lines(out, 'seen')[0]?.[0] ?? -1), traced };
}

describe('escape: CVE-2019-5736, /proc/<pid>/exe and ptrace of an attaching helper', { skip: escapeSkip }, () => {
  let guard: HostGuard;
  before(() => {
    guard = new HostGuard();
  });
  after(() => guard.assertUntouched());

  test('system container (privileged, CAP_SYS_PTRACE kept as in LXC): lxc-attach', async (t) => {
    const c = new SystemTarget('esc-exe');
    try {
      evilScript(c.rootfs);
      c.start();
      const hunter = c.attachAsync([PROBE_IN_CONTAINER, 'hunt', String(HUNT_SECONDS), HUNT_OUT]);
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < ATTACHES; i++) c.attach(i % 5 === 4 ? ['/evil'] : ['true']);
      const r = await report(hunter, c.rootfs);
      if (process.env.ESCAPE_DUMP) t.diagnostic(r.stdout);
      const { seen, traced } = judge(r.stdout, { ptraceAllowed: true, name: c.name });
      t.diagnostic(`helpers caught before exec: ${seen}, of them traced: ${traced}`);
      if (process.env.ESCAPE_DUMP) t.diagnostic(r.stdout);
      guard.assertUntouched();
    } finally {
      c.destroy();
    }
  });

  test('unprivileged system container (lxc.idmap): its root cannot trace or open the helper at all', async (t) => {
    const c = new SystemTarget('esc-exe-u', UNPRIVILEGED);
    try {
      evilScript(c.rootfs);
      c.start();
      const hunter = c.attachAsync([PROBE_IN_CONTAINER, 'hunt', String(HUNT_SECONDS), HUNT_OUT]);
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < ATTACHES; i++) c.attach(i % 5 === 4 ? ['/evil'] : ['true']);
      const r = await report(hunter, c.rootfs);
      if (process.env.ESCAPE_DUMP) t.diagnostic(r.stdout);
      const { seen } = judge(r.stdout, { ptraceAllowed: false, name: c.name });
      t.diagnostic(`helpers caught before exec: ${seen}`);
      guard.assertUntouched();
    } finally {
      c.destroy();
    }
  });

  // The hunts above race the helper's short life; this holds one still. `spawn --sealed` makes
  // its unwritable copy before it reads the plan, so with fd 3 left open it waits right there.
  test('the sealed helper: an O_PATH fd on its exe cannot be reopened for writing, before or after it exits', async () => {
    const helper = spawn(join(REPO, 'native/corral-helper'), ['spawn', '--sealed'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const exited = new Promise((r) => helper.once('exit', r));
    try {
      let exe = '';
      for (let i = 0; i < 200 && !/^\/memfd:|^\/corral-helper/.test(exe); i++) {
        await new Promise((r) => setTimeout(r, 10));
        exe = readlinkSync(`/proc/${helper.pid}/exe`);
      }
      assert.match(exe, /^\/memfd:corral-helper|^\/corral-helper$/, `the helper runs from ${exe}`);
      const opath = openSync(`/proc/${helper.pid}/exe`, O_PATH);
      try {
        assert.throws(() => openSync(`/proc/self/fd/${opath}`, 'r+'), /EROFS|EPERM|ETXTBSY/);
        helper.kill('SIGKILL');
        await exited;
        assert.throws(() => closeSync(openSync(`/proc/self/fd/${opath}`, 'r+')), /EROFS|EPERM/, 'the helper binary could be opened for writing');
      } finally {
        closeSync(opath);
      }
    } finally {
      helper.kill('SIGKILL');
    }
    guard.assertUntouched();
  });

  test('OCI container (runc default capabilities): corral oci exec', async (t) => {
    const c = new OciTarget('esc-exe');
    try {
      evilScript(c.rootfs);
      c.start();
      const hunter = c.execAsync([PROBE_IN_CONTAINER, 'hunt', String(HUNT_SECONDS), HUNT_OUT]);
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < ATTACHES; i++) c.exec(i % 5 === 4 ? ['/evil'] : ['true']);
      const r = await report(hunter, c.rootfs);
      const { seen } = judge(r.stdout, { ptraceAllowed: false, name: c.id });
      t.diagnostic(`helpers caught before exec: ${seen}`);
      if (process.env.ESCAPE_DUMP) t.diagnostic(r.stdout);
      guard.assertUntouched();
    } finally {
      c.destroy();
    }
  });
});
