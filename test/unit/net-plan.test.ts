import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newNetDevice, type NetDevice } from '../../src/core/config/net.js';
import { parsePrefix } from '../../src/core/net/cidr.js';
import { withDefaultNetwork } from '../../src/core/net/defaults.js';
import { derivedHwaddr, fillHwaddr, interfaceNames, moveLines, planDevice, withPrefix, type ManagedLink } from '../../src/core/net/plan.js';

const pos = { file: 'config', line: 1 };

function dev(index: number, fields: Partial<NetDevice>): NetDevice {
  return { ...newNetDevice(index, pos), ...fields };
}

const managed: ManagedLink = {
  bridge: 'crlbr',
  gateway4: '10.9.8.1',
  prefix4: parsePrefix('10.9.8.1/24'),
  gateway6: 'fd42::1',
  prefix6: parsePrefix('fd42::1/64'),
  lease: { ipv4: '10.9.8.5', ipv6: 'fd42::5' },
};

describe('network planning', () => {
  test("a veth on Corral's bridge: host end attached, peer renamed inside, IPAM address, default routes via the bridge", () => {
    const d = dev(0, { type: 'veth', link: 'crlbr', flags: ['up'], mtu: 1400 });
    const p = planDevice({ dev: d, mac: '00:16:3e:aa:bb:cc', managed }, 'eth0', 'abc1234');
    assert.equal(p.hostName, 'vethabc1234');
    assert.deepEqual(p.hostLines, [
      'link add name vethabc1234 mtu 1400 type veth peer name vcrlabc1234 mtu 1400',
      'link set dev vethabc1234 address fe:16:3e:aa:bb:cc',
      'link set dev vethabc1234 master crlbr',
      'link set dev vethabc1234 up',
    ]);
    assert.deepEqual(p.insideLines, [
      'link set dev vcrlabc1234 name eth0',
      'link set dev eth0 address 00:16:3e:aa:bb:cc',
      'link set dev eth0 mtu 1400',
      'addr add 10.9.8.5/24 broadcast + dev eth0',
      'addr add fd42::5/64 dev eth0 nodad',
      'link set dev eth0 up',
      'route add default via 10.9.8.1 dev eth0',
      'route add default via fd42::1 dev eth0',
    ]);
    assert.deepEqual(moveLines([p], 42), ['link set dev vcrlabc1234 netns 42']);
  });

  test('veth.pair names the host end; without flags=up the device stays down and gets no route', () => {
    const d = dev(1, { type: 'veth', link: 'br0', vethPair: 'myhost0', ipv4: [{ address: '192.168.5.2', prefix: 24 }], ipv4Gateway: '192.168.5.1' });
    const p = planDevice({ dev: d }, 'eth1', 'x');
    assert.equal(p.hostName, 'myhost0');
    assert.deepEqual(p.insideLines, ['link set dev vcrlx name eth1', 'addr add 192.168.5.2/24 broadcast + dev eth1']);
  });

  test('gateway auto takes the address of the link; without one it is an error naming the key', () => {
    const d = dev(0, { type: 'veth', link: 'br0', flags: ['up'], ipv4: [{ address: '192.168.5.2', prefix: 24 }], ipv4Gateway: 'auto' });
    assert.ok(planDevice({ dev: d, linkAddr4: '192.168.5.1' }, 'eth0', 'x').insideLines.includes('route add default via 192.168.5.1 dev eth0'));
    assert.throws(() => planDevice({ dev: d }, 'eth0', 'x'), /lxc\.net\.0\.ipv4\.gateway = auto: br0 has no IPv4 address/);
  });

  test('macvlan and phys', () => {
    const mv = planDevice({ dev: dev(0, { type: 'macvlan', link: 'eno1', macvlanMode: 'bridge', flags: ['up'] }), mac: '02:00:00:00:00:01' }, 'eth0', 'q');
    assert.deepEqual(mv.hostLines, ['link add name mcrlq link eno1 type macvlan mode bridge']);
    assert.equal(mv.insideLines[0], 'link set dev mcrlq name eth0');
    const ph = planDevice({ dev: dev(1, { type: 'phys', link: 'eno2' }) }, 'eno2', 'q');
    assert.deepEqual(ph.hostLines, []);
    assert.equal(ph.moveName, 'eno2');
    assert.equal(ph.physOriginal, 'eno2');
    assert.deepEqual(ph.insideLines, []);
  });

  test('veth.mode router is refused for now', () => {
    assert.throws(() => planDevice({ dev: dev(0, { type: 'veth', vethMode: 'router' }) }, 'eth0', 'x'), /veth\.mode = router is not supported/);
  });

  test('interface names: given ones kept, the rest eth0, eth1, ... skipping taken names; phys keeps its own', () => {
    const names = interfaceNames([dev(0, { type: 'veth' }), dev(1, { type: 'veth', name: 'eth0' }), dev(2, { type: 'phys', link: 'eno3' }), dev(3, { type: 'empty' }), dev(4, { type: 'macvlan' })]);
    assert.deepEqual([...names], [[0, 'eth1'], [1, 'eth0'], [2, 'eno3'], [4, 'eth2']]);
  });

  test("hwaddr: LXC's xx pattern filled, kept unicast; a stable one derived when none is given", () => {
    assert.match(fillHwaddr('00:16:3e:xx:xx:xx'), /^00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
    assert.equal(fillHwaddr('xx:00:00:00:00:01', () => 1), '12:00:00:00:00:01');
    assert.equal(derivedHwaddr('/s', 'a', 0), derivedHwaddr('/s', 'a', 0));
    assert.notEqual(derivedHwaddr('/s', 'a', 0), derivedHwaddr('/s', 'a', 1));
  });

  test('addresses without a prefix: the bridge subnet, else classful (IPv4) or /64', () => {
    assert.equal(withPrefix({ address: '10.9.8.7' }, managed), '10.9.8.7/24');
    assert.equal(withPrefix({ address: '10.1.2.3' }), '10.1.2.3/8');
    assert.equal(withPrefix({ address: '172.16.0.9' }), '172.16.0.9/16');
    assert.equal(withPrefix({ address: '192.168.1.9' }), '192.168.1.9/24');
    assert.equal(withPrefix({ address: 'fd00::9' }), 'fd00::9/64');
  });
});

describe('the default network of a new container', () => {
  test('added when nothing says lxc.net, with a random MAC filled in', () => {
    const out = withDefaultNetwork('lxc.uts.name = a\n', 'corralbr0');
    assert.match(out, /^lxc\.net\.0\.type = veth$/m);
    assert.match(out, /^lxc\.net\.0\.link = corralbr0$/m);
    assert.match(out, /^lxc\.net\.0\.flags = up$/m);
    assert.match(out, /^lxc\.net\.0\.hwaddr = 00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/m);
  });

  test('not added when the defaults, -f or the template set lxc.net (empty included); their xx filled', () => {
    const cfg = 'lxc.net.0.type = veth\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n';
    const out = withDefaultNetwork(cfg, 'corralbr0');
    assert.doesNotMatch(out, /corralbr0/);
    assert.match(out, /^lxc\.net\.0\.hwaddr = 00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/m);
    assert.equal(withDefaultNetwork('lxc.net.0.type = empty\n', 'b'), 'lxc.net.0.type = empty\n');
    assert.equal(withDefaultNetwork('lxc.net =\n', 'b'), 'lxc.net =\n');
  });
});
