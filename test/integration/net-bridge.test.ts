// Two busybox containers on a bridge of the test's own (NAT off, dnsmasq without upstream
// servers: nothing leaves the bridge): addresses from the IPAM, ping and a TCP echo between
// them and to the bridge, traffic counters in info, DHCP and DNS from Corral's dnsmasq,
// cleanup after stop and after SIGKILL, and nothing left behind at the end.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasBusybox } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { eventually, forceNetCleanup, freeSubnet, hasNetTools, hostLinks, netEnv, netLeftovers } from '../support/net.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : !hasNetTools() ? 'needs iproute2, dnsmasq-base, nftables, util-linux' : false;

function field(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^${key}:\\s+(.*)$`, 'gm'))].map((m) => m[1]!);
}

interface Lease {
  name: string;
  ipv4: string;
  ipv6?: string;
  mac: string;
}

describe('containers on a Corral bridge', { skip }, () => {
  const e = skip ? undefined! : netEnv('net');
  const subnet = skip ? undefined! : freeSubnet();
  const [c1, c2] = [`n1-${process.pid}`, `n2-${process.pid}`];
  const hostNames: string[] = [];
  const leases = new Map<string, Lease>();

  before(() => {
    const up = e.corral(['net', 'up', '--bridge', e.bridge, '--ipv4', subnet.cidr, '--no-nat', '--no-upstream', '--json']);
    assert.equal(up.code, 0, up.stderr);
    const conf = e.configFile('veth', ['lxc.net.0.type = veth', `lxc.net.0.link = ${e.bridge}`, 'lxc.net.0.flags = up', 'lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx']);
    for (const c of [c1, c2]) {
      const r = e.corral(['create', '-n', c, '-t', 'busybox', '-f', conf]);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  after(() => {
    for (const c of [c1, c2]) {
      e.corral(['stop', '-n', c, '-k']);
      e.corral(['destroy', '-n', c, '-f']);
    }
    const down = e.corral(['net', 'down', '--bridge', e.bridge, '--purge']);
    const left = netLeftovers(e, hostNames);
    if (down.code !== 0 || left.length > 0) forceNetCleanup(e, hostNames);
    e.cleanup();
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(left, [], 'nothing of the test network is left');
  });

  test('net up made the bridge with the asked subnet, NAT off, dnsmasq running', () => {
    const s = JSON.parse(e.corral(['net', 'status', '--bridge', e.bridge, '--json']).stdout) as { exists: boolean; ipv4: string; ipv6?: string; nat: boolean; natTable: boolean; dnsmasq: { running: boolean }; upstream: boolean };
    assert.equal(s.exists, true);
    assert.equal(s.ipv4, subnet.cidr);
    assert.match(s.ipv6 ?? '', /^fd[0-9a-f]{2}:/);
    assert.equal(s.nat, false);
    assert.equal(s.natTable, false);
    assert.equal(s.upstream, false);
    assert.equal(s.dnsmasq.running, true);
  });

  test('each container starts with an address of the IPAM, shown by info and ls --fancy', () => {
    for (const c of [c1, c2]) assert.equal(e.corral(['start', '-n', c]).code, 0);
    const status = JSON.parse(e.corral(['net', 'status', '--bridge', e.bridge, '--json']).stdout) as { leases: Lease[] };
    for (const l of status.leases) leases.set(l.name, l);
    for (const c of [c1, c2]) {
      const lease = leases.get(c)!;
      assert.ok(lease, `a lease for ${c}`);
      assert.ok(lease.ipv4.startsWith(`${subnet.base}.`), lease.ipv4);
      const info = e.corral(['info', '-n', c]).stdout;
      assert.ok(field(info, 'IP').includes(lease.ipv4), info);
      if (lease.ipv6) assert.ok(field(info, 'IP').includes(lease.ipv6), info);
      const link = field(info, 'Link')[0]!;
      assert.match(link, /^veth/);
      hostNames.push(link);
      assert.equal(hostLinks().find((l) => l.ifname === link)?.master, e.bridge);
    }
    const ls = e.corral(['ls', '--fancy']).stdout;
    assert.match(ls, new RegExp(`^${c1}\\s+RUNNING\\s+0\\s+-\\s+${leases.get(c1)!.ipv4.replace(/\./g, '\\.')}\\s`, 'm'));
  });

  test('inside: eth0 with the MAC of the config, lo up, the default route via the bridge, resolv.conf', () => {
    const mac = /^lxc\.net\.0\.hwaddr = (.*)$/m.exec(readFileSync(join(e.lxcpath, c1, 'config'), 'utf8'))![1]!;
    assert.match(mac, /^00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/, 'xx filled in at create');
    const link = e.corral(['attach', '-n', c1, '--', 'ip', 'link', 'show', 'eth0']).stdout;
    assert.match(link, new RegExp(`link/ether ${mac}`));
    assert.match(e.corral(['attach', '-n', c1, '--', 'ip', 'link', 'show', 'lo']).stdout, /<LOOPBACK,UP/);
    assert.match(e.corral(['attach', '-n', c1, '--', 'ip', 'route']).stdout, new RegExp(`default via ${subnet.gateway.replace(/\./g, '\\.')} dev eth0`));
    assert.match(readFileSync(join(e.lxcpath, c1, 'rootfs', 'etc', 'resolv.conf'), 'utf8'), new RegExp(`nameserver ${subnet.gateway.replace(/\./g, '\\.')}`));
  });

  test('ping between the containers and to the bridge', () => {
    const ip2 = leases.get(c2)!.ipv4;
    const r = e.corral(['attach', '-n', c1, '--', 'ping', '-c', '3', '-W', '2', ip2], { timeoutMs: 20_000 });
    assert.match(r.stdout, /3 packets transmitted, 3 packets received/, r.stdout + r.stderr);
    const g = e.corral(['attach', '-n', c2, '--', 'ping', '-c', '2', '-W', '2', subnet.gateway], { timeoutMs: 20_000 });
    assert.match(g.stdout, /2 packets transmitted, 2 packets received/, g.stdout + g.stderr);
  });

  test('a TCP echo between them; the counters in info grow by at least what was sent', async () => {
    const ip1 = leases.get(c1)!.ipv4;
    const bytes = (c: string) => {
      const info = e.corral(['info', '-n', c, '-H']).stdout;
      return { tx: Number(field(info, ' TX bytes')[0]), rx: Number(field(info, ' RX bytes')[0]) };
    };
    const [b1, b2] = [bytes(c1), bytes(c2)];
    const server = e.corral(['attach', '-n', c1, '--', 'sh', '-c', 'nc -l -p 7007 -e /bin/cat </dev/null >/dev/null 2>&1 &']);
    assert.equal(server.code, 0, server.stderr);
    const size = 50_000;
    let echoed = '';
    for (let i = 0; i < 20 && echoed !== String(size); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = e.corral(['attach', '-n', c2, '--', 'sh', '-c', `head -c ${size} /dev/zero | nc -w 2 ${ip1} 7007 | wc -c`], { timeoutMs: 15_000 });
      echoed = r.stdout.trim();
    }
    assert.equal(echoed, String(size), 'all of it came back');
    const [a1, a2] = [bytes(c1), bytes(c2)];
    assert.ok(a2.tx - b2.tx >= size && a2.rx - b2.rx >= size, `${c2}: ${JSON.stringify([b2, a2])}`);
    assert.ok(a1.tx - b1.tx >= size && a1.rx - b1.rx >= size, `${c1}: ${JSON.stringify([b1, a1])}`);
    const human = e.corral(['info', '-n', c1]).stdout;
    assert.match(field(human, ' Total bytes')[0] ?? '', /^\d+(\.\d\d)? (bytes|KiB|MiB)$/);
  });

  test("udhcpc gets the IPAM's address from Corral's dnsmasq and resolves the other container's name", () => {
    const script = join(e.lxcpath, c1, 'rootfs', 'root', 'lease.sh');
    writeFileSync(script, '#!/bin/sh\n[ "$1" = bound ] && echo "ip=$ip dns=$dns domain=$domain" > /root/lease.txt\nexit 0\n');
    chmodSync(script, 0o755);
    const r = e.corral(['attach', '-n', c1, '--', 'udhcpc', '-n', '-q', '-f', '-t', '5', '-T', '1', '-i', 'eth0', '-s', '/root/lease.sh'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const got = readFileSync(join(e.lxcpath, c1, 'rootfs', 'root', 'lease.txt'), 'utf8');
    assert.match(got, new RegExp(`ip=${leases.get(c1)!.ipv4.replace(/\./g, '\\.')} dns=${subnet.gateway.replace(/\./g, '\\.')} domain=corral`));
    const ns = e.corral(['attach', '-n', c1, '--', 'nslookup', c2, subnet.gateway], { timeoutMs: 15_000 });
    assert.match(ns.stdout, new RegExp(`Address: ${leases.get(c2)!.ipv4.replace(/\./g, '\\.')}`), ns.stdout + ns.stderr);
  });

  test('stop removes the veth; the next start gives the same address', async () => {
    const link = field(e.corral(['info', '-n', c2]).stdout, 'Link')[0]!;
    assert.equal(e.corral(['stop', '-n', c2, '-k']).code, 0);
    await eventually(`${link} gone`, () => !hostLinks().some((l) => l.ifname === link));
    assert.equal(e.corral(['start', '-n', c2]).code, 0);
    const info = e.corral(['info', '-n', c2]).stdout;
    assert.ok(field(info, 'IP').includes(leases.get(c2)!.ipv4), info);
    hostNames.push(field(info, 'Link')[0]!);
  });

  test('a container and its monitor killed with SIGKILL: the next command cleans up', async () => {
    const info = e.corral(['info', '-n', c2]).stdout;
    const pid = Number(field(info, 'PID')[0]);
    const monitor = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    process.kill(monitor, 'SIGKILL');
    process.kill(pid, 'SIGKILL');
    await eventually('init gone', () => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] === 'Z';
      } catch {
        return true;
      }
    });
    const status = e.corral(['net', 'status', '--bridge', e.bridge, '--json']);
    assert.equal(status.code, 0, status.stderr);
    // `net up` sweeps records of dead containers; so does any start, stop or destroy
    assert.equal(e.corral(['net', 'up', '--bridge', e.bridge]).code, 0);
    await eventually('no port of the killed container', () => !hostLinks().some((l) => l.master === e.bridge && hostNames.slice(-1).includes(l.ifname)));
    assert.equal(e.corral(['info', '-n', c2, '-s']).stdout.trim().split(/\s+/)[1], 'STOPPED');
    const ls = (JSON.parse(e.corral(['net', 'status', '--bridge', e.bridge, '--json']).stdout) as { attached: { name: string }[] }).attached;
    assert.deepEqual(ls.map((a) => a.name), [c1]);
  });

  test('destroy releases the lease', () => {
    assert.equal(e.corral(['destroy', '-n', c2, '-f']).code, 0);
    const status = JSON.parse(e.corral(['net', 'status', '--bridge', e.bridge, '--json']).stdout) as { leases: Lease[] };
    assert.deepEqual(status.leases.map((l) => l.name), [c1]);
    assert.ok(!readFileSync(join('/run/corral/net', e.bridge, 'dhcp-hosts'), 'utf8').includes(leases.get(c2)!.mac));
  });
});
