// The other lxc.net types: none (the host's network), empty (only lo), macvlan on a parent
// the test makes (a dummy where the kernel has one, else one end of a veth pair), phys (a
// device of the test's moved in). No traffic is sent anywhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasBusybox } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { eventually, freeSubnet, hasNetTools, hostLinks, netEnv, netLeftovers } from '../support/net.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : !hasNetTools() ? 'needs iproute2, dnsmasq-base, nftables, util-linux' : false;

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

describe('lxc.net types none, empty, macvlan, phys, and a veth in a user namespace', { skip }, () => {
  const e = skip ? undefined! : netEnv('nettypes');
  const tag = skip ? '' : e.bridge.slice(3);
  const parent = `crp${tag}`;
  const peer = `crq${tag}`;
  const physA = `crx${tag}`;
  const physB = `cry${tag}`;
  const names: string[] = [];
  const bridges: string[] = [];
  const made = [parent, peer, physA, physB];

  let hostAddrs = '';
  // the host's own interfaces (not bridges and veths that tests, ours or others', come and go with)
  const addrsOfHost = () =>
    JSON.stringify(
      (JSON.parse(spawnSync('ip', ['-json', 'addr'], { encoding: 'utf8' }).stdout) as { ifname: string; addr_info: unknown }[])
        .filter((l) => !made.includes(l.ifname) && !/^(crl|veth|vcrl|mcrl)/.test(l.ifname))
        .map((l) => [l.ifname, l.addr_info]),
    );

  before(() => {
    hostAddrs = addrsOfHost();
    // a dummy parent where the kernel has the driver, else a veth pair of our own
    if (ip('link', 'add', parent, 'type', 'dummy').status !== 0) assert.equal(ip('link', 'add', parent, 'type', 'veth', 'peer', 'name', peer).status, 0);
    assert.equal(ip('link', 'set', parent, 'up').status, 0);
    assert.equal(ip('link', 'add', physA, 'type', 'veth', 'peer', 'name', physB).status, 0);
  });

  after(() => {
    for (const n of names) {
      e.corral(['stop', '-n', n, '-k']);
      e.corral(['destroy', '-n', n, '-f']);
    }
    for (const b of bridges) e.corral(['net', 'down', '--bridge', b, '--purge']);
    const links = hostLinks();
    const ours = made.filter((n) => links.some((l) => l.ifname === n));
    for (const n of ours) ip('link', 'del', n);
    const left = [e.bridge, ...bridges].flatMap((bridge) => netLeftovers({ ...e, bridge }, []));
    e.cleanup();
    assert.deepEqual(left, []);
    assert.equal(addrsOfHost(), hostAddrs, "the host's own interfaces kept their addresses");
  });

  function make(name: string, lines: string[], quietInit = false): void {
    names.push(name);
    const r = e.corral(['create', '-n', name, '-t', 'busybox', '-f', e.configFile(name, lines)]);
    assert.equal(r.code, 0, r.stderr);
    // an init that leaves the network alone: with type none, eth0 is the host's
    if (quietInit) writeFileSync(join(e.lxcpath, name, 'rootfs', 'etc', 'init.d', 'rcS'), '#!/bin/sh\nexit 0\n');
    const s = e.corral(['start', '-n', name]);
    assert.equal(s.code, 0, s.stderr);
  }

  const inside = (name: string, ...cmd: string[]) => e.corral(['attach', '-n', name, '--', ...cmd]).stdout;

  test('type none shares the host network namespace', () => {
    const name = `none-${process.pid}`;
    make(name, ['lxc.net.0.type = none'], true);
    const pid = e.corral(['info', '-n', name, '-p', '-H']).stdout.trim();
    const same = spawnSync('readlink', [`/proc/${pid}/ns/net`, '/proc/self/ns/net'], { encoding: 'utf8' }).stdout.split('\n');
    assert.equal(same[0], same[1]);
    assert.match(inside(name, 'ls', '/sys/class/net'), new RegExp(parent));
  });

  test('type empty has only lo, and lo is up', () => {
    const name = `empty-${process.pid}`;
    make(name, ['lxc.net.0.type = empty']);
    assert.deepEqual(inside(name, 'ls', '/sys/class/net').trim().split(/\s+/), ['lo']);
    assert.match(inside(name, 'ip', 'link', 'show', 'lo'), /<LOOPBACK,UP/);
    const info = e.corral(['info', '-n', name]).stdout;
    assert.doesNotMatch(info, /^IP:/m);
  });

  test('macvlan on a parent the test made: named, addressed, with its MAC and MTU', () => {
    const name = `mv-${process.pid}`;
    const addr = `${freeSubnet().base}.250`;
    make(name, [
      'lxc.net.0.type = macvlan',
      `lxc.net.0.link = ${parent}`,
      'lxc.net.0.macvlan.mode = bridge',
      'lxc.net.0.flags = up',
      'lxc.net.0.name = mv0',
      'lxc.net.0.hwaddr = 02:16:3e:12:34:56',
      'lxc.net.0.mtu = 1400',
      `lxc.net.0.ipv4.address = ${addr}/24`,
      'lxc.net.0.ipv6.address = fd42:dead:beef::5/64',
    ]);
    const link = inside(name, 'ip', 'addr', 'show', 'mv0');
    assert.match(link, /mtu 1400/);
    assert.match(link, /link\/ether 02:16:3e:12:34:56/);
    assert.match(link, new RegExp(`inet ${addr.replace(/\./g, '\\.')}/24`));
    assert.match(link, /inet6 fd42:dead:beef::5\/64/);
    assert.match(link, /[<,]UP[,>]/);
    const info = e.corral(['info', '-n', name]).stdout;
    assert.ok(info.includes(`IP:             ${addr}\n`), info);
    assert.match(info, /^IP:\s+fd42:dead:beef::5$/m);
    assert.match(info, /^Link:\s+mv0$/m);
    assert.equal(e.corral(['stop', '-n', name, '-k']).code, 0);
  });

  test('in a user namespace the veth lands in a network namespace its root owns', () => {
    const name = `userns-${process.pid}`;
    const sub = freeSubnet();
    const bridge = `${e.bridge}u`;
    bridges.push(bridge);
    assert.equal(e.corral(['net', 'up', '--bridge', bridge, '--ipv4', sub.cidr, '--no-nat', '--no-upstream']).code, 0);
    names.push(name);
    const conf = e.configFile(name, ['lxc.net.0.type = veth', `lxc.net.0.link = ${bridge}`, 'lxc.net.0.flags = up', 'lxc.idmap = u 0 100000 65536', 'lxc.idmap = g 0 100000 65536']);
    assert.equal(e.corral(['create', '-n', name, '-t', 'busybox', '-f', conf]).code, 0);
    // the mapped root must be able to reach its rootfs through the test's temporary directory
    chmodSync(e.base, 0o711);
    const r = e.corral(['start', '-n', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(inside(name, 'cat', '/proc/self/uid_map'), /^\s*0\s+100000\s+65536/);
    assert.match(inside(name, 'ip', 'addr', 'show', 'eth0'), new RegExp(`inet ${sub.base.replace(/\./g, '\\.')}\\.2/24`));
    const mtu = e.corral(['attach', '-n', name, '--', 'ip', 'link', 'set', 'eth0', 'mtu', '1300']);
    assert.equal(mtu.code, 0, `the container's root changes its own interface: ${mtu.stderr}`);
    assert.equal(e.corral(['stop', '-n', name, '-k']).code, 0);
    assert.equal(e.corral(['destroy', '-n', name]).code, 0);
  });

  test('phys moves a device of the host in under its new name; after stop it is not left renamed', async () => {
    const name = `phys-${process.pid}`;
    make(name, ['lxc.net.0.type = phys', `lxc.net.0.link = ${physA}`, 'lxc.net.0.name = eth7', 'lxc.net.0.flags = up']);
    assert.match(inside(name, 'ls', '/sys/class/net'), /eth7/);
    assert.ok(!hostLinks().some((l) => l.ifname === physA), 'no longer on the host');
    assert.equal(e.corral(['stop', '-n', name, '-k']).code, 0);
    // a virtual device dies with the namespace (a physical one comes back, named back)
    await eventually('no eth7 on the host', () => !hostLinks().some((l) => l.ifname === 'eth7'));
  });
});
