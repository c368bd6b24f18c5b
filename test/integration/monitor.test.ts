// The monitor (MONITOR, TTY; docs/plan-format.md): stage 0 of `corral-helper spawn` stays
// as the parent of a busybox init, outside its namespaces and cgroup, holds the console
// and tty ptys, serves its unix socket, logs the console, records the exit and runs the
// post-exit command. Plans come from buildCreatePlan with its `monitor` option, as the
// runtime will build them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, readSync, rmSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { openCgroupManager, type CreatedCgroup } from '../../src/runtime/cgroup/index.js';
import { runHelper, type HelperSession } from '../../src/runtime/helper.js';
import { buildCreatePlan } from '../../src/runtime/plan/create-plan.js';
import { deviceRules } from '../../src/runtime/plan/devices.js';
import { CLONE } from '../../src/runtime/plan/linux-constants.js';
import type { PlanOp } from '../../src/runtime/plan/ops.js';
import { defaultSpec, validateSpec } from '../../src/runtime/spec/index.js';
import { hasBusybox, makeBusyboxRootfs, tempDir } from '../support/busybox.js';
import { isRoot, REPO } from '../support/cli.js';
import { hostMountsUnder } from '../support/leftovers.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;
const HELPER = join(REPO, 'native', 'corral-helper');
const INITTAB = [
  '::sysinit:/bin/echo booted',
  '::sysinit:echo hello > /dev/console',
  'tty1::respawn:/bin/sh',
  'tty2::respawn:/bin/sh',
  '',
].join('\n');
// LXC-like: init may reboot or power off its pid namespace (CAP_SYS_BOOT)
const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SYS_BOOT', 'CAP_SYS_TTY_CONFIG'];

interface Booted {
  name: string;
  dir: string;
  socket: string;
  exitFile: string;
  consoleLog: string;
  postExitRan: string;
  session: HelperSession;
  monitor: number;
  init: number;
  cgroup: CreatedCgroup;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** `start`: read the byte the init writes to exec.fifo at WAIT_START. */
async function release(stateDir: string, init: number): Promise<void> {
  const fifo = join(stateDir, 'exec.fifo');
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    await until(`init ${init} to pass WAIT_START`, () => {
      try {
        return readSync(fd, Buffer.alloc(1), 0, 1, null) === 1;
      } catch {
        return false;
      }
    });
  } finally {
    closeSync(fd);
    unlinkSync(fifo);
  }
}

async function boot(name: string, opts: { foreground?: boolean; inittab?: string } = {}): Promise<Booted> {
  const dir = tempDir(`mon-${name}`);
  const rootfs = makeBusyboxRootfs(join(dir, 'rootfs'));
  writeFileSync(join(rootfs, 'etc/inittab'), opts.inittab ?? INITTAB);
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  const postExit = join(dir, 'post-exit.sh');
  const postExitRan = join(dir, 'post-exit.ran');
  writeFileSync(postExit, `#!/bin/sh\necho "$CORRAL_EXIT_FILE" > ${postExitRan}\n`);
  chmodSync(postExit, 0o755);

  const input = defaultSpec({ args: ['/sbin/init'] });
  input.root = { path: rootfs, readonly: false };
  input.hostname = name;
  input.process!.noNewPrivileges = false;
  input.process!.capabilities = { bounding: CAPS, effective: CAPS, permitted: CAPS };
  const { spec } = validateSpec(input, { bundle: dir });
  const id = `mon-${name}-${process.pid}`;
  const cgroups = openCgroupManager();
  const path = cgroups.resolvePath(undefined, id, readFileSync('/proc/self/cgroup', 'utf8'));
  const cgroup = await cgroups.create(path, { ...(spec.linux?.resources ?? {}), devices: deviceRules(spec.linux?.resources?.devices) });
  const b = {
    name,
    dir,
    socket: join(dir, 'monitor.sock'),
    exitFile: join(dir, 'exit.json'),
    consoleLog: join(dir, 'console.log'),
    postExitRan,
    cgroup,
  };
  const system = cgroups.system;
  const plan = buildCreatePlan({
    spec,
    bundle: dir,
    stateDir,
    cgroup: {
      joinDirs: cgroup.joinDirs,
      unifiedDir: cgroup.unifiedDir,
      devicesProgram: cgroup.devicesProgram,
      view: { layout: system.layout, v1: system.v1, unified: system.unified, path: cgroup.path },
    },
    syncForHooks: false,
    monitor: {
      socket: b.socket,
      exitFile: b.exitFile,
      consoleLog: b.consoleLog,
      foreground: opts.foreground ?? false,
      postExit: [postExit],
      console: true,
      ttys: 2,
    },
  });
  const session = runHelper(plan, {
    context: `monitor test ${name}`,
    stdio: opts.foreground ? ['pipe', 'pipe', 'inherit'] : ['ignore', 'ignore', 'inherit'],
    detached: !opts.foreground,
  });
  const init = await session.pid;
  assert.equal(await session.settled, 'ready');
  // the socket is up before the pid is reported
  assert.ok(existsSync(b.socket), 'monitor socket exists at the release');
  await release(stateDir, init);
  return { ...b, session, monitor: session.child.pid!, init };
}

async function destroy(c: Booted | undefined): Promise<void> {
  if (!c) return;
  try {
    process.kill(c.init, 'SIGKILL');
  } catch {
    // gone already
  }
  await Promise.race([c.session.exit, new Promise((r) => setTimeout(r, 5000).unref())]);
  await openCgroupManager().destroy(c.cgroup);
  assert.deepEqual(hostMountsUnder(c.dir), [], 'no host mounts left');
  rmSync(c.dir, { recursive: true, force: true });
}

/** Collects what a connection receives; waitFor resolves once a pattern shows up. */
class Stream {
  text = '';
  closed = false;
  constructor(readable: Readable) {
    readable.setEncoding('utf8');
    readable.on('data', (d: string) => (this.text += d));
    readable.on('close', () => (this.closed = true));
    readable.on('error', () => (this.closed = true));
  }
  async waitFor(re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    return until(`${re} in ${JSON.stringify(this.text.slice(-200))}`, () => this.text.match(re) ?? undefined, ms);
  }
}

function open(socket: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(socket, () => resolve(s));
    s.on('error', reject);
  });
}

/** One request line; the monitor answers and closes. */
async function ask(socket: string, line: string): Promise<string> {
  const s = await open(socket);
  const out = new Stream(s);
  s.write(`${line}\n`);
  await until(`the answer to ${line}`, () => out.closed);
  return out.text;
}

async function attach(socket: string, tty: number, size = ''): Promise<{ s: Socket; out: Stream }> {
  const s = await open(socket);
  const out = new Stream(s);
  s.write(`console ${tty}${size}\n`);
  await out.waitFor(/^ok\n/);
  return { s, out };
}

function vmRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : -1;
}

async function exitRecord(c: Booted): Promise<{ pid: number; exitCode: number; signal: number; reboot: boolean; time: number }> {
  const code = await c.session.exit;
  const record = JSON.parse(readFileSync(c.exitFile, 'utf8'));
  assert.equal(code, record.exitCode, 'the monitor exits with init\'s status');
  assert.equal(record.pid, c.init);
  assert.ok(Math.abs(record.time - Date.now() / 1000) < 60);
  assert.equal(readFileSync(c.postExitRan, 'utf8'), `${c.exitFile}\n`, 'post-exit command ran with CORRAL_EXIT_FILE');
  assert.ok(!existsSync(c.socket), 'socket removed');
  assert.ok(!existsSync(`${c.exitFile}.tmp`));
  return record;
}

describe('monitor', { skip }, () => {
  let c: Booted | undefined;
  before(async () => {
    c = await boot('a');
  });
  after(() => destroy(c));

  test('init is a child of the monitor, which is outside its namespaces and cgroup', () => {
    const status = readFileSync(`/proc/${c!.init}/status`, 'utf8');
    assert.equal(Number(/PPid:\s+(\d+)/.exec(status)![1]), c!.monitor);
    assert.equal(readlinkSync(`/proc/${c!.init}/exe`), '/bin/busybox'); // busybox init renames itself "init"
    assert.match(status, /NSpid:\s+\d+\s+1\n/, 'init is pid 1 in its namespace');
    for (const ns of ['pid', 'mnt', 'net', 'uts', 'ipc', 'cgroup']) {
      const mine = readlinkSync(`/proc/self/ns/${ns}`);
      assert.equal(readlinkSync(`/proc/${c!.monitor}/ns/${ns}`), mine, `monitor ${ns} namespace is the host's`);
      assert.notEqual(readlinkSync(`/proc/${c!.init}/ns/${ns}`), mine, `init has its own ${ns} namespace`);
    }
    const cg = c!.cgroup.path.replace(/^\/+/, '');
    assert.match(readFileSync(`/proc/${c!.init}/cgroup`, 'utf8'), new RegExp(cg));
    assert.doesNotMatch(readFileSync(`/proc/${c!.monitor}/cgroup`, 'utf8'), new RegExp(cg));
  });

  test('the console is drained into the log', async () => {
    await until('console log lines', () => {
      const log = existsSync(c!.consoleLog) ? readFileSync(c!.consoleLog, 'utf8') : '';
      return log.includes('booted') && log.includes('hello');
    });
  });

  test('status, errors', async () => {
    assert.deepEqual(JSON.parse(await ask(c!.socket, 'status')), { pid: c!.init, ttys: 2, console: true });
    assert.equal(await ask(c!.socket, 'console 9'), 'err 2 no such tty\n');
    assert.match(await ask(c!.socket, 'frobnicate'), /^err 22 /);
    assert.match(await ask(c!.socket, 'console x'), /^err 22 /);
  });

  test('a shell on tty1 through the socket; busy; window size; console output forwarded', async () => {
    const t1 = await attach(c!.socket, 1, ' 30 100');
    await t1.out.waitFor(/\/ # /); // the prompt the shell wrote before anyone was attached
    t1.s.write('echo $((6*7)); stty size\n');
    await t1.out.waitFor(/\n42\r?\n30 100\r?\n/);
    assert.equal(await ask(c!.socket, 'console 1'), 'err 16 busy\n');
    assert.equal(await ask(c!.socket, 'winsize 1 50 132'), 'ok\n');
    t1.s.write('stty size\n');
    await t1.out.waitFor(/\n50 132\r?\n/);
    const con = await attach(c!.socket, 0);
    t1.s.write('echo ping-$((1+1)) > /dev/console\n');
    await con.out.waitFor(/ping-2/);
    con.s.destroy();
    t1.s.destroy();
    // detached: free for the next client, and the shell is still there
    const again = await attach(c!.socket, 1);
    again.s.write('echo $((7*7))\n');
    await again.out.waitFor(/\n49\r?\n/);
    again.s.destroy();
    assert.match(readFileSync(c!.consoleLog, 'utf8'), /ping-2/);
  });

  test('a console client that does not read never blocks the console', async () => {
    const con = await attach(c!.socket, 0);
    con.s.pause(); // its socket buffer fills up: the monitor drops output for it
    const t1 = await attach(c!.socket, 1);
    const before = readFileSync(c!.consoleLog).length;
    t1.s.write('head -c 3000000 /dev/zero | tr "\\0" x > /dev/console; echo flood-$((2*3))\n');
    await t1.out.waitFor(/flood-6/, 30_000);
    await until('the flood in the log', () => readFileSync(c!.consoleLog).length >= before + 3_000_000);
    con.s.destroy();
    t1.s.destroy();
  });

  test('corral-helper console: a client on tty2, Ctrl-a q detaches', async () => {
    const client = spawn(HELPER, ['console', c!.socket, '2'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = new Stream(client.stdout);
    const err = new Stream(client.stderr);
    const exited = new Promise<number | null>((r) => client.on('close', (code) => r(code)));
    client.stdin.write('echo $((6*7))\n');
    await out.waitFor(/\n42\r?\n/);
    client.stdin.write('\x01q');
    assert.equal(await exited, 0, err.text);
    const busy = spawn(HELPER, ['console', c!.socket, '7'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const busyErr = new Stream(busy.stderr);
    assert.equal(await new Promise((r) => busy.on('close', r)), 1); // 'close': stderr read to the end
    assert.match(busyErr.text, /tty 7: err 2 no such tty/);
  });

  test('the monitor is small', (t) => {
    const rss = vmRss(c!.monitor);
    t.diagnostic(`monitor VmRSS ${rss} kB`);
    assert.ok(rss > 0 && rss <= 1100, `VmRSS ${rss} kB (the target is ~1 MiB)`);
  });

  test('SIGKILL of init: exit file, post-exit command, socket gone', async () => {
    process.kill(c!.init, 'SIGKILL');
    const r = await exitRecord(c!);
    assert.equal(r.signal, 9);
    assert.equal(r.exitCode, 137);
    assert.equal(r.reboot, false);
  });
});

describe('monitor: reboot and power off from inside', { skip }, () => {
  const booted: Booted[] = [];
  after(async () => {
    for (const c of booted) await destroy(c);
  });

  for (const [cmd, signal, reboot] of [['reboot -f', 1, true], ['poweroff -f', 2, false]] as const) {
    test(`${cmd} gives signal ${signal}, reboot ${reboot}`, async () => {
      const c = await boot(cmd.split(' ')[0]!);
      booted.push(c);
      const t1 = await attach(c.socket, 1);
      t1.s.write(`${cmd}\n`);
      const r = await exitRecord(c);
      t1.s.destroy();
      assert.equal(r.signal, signal);
      assert.equal(r.reboot, reboot);
      assert.equal(r.exitCode, 128 + signal);
    });
  }
});

describe('monitor: foreground console', { skip }, () => {
  let c: Booted | undefined;
  after(() => destroy(c));

  test('console on the monitor\'s stdin/stdout, socket still served', async () => {
    c = await boot('fg', { foreground: true, inittab: '::sysinit:/bin/echo booted\n::respawn:/bin/sh\n' });
    const stdin = c.session.child.stdio[0] as Writable;
    const stdout = new Stream(c.session.child.stdio[1] as Readable);
    await stdout.waitFor(/booted/);
    stdin.write('echo $((6*7))\n');
    await stdout.waitFor(/\n42\r?\n/);
    assert.deepEqual(JSON.parse(await ask(c.socket, 'status')), { pid: c.init, ttys: 2, console: true });
    process.kill(c.init, 'SIGKILL');
    const r = await exitRecord(c);
    assert.equal(r.signal, 9);
    assert.match(readFileSync(c.consoleLog, 'utf8'), /booted[\s\S]*42/);
  });
});

/** A monitor without a rootfs: init is `sleep` in the host's namespaces (plus `before` ops). */
function bare(dir: string, before: PlanOp[] = [], postExit: string[] = []): HelperSession {
  const monitor: PlanOp = { op: 'MONITOR', args: [join(dir, 'm.sock'), join(dir, 'exit.json'), '', 0, postExit.length, ...postExit] };
  const exec: PlanOp = { op: 'EXEC', args: [2, '/bin/sleep', '1000', 1, 'PATH=/usr/bin:/bin'] };
  return runHelper({ ops: [...before, monitor, { op: 'CLONE', args: [0] }, exec] }, { context: 'bare monitor', stdio: ['ignore', 'ignore', 'inherit'], detached: true });
}

function killPid(pid: number | undefined): void {
  try {
    if (pid) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

describe('monitor: namespaces and the socket file', { skip }, () => {
  const dir = skip ? '' : tempDir('mon-bare');
  const pids: number[] = [];
  after(() => {
    for (const pid of pids) killPid(pid);
    rmSync(dir, { recursive: true, force: true });
  });

  test('after NS_JOIN and UNSHARE_PARENT the monitor and its post-exit command are back in their own namespaces', async () => {
    const other = spawn('unshare', ['--net', 'sleep', '1000'], { stdio: 'ignore' });
    pids.push(other.pid!);
    const otherNet = await until('unshare --net', () => {
      const ns = readlinkSync(`/proc/${other.pid}/ns/net`);
      return ns !== readlinkSync('/proc/self/ns/net') && ns;
    });
    const out = join(dir, 'ns.out');
    const s = bare(dir, [
      { op: 'NS_JOIN', args: [CLONE.NEWNET, `/proc/${other.pid}/ns/net`] },
      { op: 'UNSHARE_PARENT', args: [CLONE.NEWTIME] },
    ], ['/bin/sh', '-c', `readlink /proc/self/ns/net /proc/self/ns/time > ${out}`]);
    const init = await s.pid;
    pids.push(init);
    await s.settled;
    const monitor = s.child.pid!;
    assert.equal(readlinkSync(`/proc/${init}/ns/net`), otherNet);
    assert.notEqual(readlinkSync(`/proc/${init}/ns/time`), readlinkSync('/proc/self/ns/time'));
    for (const ns of ['net', 'time', 'time_for_children', 'pid_for_children', 'mnt']) {
      assert.equal(readlinkSync(`/proc/${monitor}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), ns);
    }
    killPid(init);
    assert.equal(await s.exit, 137);
    const ns = readFileSync(out, 'utf8').split('\n');
    assert.equal(ns[0], readlinkSync('/proc/self/ns/net'));
    assert.equal(ns[1], readlinkSync('/proc/self/ns/time'));
  });

  test('a live monitor\'s socket is refused, a dead one\'s is replaced', async () => {
    const first = bare(dir);
    const init = await first.pid;
    pids.push(init, first.child.pid!);
    const second = bare(dir);
    await assert.rejects(second.pid, /monitor socket .*m\.sock is in use/);
    assert.equal(await second.exit, 1);
    assert.equal(JSON.parse(await ask(join(dir, 'm.sock'), 'status')).pid, init, 'the first monitor still serves');
    killPid(first.child.pid);
    await first.exit;
    killPid(init);
    assert.ok(existsSync(join(dir, 'm.sock')), 'a SIGKILLed monitor leaves its socket');
    const third = bare(dir);
    const init3 = await third.pid;
    pids.push(init3);
    assert.deepEqual(JSON.parse(await ask(join(dir, 'm.sock'), 'status')), { pid: init3, ttys: 0, console: false });
    killPid(init3);
    assert.equal(await third.exit, 137);
    assert.ok(!existsSync(join(dir, 'm.sock')));
  });
});
