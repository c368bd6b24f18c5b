import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bigToIp, contains, ipToBig, overlaps, parseIfAddress, parsePrefix, prefixOf } from '../../src/core/net/cidr.js';
import { allocate, emptyLeases, withoutContainer, withoutGone, type LeaseFile, type Subnets } from '../../src/core/net/ipam.js';
import { dnsName } from '../../src/core/net/leases.js';

describe('cidr', () => {
  test('IPv4 and IPv6 round trips, with :: for the longest zero run', () => {
    assert.equal(bigToIp(ipToBig('10.0.3.7'), 4), '10.0.3.7');
    assert.equal(bigToIp(ipToBig('fd00:0:0:1::5'), 6), 'fd00:0:0:1::5');
    assert.equal(bigToIp(ipToBig('fd42::'), 6), 'fd42::');
    assert.equal(bigToIp(ipToBig('::ffff:1.2.3.4'), 6), '::ffff:102:304');
    assert.equal(bigToIp(ipToBig('1:0:0:2:0:0:0:3'), 6), '1:0:0:2::3');
  });

  test('prefixes: contains and overlaps', () => {
    const p = parsePrefix('10.0.3.1/24');
    assert.ok(contains(p, '10.0.3.255'));
    assert.ok(!contains(p, '10.0.4.0'));
    assert.ok(!contains(p, 'fd00::1'));
    assert.ok(overlaps(p, parsePrefix('10.0.0.0/16')));
    assert.ok(!overlaps(p, parsePrefix('10.0.4.0/24')));
    assert.ok(overlaps(parsePrefix('fd00::1/64'), prefixOf({ address: 'fd00::2', length: 128 })));
  });

  test('bad addresses are rejected with the text', () => {
    assert.throws(() => parseIfAddress('10.0.3.300/24'), /"10\.0\.3\.300\/24" is not an address/);
    assert.throws(() => parseIfAddress('10.0.3.1'), /prefix length/);
    assert.throws(() => parseIfAddress('10.0.3.1/33'), /not an address/);
  });
});

const subnets: Subnets = {
  v4: { gateway: '10.9.8.1', prefix: parsePrefix('10.9.8.1/24') },
  v6: { gateway: 'fd42::1', prefix: parsePrefix('fd42::1/64') },
};

function take(file: LeaseFile, name: string, extra: Partial<{ mac: string; staticV4: string; device: number; lxcpath: string }> = {}) {
  return allocate(file, { lxcpath: extra.lxcpath ?? '/s', name, device: extra.device ?? 0, hostname: name, mac: extra.mac ?? '00:16:3e:00:00:01', staticV4: extra.staticV4 }, subnets, 'br');
}

describe('IPAM', () => {
  test('addresses in order after the gateway, IPv6 with the same host number, stable for the same container', () => {
    let f = emptyLeases();
    const a = take(f, 'a', { mac: '00:16:3e:00:00:0a' });
    f = a.file;
    assert.equal(a.lease.ipv4, '10.9.8.2');
    assert.equal(a.lease.ipv6, 'fd42::2');
    const b = take(f, 'b', { mac: '00:16:3e:00:00:0b' });
    f = b.file;
    assert.equal(b.lease.ipv4, '10.9.8.3');
    const again = take(f, 'a', { mac: '00:16:3e:00:00:0a' });
    assert.equal(again.lease.ipv4, '10.9.8.2');
    assert.equal(again.file.leases.length, 2);
  });

  test('a released address is not handed out again at once (the cursor moves on)', () => {
    let f = take(emptyLeases(), 'a', { mac: '00:16:3e:00:00:0a' }).file;
    f = withoutContainer(f, '/s/a').file;
    assert.equal(take(f, 'b', { mac: '00:16:3e:00:00:0b' }).lease.ipv4, '10.9.8.3');
  });

  test('the same name in two stores is two containers', () => {
    const f = take(emptyLeases(), 'a', { mac: '00:16:3e:00:00:0a', lxcpath: '/one' }).file;
    const r = take(f, 'a', { mac: '00:16:3e:00:00:0b', lxcpath: '/two' });
    assert.equal(r.file.leases.length, 2);
  });

  test('static addresses: honoured, checked against the others, the gateway and the broadcast', () => {
    let f = take(emptyLeases(), 'a', { mac: '00:16:3e:00:00:0a', staticV4: '10.9.8.50' }).file;
    assert.equal(f.leases[0]!.ipv4, '10.9.8.50');
    assert.equal(f.leases[0]!.static, true);
    assert.throws(() => take(f, 'b', { mac: '00:16:3e:00:00:0b', staticV4: '10.9.8.50' }), /10\.9\.8\.50 is already the address of container "a"/);
    assert.throws(() => take(f, 'b', { mac: '00:16:3e:00:00:0b', staticV4: '10.9.8.1' }), /address of bridge br itself/);
    assert.throws(() => take(f, 'b', { mac: '00:16:3e:00:00:0b', staticV4: '10.9.8.255' }), /broadcast address/);
    // outside the subnet: not the IPAM's business; the container still gets one of its own
    f = take(f, 'c', { mac: '00:16:3e:00:00:0c', staticV4: '192.168.77.5' }).file;
    assert.equal(f.leases.find((l) => l.name === 'c')!.ipv4, '10.9.8.2');
  });

  test('a MAC held by another container is refused', () => {
    const f = take(emptyLeases(), 'a', { mac: '00:16:3e:00:00:0a' }).file;
    assert.throws(() => take(f, 'b', { mac: '00:16:3E:00:00:0A' }), /hwaddr 00:16:3E:00:00:0A of lxc\.net\.0 is already used by container "a"/);
  });

  test('a full subnet is a clear error', () => {
    const small: Subnets = { v4: { gateway: '10.1.1.1', prefix: parsePrefix('10.1.1.1/30') } };
    const f = allocate(emptyLeases(), { lxcpath: '/s', name: 'a', device: 0, hostname: 'a', mac: '00:16:3e:00:00:0a' }, small, 'br').file;
    assert.equal(f.leases[0]!.ipv4, '10.1.1.2');
    assert.throws(
      () => allocate(f, { lxcpath: '/s', name: 'b', device: 0, hostname: 'b', mac: '00:16:3e:00:00:0b' }, small, 'br'),
      /bridge br: no free address left in 10\.1\.1\.0\/30 \(1 leases\)/,
    );
  });

  test('leases of containers that are gone are dropped', () => {
    let f = take(emptyLeases(), 'a', { mac: '00:16:3e:00:00:0a' }).file;
    f = take(f, 'b', { mac: '00:16:3e:00:00:0b' }).file;
    const r = withoutGone(f, (l) => l.name !== 'a');
    assert.deepEqual(r.gone.map((l) => l.name), ['a']);
    assert.deepEqual(r.file.leases.map((l) => l.name), ['b']);
  });
});

test('container names become DNS labels', () => {
  assert.equal(dnsName('Web.1_a+b'), 'web-1-a-b');
  assert.equal(dnsName('u1'), 'u1');
  assert.equal(dnsName('_'), 'container');
});
