// What a systemd system container must do once created, shared by the debian and the
// download (Debian image) tests: on a bridge of the test's own (NAT off, dnsmasq without
// upstream servers: nothing leaves the bridge, so the booted system cannot reach the
// Internet either) it is `running` within 10 s, eth0 has a DHCP lease, detect-virt says
// lxc, the journal works, it has its own cgroup, attach gives a login-like shell, the
// console and ttys show a getty, a reboot inside starts it again, stop halts it through
// systemd (SIGRTMIN+3), destroy leaves nothing. The test file registers its own create
// step first and marks `created`; these checks skip when it could not.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cgroupDirsOf } from './leftovers.js';
import { forceNetCleanup, freeSubnet, netEnv, netLeftovers, type NetEnv } from './net.js';
import { monitorTalk } from './monitor-talk.js';

/** How a failed debootstrap (or corral create -t debian) says the Debian mirror is out of reach. */
export const MIRROR_UNREACHABLE = /cannot be reached|Failed getting release|Temporary failure|timed out/i;

export interface SystemdSuite {
  e: NetEnv;
  subnet: ReturnType<typeof freeSubnet>;
  name: string;
  consoleLog: string;
  /** set by the create step: the checks run only on a created container */
  created: boolean;
  /** why the container could not be made here (the checks skip with it) */
  unavailable?: string;
}

export function systemdSuite(prefix: string, name: string): SystemdSuite {
  const e = netEnv(prefix);
  return { e, subnet: freeSubnet(), name, consoleLog: join(e.base, 'console.log'), created: false };
}

/** The container's config for create -f: a veth on the test's bridge, the console logged. */
export function bridgeConfig(s: SystemdSuite): string {
  return s.e.configFile('net', [
    'lxc.net.0.type = veth',
    `lxc.net.0.link = ${s.e.bridge}`,
    'lxc.net.0.flags = up',
    'lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx',
    `lxc.console.logfile = ${s.consoleLog}`,
  ]);
}

/** The test's bridge: NAT off, no upstream DNS. */
export function bridgeUp(s: SystemdSuite): void {
  const up = s.e.corral(['net', 'up', '--bridge', s.e.bridge, '--ipv4', s.subnet.cidr, '--no-nat', '--no-upstream']);
  assert.equal(up.code, 0, up.stderr);
}

/** Remove the container, the bridge and the store (also after a failure), then check nothing is left. */
export function tearDown(s: SystemdSuite): void {
  const { e, name } = s;
  if (existsSync(join(e.lxcpath, name))) {
    // after a failure: whatever is left goes
    e.corral(['stop', '-n', name, '-k']);
    e.corral(['destroy', '-n', name, '-f']);
  }
  const down = e.corral(['net', 'down', '--bridge', e.bridge, '--purge']);
  const left = netLeftovers(e, []);
  if (down.code !== 0 || left.length > 0) forceNetCleanup(e, []);
  const cgroups = cgroupDirsOf(name);
  e.cleanup();
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(left, [], 'nothing of the test network is left');
  assert.deepEqual(cgroups, [], 'no cgroup of the container is left');
}

/** Belt and braces: no apt timer in a test container (the bridge does not route out anyway). */
export function maskAptTimers(rootfs: string): void {
  for (const unit of ['apt-daily.timer', 'apt-daily-upgrade.timer']) {
    const link = join(rootfs, 'etc/systemd/system', unit);
    mkdirSync(join(link, '..'), { recursive: true });
    rmSync(link, { force: true });
    symlinkSync('/dev/null', link);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/**
 * Register the boot checks (after the test file's create step, in its describe). `s` is
 * undefined in a skipped describe: the checks are registered (and reported skipped) but
 * never run.
 */
export function systemdBootChecks(s: SystemdSuite | undefined): void {
  let e: NetEnv;
  let subnet: SystemdSuite['subnet'];
  let name: string;
  const exec = (cmd: string[], timeoutMs = 20_000) => e.corral(['attach', '-n', name, '--', ...cmd], { timeoutMs });
  const need = (t: TestContext): boolean => {
    if (!s) return false;
    ({ e, subnet, name } = s);
    if (s.unavailable) t.skip(s.unavailable);
    else if (!s.created) t.skip('the container was not created');
    return !s.unavailable && s.created;
  };
  const initPid = () => Number(/^PID:\s+(\d+)/m.exec(e.corral(['info', '-n', name]).stdout)?.[1] ?? 0);

  async function untilRunning(ms: number): Promise<string> {
    const deadline = Date.now() + ms;
    let state = '';
    while (Date.now() < deadline) {
      state = exec(['systemctl', 'is-system-running'], 5000).stdout.trim();
      if (state === 'running' || state === 'degraded') return state;
      await sleep(100);
    }
    return state;
  }

  test('systemd is running (not degraded) within 10 s, the journal works', async (t) => {
    if (!need(t)) return;
    const started = Date.now();
    const r = e.corral(['start', '-n', name]);
    assert.equal(r.code, 0, r.stderr);
    const state = await untilRunning(10_000);
    t.diagnostic(`boot to "${state}" in ${Date.now() - started} ms`);
    if (state !== 'running') t.diagnostic(exec(['systemctl', '--failed', '--no-pager']).stdout);
    assert.equal(state, 'running');
    assert.match(exec(['journalctl', '-b', '--no-pager']).stdout, /Startup finished/);
  });

  test('eth0 has its address by DHCP from the bridge, detect-virt says lxc, own cgroup', async (t) => {
    if (!need(t)) return;
    let addr = '';
    for (let i = 0; i < 50 && !/inet /.test(addr); i++) {
      addr = exec(['ip', '-4', 'addr', 'show', 'dev', 'eth0']).stdout;
      if (!/inet /.test(addr)) await sleep(100);
    }
    // a DHCP lease has a lifetime: "dynamic", not the "forever" of a static address
    assert.match(addr, new RegExp(`inet ${subnet.base.replace(/\./g, '\\.')}\\.\\d+/24 .*dynamic`), addr);
    assert.equal(exec(['systemd-detect-virt', '-c']).stdout.trim(), 'lxc');
    assert.match(exec(['cat', '/proc/self/cgroup']).stdout, /^0::\/$/m);
  });

  test('attach lands in a shell with a sane environment', (t) => {
    if (!need(t)) return;
    const r = exec(['sh', '-c', 'echo "$HOME|$PWD|$container|$(id -u)|$(hostname)"']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `/root|/root|lxc|0|${name}`);
    const i = e.corral(['attach', '-n', name], { input: 'echo attached-$((6*7))\nexit\n' });
    assert.match(i.stdout, /attached-42/);
  });

  test('the console and the ttys show a getty login', async (t) => {
    if (!need(t)) return;
    const runDir = readdirSync('/run/corral/lxc').map((d) => join('/run/corral/lxc', d, name)).find((d) => existsSync(d));
    assert.ok(runDir);
    for (const n of [0, 1]) {
      const answer = await monitorTalk(join(runDir, 'mon.sock'), `console ${n} 24 80\n`, '\n', 1000);
      assert.match(answer, /login:/, `console ${n}: ${answer}`);
    }
  });

  test('reboot inside starts it again', async (t) => {
    if (!need(t)) return;
    const before = initPid();
    exec(['systemctl', 'reboot']);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (initPid() === before || initPid() === 0)) await sleep(200);
    assert.notEqual(initPid(), before, 'a new init after the reboot');
    assert.equal(await untilRunning(10_000), 'running');
  });

  test('stop halts it through systemd (SIGRTMIN+3) in a few seconds; destroy leaves nothing', (t) => {
    if (!need(t)) return;
    const started = Date.now();
    const r = e.corral(['stop', '-n', name]);
    const took = Date.now() - started;
    t.diagnostic(`stop took ${took} ms`);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(took < 10_000, `stop took ${took} ms`);
    assert.match(readFileSync(s!.consoleLog, 'utf8'), /Halting system|System Halt/);
    assert.match(e.corral(['info', '-n', name]).stdout, /STOPPED/);
    assert.equal(e.corral(['destroy', '-n', name]).code, 0);
    assert.ok(!existsSync(join(e.lxcpath, name)));
    assert.deepEqual(cgroupDirsOf(name), []);
  });
}
