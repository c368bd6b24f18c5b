// The classic LXC walkthrough, typed with the lxc-* names, against Corral: create, ls,
// info, start, attach, stop, destroy — asserting what a user would check.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasBusybox } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { cgroupDirsOf } from '../support/leftovers.js';
import { lxcEnv } from '../support/lxc.js';
import { monitorTalk } from '../support/monitor-talk.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;

function field(info: string, key: string): string | undefined {
  return new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(info)?.[1];
}

function ppid(pid: number): number {
  return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}


describe('the LXC walkthrough with the lxc-* names', { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('walk');
  const name = `u1-${process.pid}`;
  let hostQueue: string | undefined;
  after(() => {
    lxc.run('lxc-stop', ['-n', name, '-k']);
    lxc.run('lxc-destroy', ['-n', name, '-f']);
    if (hostQueue) execFileSync('ipcrm', ['-q', hostQueue]);
    lxc.cleanup();
  });

  test('lxc-checkconfig says this host can run system containers', () => {
    const r = lxc.run('lxc-checkconfig', []);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Pid namespace: enabled/);
  });

  test('lxc-create -t busybox, lxc-ls --fancy and lxc-info of a stopped container', () => {
    const r = lxc.run('lxc-create', ['-n', name, '-t', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(lxc.lxcpath, name, 'config')));
    assert.ok(existsSync(join(lxc.lxcpath, name, 'rootfs', 'sbin', 'init')));
    const ls = lxc.run('lxc-ls', ['--fancy']);
    assert.match(ls.stdout, /^NAME\s+STATE\s+AUTOSTART\s+GROUPS\s+IPV4\s+IPV6\s+UNPRIVILEGED/);
    assert.match(ls.stdout, new RegExp(`^${name}\\s+STOPPED\\s+0\\s+-\\s+-\\s+-\\s+false`, 'm'));
    assert.equal(field(lxc.run('lxc-info', ['-n', name]).stdout, 'State'), 'STOPPED');
  });

  test('lxc-start daemonises; lxc-info shows the running init with its resource use', () => {
    const r = lxc.run('lxc-start', ['-n', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lxc.run('lxc-wait', ['-n', name, '-s', 'RUNNING', '-t', '10']).code, 0);
    const info = lxc.run('lxc-info', ['-n', name]).stdout;
    assert.equal(field(info, 'State'), 'RUNNING');
    const pid = Number(field(info, 'PID'));
    assert.ok(pid > 1);
    assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'init');
    // the host sees init as a child of the monitor (the native helper), not of us or of PID 1
    const monitor = ppid(pid);
    assert.match(readFileSync(`/proc/${monitor}/cmdline`, 'utf8'), /corral-helper/);
    assert.match(field(info, 'CPU use') ?? '', /^\d+\.\d\d seconds$/);
    assert.ok(Number(lxc.run('lxc-info', ['-n', name, '-S', '-H']).stdout.match(/Memory use:\s+(\d+)/)?.[1]) > 0);
    assert.equal(lxc.run('lxc-info', ['-n', name, '-p', '-H']).stdout.trim(), String(pid));
  });

  test('lxc-attach: the container sees only itself', () => {
    const ps = lxc.run('lxc-attach', ['-n', name, '--', 'ps', '-o', 'pid,comm']);
    assert.equal(ps.code, 0, ps.stderr);
    const rows = ps.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows[0], ['1', 'init']);
    assert.ok(rows.length < 12, `only the container's processes: ${ps.stdout}`);
    assert.equal(lxc.run('lxc-attach', ['-n', name, '--', 'hostname']).stdout.trim(), name);
    assert.equal(lxc.run('lxc-attach', ['-n', name, '--', 'cat', '/proc/self/uid_map']).stdout.trim().split(/\s+/).join(' '), '0 0 4294967295');
    hostQueue = execFileSync('ipcmk', ['-Q'], { encoding: 'utf8' }).match(/(\d+)/)?.[1];
    const ipc = lxc.run('lxc-attach', ['-n', name, '--', 'cat', '/proc/sysvipc/msg']).stdout.trim().split('\n');
    assert.equal(ipc.length, 1, `no host message queue inside: ${ipc.join('\n')}`);
    assert.equal(lxc.run('lxc-attach', ['-n', name, '--', 'sh', '-c', 'exit 7']).code, 7);
    const cleared = lxc.run('lxc-attach', ['-n', name, '--clear-env', '-v', 'A=b', '--', 'env']).stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(cleared, ['A=b', 'container=lxc']);
  });

  test('the console and ttys are held by the monitor and reachable through its socket', async () => {
    const runDir = readdirSync('/run/corral/lxc').map((d) => join('/run/corral/lxc', d, name)).find((d) => existsSync(d));
    assert.ok(runDir);
    const socket = join(runDir, 'mon.sock');
    const answer = await monitorTalk(socket, 'console 0 24 80\n', 'echo $((6*7))\n', 800);
    assert.match(answer, /^ok\n/);
    assert.match(answer, /42/);
    const tty = await monitorTalk(socket, 'console 1 24 80\n', '\n', 800);
    assert.match(tty, /login:/);
  });

  test('lxc.console.logfile records what the container writes to its console', () => {
    const logged = `${name}-log`;
    const log = join(lxc.lxcpath, '..', 'console.log');
    const conf = join(lxc.lxcpath, '..', 'console.conf');
    writeFileSync(conf, `lxc.net.0.type = empty\nlxc.console.logfile = ${log}\n`);
    try {
      assert.equal(lxc.run('lxc-create', ['-n', logged, '-t', 'busybox', '-f', conf]).code, 0);
      assert.equal(lxc.run('lxc-start', ['-n', logged]).code, 0);
      assert.equal(lxc.run('lxc-attach', ['-n', logged, '--', 'sh', '-c', 'echo hello-from-the-console > /dev/console']).code, 0);
      let text = '';
      for (let i = 0; i < 100 && !text.includes('hello-from-the-console'); i++) {
        execFileSync('sleep', ['0.05']);
        text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      }
      assert.match(text, /hello-from-the-console/);
    } finally {
      lxc.run('lxc-stop', ['-n', logged, '-k']);
      lxc.run('lxc-destroy', ['-n', logged, '-f']);
    }
  });

  test('a reboot inside restarts the container with a new init and monitor', () => {
    const before = Number(lxc.run('lxc-info', ['-n', name, '-pH']).stdout.trim());
    assert.equal(lxc.run('lxc-attach', ['-n', name, '--', 'reboot']).code, 0);
    let after = before;
    // STOPPED for a moment (no PID), then running again with a new init
    for (let i = 0; i < 200 && !(after > 0 && after !== before); i++) {
      execFileSync('sleep', ['0.05']);
      after = Number(lxc.run('lxc-info', ['-n', name, '-pH']).stdout.trim());
    }
    assert.ok(after > 0 && after !== before, `a new init after the reboot (${before} -> ${after})`);
    assert.equal(lxc.run('lxc-wait', ['-n', name, '-s', 'RUNNING', '-t', '10']).code, 0);
    assert.equal(lxc.run('lxc-attach', ['-n', name, '--', 'hostname']).stdout.trim(), name);
  });

  test('lxc-freeze and lxc-unfreeze', () => {
    assert.equal(lxc.run('lxc-freeze', ['-n', name]).code, 0);
    assert.equal(field(lxc.run('lxc-info', ['-n', name, '-s']).stdout, 'State'), 'FROZEN');
    assert.equal(lxc.run('lxc-unfreeze', ['-n', name]).code, 0);
    assert.equal(field(lxc.run('lxc-info', ['-n', name, '-s']).stdout, 'State'), 'RUNNING');
  });

  test('lxc-stop halts it with the halt signal and leaves nothing behind; lxc-destroy removes it', () => {
    const pid = Number(lxc.run('lxc-info', ['-n', name, '-pH']).stdout.trim());
    const monitor = ppid(pid);
    const r = lxc.run('lxc-stop', ['-n', name, '-t', '20']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(field(lxc.run('lxc-info', ['-n', name]).stdout, 'State'), 'STOPPED');
    assert.ok(!existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'), 'init is gone');
    // stop cleans up itself as soon as init is dead; the monitor finishes its own (now empty)
    // post-stop work a moment later
    const monitorGone = () => !existsSync(`/proc/${monitor}/cmdline`) || !readFileSync(`/proc/${monitor}/cmdline`, 'utf8').includes('corral-helper');
    for (let i = 0; i < 100 && !monitorGone(); i++) execFileSync('sleep', ['0.05']);
    assert.ok(monitorGone(), 'monitor is gone');
    assert.deepEqual(cgroupDirsOf(name), []);
    assert.equal(lxc.run('lxc-destroy', ['-n', name]).code, 0);
    assert.ok(!existsSync(join(lxc.lxcpath, name)));
    assert.match(lxc.run('lxc-info', ['-n', name]).stderr, /does not exist/);
  });
});
