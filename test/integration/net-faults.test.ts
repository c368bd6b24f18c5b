// Bad network input and faults: each is a clear error before the container starts, and
// leaves no veth, record or lease behind. All on bridges of the test's own.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasBusybox } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { forceNetCleanup, freeSubnet, hasNetTools, hostLinks, netEnv, netLeftovers, type NetEnv } from '../support/net.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : !hasNetTools() ? 'needs iproute2, dnsmasq-base, nftables, util-linux' : false;

interface Status {
  leases: { name: string }[];
  attached: { name: string }[];
  dnsmasq: { running: boolean; pid?: number };
}

function status(e: NetEnv): Status {
  return JSON.parse(e.corral(['net', 'status', '--bridge', e.bridge, '--json']).stdout) as Status;
}

function bind53(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(53, address, () => resolve(s));
  });
}

describe('network faults: a clear error before the container starts, nothing left behind', { skip }, () => {
  const e = skip ? undefined! : netEnv('netfault');
  const full = skip ? undefined! : netEnv('netfull');
  const subnet = skip ? undefined! : freeSubnet();
  const names: [NetEnv, string][] = [];

  before(() => {
    assert.equal(e.corral(['net', 'up', '--bridge', e.bridge, '--ipv4', subnet.cidr, '--no-nat', '--no-upstream']).code, 0);
    const small = freeSubnet();
    const r = full.corral(['net', 'up', '--bridge', full.bridge, '--ipv4', `${small.base}.1/30`, '--ipv6', 'none', '--no-nat', '--no-upstream']);
    assert.equal(r.code, 0, r.stderr);
  });

  after(() => {
    const left: string[] = [];
    for (const [env, n] of names) {
      env.corral(['stop', '-n', n, '-k']);
      env.corral(['destroy', '-n', n, '-f']);
    }
    for (const env of [e, full]) {
      const down = env.corral(['net', 'down', '--bridge', env.bridge, '--purge']);
      if (down.code !== 0) left.push(down.stderr);
      const l = netLeftovers(env, []);
      if (l.length > 0) forceNetCleanup(env, []);
      left.push(...l);
      env.cleanup();
    }
    assert.deepEqual(left, []);
  });

  function make(env: NetEnv, name: string, lines: string[]): void {
    names.push([env, name]);
    const r = env.corral(['create', '-n', name, '-t', 'busybox', '-f', env.configFile(name, lines)]);
    assert.equal(r.code, 0, r.stderr);
  }

  const veth = (env: NetEnv, extra: string[] = []) => ['lxc.net.0.type = veth', `lxc.net.0.link = ${env.bridge}`, 'lxc.net.0.flags = up', ...extra];

  const ports = (env: NetEnv) => hostLinks().filter((l) => l.master === env.bridge).map((l) => l.ifname).sort();

  /** A failed start of name: no new port on the bridge, no lease, no record. */
  function failsCleanly(env: NetEnv, name: string, pattern: RegExp): void {
    const before = ports(env);
    const r = env.corral(['start', '-n', name]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(env.corral(['info', '-n', name, '-s']).stdout.trim().split(/\s+/)[1], 'STOPPED');
    assert.deepEqual(ports(env), before, 'no new port on the bridge');
    const s = status(env);
    assert.ok(!s.leases.some((l) => l.name === name), 'no lease');
    assert.ok(!s.attached.some((a) => a.name === name), 'no attachment');
  }

  test('an invalid address is refused with the key and the reason', () => {
    const name = `cidr-${process.pid}`;
    make(e, name, veth(e));
    appendFileSync(join(e.lxcpath, name, 'config'), 'lxc.net.0.ipv4.address = 10.1.2.300/24\n');
    failsCleanly(e, name, /lxc\.net\.0\.ipv4\.address.*10\.1\.2\.300\/24/s);
  });

  test('a missing link is named', () => {
    const name = `nolink-${process.pid}`;
    make(e, name, ['lxc.net.0.type = veth', 'lxc.net.0.link = crlnosuchbr', 'lxc.net.0.flags = up']);
    failsCleanly(e, name, /lxc\.net\.0.*bridge crlnosuchbr does not exist/);
  });

  test('a hwaddr used twice in one config, or by another container on the bridge, is refused', () => {
    const twice = `dupmac-${process.pid}`;
    make(e, twice, [...veth(e, ['lxc.net.0.hwaddr = 00:16:3e:00:00:42']), 'lxc.net.1.type = veth', `lxc.net.1.link = ${e.bridge}`, 'lxc.net.1.hwaddr = 00:16:3e:00:00:42']);
    failsCleanly(e, twice, /lxc\.net\.1\.hwaddr 00:16:3e:00:00:42 is also the hwaddr of lxc\.net\.0/);

    const first = `mac1-${process.pid}`;
    const second = `mac2-${process.pid}`;
    make(e, first, veth(e, ['lxc.net.0.hwaddr = 00:16:3e:00:00:43']));
    make(e, second, veth(e, ['lxc.net.0.hwaddr = 00:16:3e:00:00:43']));
    assert.equal(e.corral(['start', '-n', first]).code, 0);
    failsCleanly(e, second, new RegExp(`hwaddr 00:16:3e:00:00:43 .*already (used by container "${first}"|the address of host interface)`));
    assert.equal(e.corral(['stop', '-n', first, '-k']).code, 0);
  });

  test('a static address already held by another container is refused', () => {
    const a = `st1-${process.pid}`;
    const b = `st2-${process.pid}`;
    make(e, a, veth(e, [`lxc.net.0.ipv4.address = ${subnet.base}.77/24`]));
    make(e, b, veth(e, [`lxc.net.0.ipv4.address = ${subnet.base}.77/24`]));
    assert.equal(e.corral(['start', '-n', a]).code, 0);
    failsCleanly(e, b, new RegExp(`${subnet.base.replace(/\./g, '\\.')}\\.77 is already the address of container "${a}"`));
    assert.equal(e.corral(['stop', '-n', a, '-k']).code, 0);
  });

  test('a full subnet is a clear error', () => {
    const a = `full1-${process.pid}`;
    const b = `full2-${process.pid}`;
    make(full, a, veth(full));
    make(full, b, veth(full));
    assert.equal(full.corral(['start', '-n', a]).code, 0);
    failsCleanly(full, b, /no free address left in .*\/30/);
    assert.equal(full.corral(['stop', '-n', a, '-k']).code, 0);
  });

  test("a dnsmasq that cannot start (its port taken) fails the start; once free, it is started again", async () => {
    const name = `dns-${process.pid}`;
    make(e, name, veth(e));
    const before = status(e).dnsmasq.pid!;
    process.kill(before, 'SIGTERM');
    for (let i = 0; i < 100 && status(e).dnsmasq.running; i++) await new Promise((r) => setTimeout(r, 20));
    const blocker = await bind53(subnet.gateway);
    try {
      failsCleanly(e, name, /dnsmasq for bridge .* did not start: .*(in use|already)/i);
    } finally {
      blocker.close();
    }
    const ok = e.corral(['start', '-n', name]);
    assert.equal(ok.code, 0, ok.stderr);
    const after = status(e).dnsmasq;
    assert.ok(after.running && after.pid !== before, 'dnsmasq started again');
    assert.equal(e.corral(['stop', '-n', name, '-k']).code, 0);
  });
});
