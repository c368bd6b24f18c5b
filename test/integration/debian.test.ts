// A Debian system container from the debian template (debootstrap; the tree is cached in
// /var/cache/corral/debian so only the first run of a machine downloads it) booting systemd
// on a bridge of the test's own (NAT off, dnsmasq without upstream servers: nothing leaves
// the bridge, so the booted system cannot reach the Internet either): `running` within
// 10 s, eth0 by DHCP, detect-virt, the journal, its own cgroup, attach, reboot, a clean
// halt by SIGRTMIN+3, destroy, and nothing left behind. Skipped with the reason when
// debootstrap is missing or the Debian mirror cannot be reached.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { isRoot } from '../support/cli.js';
import { cgroupDirsOf } from '../support/leftovers.js';
import { forceNetCleanup, freeSubnet, hasNetTools, netEnv, netLeftovers } from '../support/net.js';

const skip = !isRoot() ? 'needs root' : !existsSync('/usr/sbin/debootstrap') ? 'needs debootstrap (apt-get install debootstrap)' : !hasNetTools() ? 'needs iproute2, dnsmasq-base, nftables, util-linux' : false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request to the monitor's socket, then a line of input, reading what comes back for a while. */
function monitorTalk(socket: string, request: string, input: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = connect(socket, () => s.write(request));
    s.on('data', (d) => (out += d.toString()));
    s.on('error', reject);
    setTimeout(() => s.write(input), 200);
    setTimeout(() => {
      s.destroy();
      resolve(out);
    }, ms);
  });
}

describe('a Debian container booting systemd', { skip, timeout: 300_000 }, () => {
  const e = skip ? undefined! : netEnv('debian');
  const subnet = skip ? undefined! : freeSubnet();
  const name = `deb-${process.pid}`;
  const consoleLog = skip ? '' : join(e.base, 'console.log');
  let unavailable: string | undefined;
  let created = false;
  const exec = (cmd: string[], timeoutMs = 20_000) => e.corral(['attach', '-n', name, '--', ...cmd], { timeoutMs });
  const need = (t: TestContext): boolean => {
    if (unavailable) t.skip(unavailable);
    else if (!created) t.skip('the container was not created');
    return !unavailable && created;
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

  before(() => {
    const up = e.corral(['net', 'up', '--bridge', e.bridge, '--ipv4', subnet.cidr, '--no-nat', '--no-upstream']);
    assert.equal(up.code, 0, up.stderr);
  });

  after(() => {
    e.corral(['stop', '-n', name, '-k']);
    e.corral(['destroy', '-n', name, '-f']);
    const down = e.corral(['net', 'down', '--bridge', e.bridge, '--purge']);
    const left = netLeftovers(e, []);
    if (down.code !== 0 || left.length > 0) forceNetCleanup(e, []);
    const cgroups = cgroupDirsOf(name);
    e.cleanup();
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(left, [], 'nothing of the test network is left');
    assert.deepEqual(cgroups, [], 'no cgroup of the container is left');
  });

  test('create -t debian (debootstrap once, then the cache)', (t) => {
    const conf = e.configFile('net', [
      'lxc.net.0.type = veth',
      `lxc.net.0.link = ${e.bridge}`,
      'lxc.net.0.flags = up',
      'lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx',
      `lxc.console.logfile = ${consoleLog}`,
    ]);
    const started = Date.now();
    const r = e.corral(['create', '-n', name, '-t', 'debian', '-f', conf], { timeoutMs: 200_000 });
    if (r.code !== 0 && /cannot be reached|Failed getting release|Temporary failure|timed out/i.test(r.stderr)) {
      unavailable = `the Debian mirror cannot be reached: ${r.stderr.trim().split('\n')[0]}`;
      t.skip(unavailable);
      return;
    }
    assert.equal(r.code, 0, r.stderr);
    created = true;
    t.diagnostic(`create took ${Date.now() - started} ms`);
    const rootfs = join(e.lxcpath, name, 'rootfs');
    assert.equal(readFileSync(join(rootfs, 'etc/hostname'), 'utf8'), `${name}\n`);
    assert.match(readFileSync(join(rootfs, 'etc/machine-id'), 'utf8'), /^[0-9a-f]{32}\n$/);
    assert.match(readFileSync(join(e.lxcpath, name, 'config'), 'utf8'), /^lxc\.signal\.halt = SIGRTMIN\+3$/m);
    // belt and braces: no apt timer in the test container (the bridge does not route out anyway)
    for (const unit of ['apt-daily.timer', 'apt-daily-upgrade.timer']) {
      const link = join(rootfs, 'etc/systemd/system', unit);
      mkdirSync(join(link, '..'), { recursive: true });
      rmSync(link, { force: true });
      symlinkSync('/dev/null', link);
    }
    // a second create of the same release is a copy of the cached tree: seconds
    const again = Date.now();
    const r2 = e.corral(['create', '-n', `${name}-b`, '-t', 'debian'], { timeoutMs: 60_000 });
    assert.equal(r2.code, 0, r2.stderr);
    const second = Date.now() - again;
    t.diagnostic(`a second create took ${second} ms`);
    assert.equal(e.corral(['destroy', '-n', `${name}-b`]).code, 0);
    assert.ok(second < 30_000, `a cached create took ${second} ms`);
  });

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
    assert.match(readFileSync(consoleLog, 'utf8'), /Halting system|System Halt/);
    assert.match(e.corral(['info', '-n', name]).stdout, /STOPPED/);
    assert.equal(e.corral(['destroy', '-n', name]).code, 0);
    assert.ok(!existsSync(join(e.lxcpath, name)));
    assert.deepEqual(cgroupDirsOf(name), []);
  });
});
