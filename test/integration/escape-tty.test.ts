// TIOCSTI and TIOCLINUX injection into the terminal of the user who attaches: the attach
// runs under a pty of the test's own (util-linux `script`), the container pushes a command
// into its terminal, and the shell that ran the attach then reads what arrived. With a pty
// (the default when the caller has a terminal) the container's stdio is a pty of its own
// devpts, never the caller's; without one (-T) the caller's terminal is handed over, and the
// default seccomp profile refuses TIOCSTI/TIOCLINUX on it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { shQuote } from '../support/probe.js';
import { CORRAL } from '../support/cli.js';
import { escapeSkip, HostGuard, lines, OciTarget, PROBE_IN_CONTAINER, SystemTarget } from '../support/escape.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = escapeSkip || (!hasScript && 'needs script (util-linux)');

// The container's side: inject, try TIOCLINUX, and say whether fd 0 is a tty of its own devpts.
const INSIDE = [
  `${PROBE_IN_CONTAINER} sti 0 'echo INJECTED\n'`,
  `${PROBE_IN_CONTAINER} tioclinux 0`,
  'echo "fd0 $(readlink /proc/self/fd/0) dev=$(stat -L -c %d /proc/self/fd/0) devpts=$(stat -c %d /dev/pts/ptmx)"',
].join('; ');

/** Runs `command` (a shell line) on a fresh pty; returns what that terminal showed. */
function underPty(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  // the shell that ran the attach reads its terminal afterwards: injected input shows up there
  const line = `${command}; read -t 1 got; echo "AFTER:[$got]"`;
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', line, '/dev/null'], { env: { ...env, TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', () => {
      clearTimeout(timer);
      child.stdin.end();
      resolve(out.replace(/\r/g, ''));
    });
  });
}

function assertNotInjected(out: string): void {
  assert.match(out, /AFTER:\[\]/, `the caller's terminal received input from the container:\n${out}`);
}

function assertOwnPty(out: string): void {
  const [, link, dev, devpts] = /fd0 (\S+) dev=(\d+) devpts=(\d+)/.exec(out) ?? [];
  assert.match(link ?? '', /^\/dev\/pts\/\d+$/, out);
  assert.equal(dev, devpts, `fd 0 is not a pty of the container's devpts:\n${out}`);
}

describe('escape: TIOCSTI and TIOCLINUX into the attaching terminal', { skip }, () => {
  let guard: HostGuard;
  before(() => {
    guard = new HostGuard();
  });
  after(() => guard.assertUntouched());

  test('system container: lxc-attach with a pty, and with -T (the caller\'s terminal, seccomp)', async () => {
    const c = new SystemTarget('esc-tty');
    const env: NodeJS.ProcessEnv = { ...process.env, CORRAL_LXCPATH: c.lxc.lxcpath, PATH: `${c.lxc.bin}:${process.env.PATH ?? ''}` };
    delete env.NODE_EXTRA_CA_CERTS;
    try {
      c.start();
      const pty = await underPty(`lxc-attach -n ${c.name} -- sh -c ${shQuote(INSIDE)}`, env);
      assertOwnPty(pty);
      assert.deepEqual(lines(pty, 'tiocsti'), [['EPERM']], pty);
      assert.deepEqual(lines(pty, 'tioclinux'), [['EPERM']], pty);
      assertNotInjected(pty);
      const raw = await underPty(`lxc-attach -n ${c.name} -T -- sh -c ${shQuote(INSIDE)}`, env);
      assert.deepEqual(lines(raw, 'tiocsti'), [['EPERM']], raw);
      assert.deepEqual(lines(raw, 'tioclinux'), [['EPERM']], raw);
      assertNotInjected(raw);
    } finally {
      c.destroy();
    }
  });

  test('OCI container: corral oci exec -t gives the container a pty of its own', async () => {
    const c = new OciTarget('esc-tty');
    try {
      c.start();
      const env = { ...process.env };
      delete env.NODE_EXTRA_CA_CERTS;
      const out = await underPty(`${process.execPath} ${CORRAL} oci --root ${c.root} exec -t ${c.id} sh -c ${shQuote(INSIDE)}`, env);
      assertOwnPty(out);
      // no seccomp in the default spec: the injection lands in the container's own pty
      assert.equal(lines(out, 'tiocsti').length, 1, out);
      assertNotInjected(out);
    } finally {
      c.destroy();
    }
  });
});
