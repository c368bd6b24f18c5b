import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { newNetDevice, type NetDevice } from '../../src/core/config/net.js';
import { prepareNetwork } from '../../src/core/net/attach.js';
import { bridgeUpLines, checkRequested, chooseSubnet4, type BridgeConfig } from '../../src/core/net/bridge.js';
import { parsePrefix } from '../../src/core/net/cidr.js';
import { dhcpHostsText, dnsmasqArgs, dnsmasqFiles, hostsText } from '../../src/core/net/dnsmasq.js';
import { batchFailure, type LinkInfo, type NetHost } from '../../src/core/net/host.js';
import { natRuleset, tableName } from '../../src/core/net/nft.js';
import { parseFibTrie, parseIfInet6, parseNetDev } from '../../src/core/net/stats.js';

const cfg: BridgeConfig = { version: 1, name: 'crlbr', ipv4: '10.9.8.1/24', ipv6: 'fd42::1/64', nat: false, domain: 'corral', upstream: false };
const paths = { dir: '/var/lib/x', run: '/run/x' };

describe('dnsmasq, nft and the bridge device', () => {
  test("dnsmasq: only our bridge, the IPAM's reservations, no upstream servers when asked", () => {
    const args = dnsmasqArgs(cfg, dnsmasqFiles(paths, 'crlbr'));
    for (const a of [
      '--conf-file=/dev/null',
      '--bind-interfaces',
      '--interface=crlbr',
      '--listen-address=10.9.8.1',
      '--listen-address=fd42::1',
      '--dhcp-range=10.9.8.0,static,255.255.255.0,1h',
      '--dhcp-hostsfile=/run/x/crlbr/dhcp-hosts',
      '--addn-hosts=/run/x/crlbr/hosts',
      '--pid-file=/run/x/crlbr/dnsmasq.pid',
      '--no-resolv',
      '--domain=corral',
    ]) {
      assert.ok(args.includes(a), a);
    }
    assert.ok(!dnsmasqArgs({ ...cfg, upstream: true }, dnsmasqFiles(paths, 'crlbr')).includes('--no-resolv'));
  });

  test('dhcp-host and hosts lines from the leases', () => {
    const leases = [{ container: '/s/a', lxcpath: '/s', name: 'a', device: 0, hostname: 'a', mac: '00:16:3e:00:00:0a', ipv4: '10.9.8.2', ipv6: 'fd42::2', static: false }];
    assert.equal(dhcpHostsText(leases), '00:16:3e:00:00:0a,10.9.8.2,a,1h\n');
    assert.equal(hostsText(leases, cfg), '10.9.8.1 crlbr\n10.9.8.2 a\nfd42::2 a\n');
  });

  test('the NAT table: our own, replaced whole, masquerading only what leaves the subnet', () => {
    assert.equal(tableName('corral-br.0'), 'corral_corral_br_0');
    const text = natRuleset({ ...cfg, nat: true }, true);
    assert.match(text, /^delete table inet corral_crlbr\ntable inet corral_crlbr \{/);
    assert.match(text, /ip saddr 10\.9\.8\.0\/24 ip daddr != 10\.9\.8\.0\/24 masquerade/);
    assert.match(text, /iifname "crlbr" accept/);
    assert.doesNotMatch(natRuleset(cfg, false), /delete/);
  });

  test('bridge lines: created, addressed (IPv6 without DAD) and up; nothing repeated when present', () => {
    assert.deepEqual(bridgeUpLines(cfg, undefined), ['link add name crlbr type bridge', 'addr add 10.9.8.1/24 dev crlbr', 'addr add fd42::1/64 dev crlbr nodad', 'link set crlbr up']);
    const present: LinkInfo = { ifname: 'crlbr', ifindex: 9, addr_info: [{ family: 'inet', local: '10.9.8.1', prefixlen: 24 }, { family: 'inet6', local: 'fd42::1', prefixlen: 64 }] };
    assert.deepEqual(bridgeUpLines(cfg, present), ['link set crlbr up']);
  });

  test("a subnet is chosen that overlaps nothing of the host's", () => {
    assert.equal(chooseSubnet4([]), '10.0.3.1/24');
    assert.equal(chooseSubnet4([parsePrefix('10.0.0.0/22'), parsePrefix('10.0.4.7/32')]), '10.0.5.1/24');
    assert.throws(() => checkRequested('192.0.2.1/24', 4, [parsePrefix('192.0.2.2/24')]), /192\.0\.2\.0\/24 overlaps 192\.0\.2\.0\/24/);
    assert.throws(() => checkRequested('10.1.0.0/24', 4, []), /network address/);
    assert.throws(() => checkRequested('10.1.0.1/31', 4, []), /leaves no room/);
    assert.equal(checkRequested('10.1.0.1/24', 4, []), '10.1.0.1/24');
  });

  test('ip -batch failures name the failing line', () => {
    assert.equal(batchFailure(['link add a type veth', 'link set a master nope'], 'Error: Cannot find device "nope".\nCommand failed -:2\n'), '"ip link set a master nope" failed: Cannot find device "nope".');
  });
});

describe('what a container sees, from /proc/<pid>/net', () => {
  test('net/dev counters, lo included (callers drop it)', () => {
    const text = 'Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes\n    lo:     100 1 0 0 0 0 0 0      100 1 0 0 0 0 0 0\n  eth0: 5000 10 0 0 0 0 0 0 7000 12 0 0 0 0 0 0\n';
    assert.deepEqual(parseNetDev(text), [
      { name: 'lo', rxBytes: 100, txBytes: 100 },
      { name: 'eth0', rxBytes: 5000, txBytes: 7000 },
    ]);
  });

  test('fib_trie local addresses without loopback; if_inet6 global addresses only', () => {
    const trie = 'Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 10.9.8.0\n        /24 link UNICAST\n     |-- 10.9.8.5\n        /32 host LOCAL\n     |-- 127.0.0.1\n        /32 host LOCAL\nLocal:\n     |-- 10.9.8.5\n        /32 host LOCAL\n';
    assert.deepEqual(parseFibTrie(trie), ['10.9.8.5']);
    const inet6 = 'fd420000000000000000000000000005 02 40 00 80     eth0\nfe8000000000000002163efffeaabbcc 02 40 20 80     eth0\n00000000000000000000000000000001 01 80 10 80       lo\n';
    assert.deepEqual(parseIfInet6(inet6), ['fd42::5']);
  });
});

/** A recording fake of the host: a bridge br0 exists; every ip batch is kept. */
function fakeHost(failOn?: RegExp): NetHost & { batches: { lines: string[]; ns?: number }[] } {
  const batches: { lines: string[]; ns?: number }[] = [];
  return {
    batches,
    ipBatch(lines, what, ns) {
      batches.push({ lines, ns });
      const bad = failOn && lines.find((l) => failOn.test(l));
      if (bad) throw new Error(`${what}: "ip ${bad}" failed: no`);
    },
    links: () => [{ ifname: 'br0', ifindex: 3, mtu: 1500, linkinfo: { info_kind: 'bridge' }, addr_info: [{ family: 'inet', local: '192.168.50.1', prefixlen: 24 }] }],
    routes: () => [],
    nft() {},
    nftHasTable: () => false,
    nftTables: () => [],
  };
}

function device(fields: Partial<NetDevice>): NetDevice {
  return { ...newNetDevice(0, { file: 'c', line: 1 }), ...fields };
}

describe('a container on a bridge Corral does not manage (recording fake host)', () => {
  const base = mkdtempSync(join(tmpdir(), 'corral-net-unit-'));
  const netPaths = { dir: join(base, 'lib'), run: join(base, 'run') };
  const request = (host: NetHost, devices: NetDevice[]) => ({ lxcpath: '/s', name: 'c1', root: '/run/corral/lxc/x', rootfs: join(base, 'rootfs'), devices, host, paths: netPaths, log: () => {} });

  test('the host side before init, the inside at configure, a record meanwhile; abort removes it all', () => {
    const host = fakeHost();
    const setup = prepareNetwork(request(host, [device({ type: 'veth', link: 'br0', flags: ['up'], ipv4: [{ address: '192.168.50.7', prefix: 24 }], ipv4Gateway: 'auto' })]));
    const hostName = setup.devices[0]!.hostName!;
    assert.match(host.batches[0]!.lines[0]!, new RegExp(`^link add name ${hostName} mtu 1500 type veth peer name vcrl`));
    assert.equal(readdirSync(join(netPaths.run, 'attached')).length, 1);
    host.batches.length = 0;
    setup.configure(process.pid);
    assert.deepEqual(host.batches[0], { lines: [`link set dev ${setup.devices[0]!.moveName} netns ${process.pid}`], ns: undefined });
    assert.ok(host.batches[1]!.lines.includes('route add default via 192.168.50.1 dev eth0'));
    setup.abort();
    assert.deepEqual(readdirSync(join(netPaths.run, 'attached')), []);
  });

  test('a failure on the host side undoes what was made and names the device', () => {
    const host = fakeHost(/master br0/);
    assert.throws(() => prepareNetwork(request(host, [device({ type: 'veth', link: 'br0' })])), /lxc\.net\.0 \(veth on br0\).*master br0/);
    assert.deepEqual(readdirSync(join(netPaths.run, 'attached')), []);
  });

  test('missing link and duplicate MAC are refused before anything is made', () => {
    const host = fakeHost();
    assert.throws(() => prepareNetwork(request(host, [device({ type: 'macvlan', link: 'eno9' })])), /lxc\.net\.0\.link: interface eno9 does not exist/);
    const twice = [device({ type: 'veth', link: 'br0', hwaddr: '00:16:3e:00:00:01' }), { ...device({ type: 'veth', link: 'br0', hwaddr: '00:16:3e:00:00:01' }), index: 1 }];
    assert.throws(() => prepareNetwork(request(host, twice)), /lxc\.net\.1\.hwaddr 00:16:3e:00:00:01 is also the hwaddr of lxc\.net\.0/);
    assert.deepEqual(host.batches, []);
    rmSync(base, { recursive: true, force: true });
  });
});
