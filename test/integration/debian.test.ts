// A Debian system container from the debian template (debootstrap; the tree is cached in
// /var/cache/corral/debian so only the first run of a machine downloads it) booting systemd
// on a bridge of the test's own (NAT off, dnsmasq without upstream servers: nothing leaves
// the bridge, so the booted system cannot reach the Internet either): `running` within
// 10 s, eth0 by DHCP, detect-virt, the journal, its own cgroup, attach, reboot, a clean
// halt by SIGRTMIN+3, destroy, and nothing left behind (the checks are in
// test/support/systemd-checks.ts, shared with download-systemd.test.ts). Skipped with the
// reason when debootstrap is missing or the Debian mirror cannot be reached.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isRoot } from '../support/cli.js';
import { hasNetTools } from '../support/net.js';
import { bridgeConfig, bridgeUp, maskAptTimers, MIRROR_UNREACHABLE, systemdBootChecks, systemdSuite, tearDown } from '../support/systemd-checks.js';

const skip = !isRoot() ? 'needs root' : !existsSync('/usr/sbin/debootstrap') ? 'needs debootstrap (apt-get install debootstrap)' : !hasNetTools() ? 'needs iproute2, dnsmasq-base, nftables, util-linux' : false;

describe('a Debian container booting systemd', { skip, timeout: 300_000 }, () => {
  const s = skip ? undefined! : systemdSuite('debian', `deb-${process.pid}`);
  const name = `deb-${process.pid}`;

  before(() => bridgeUp(s));
  after(() => tearDown(s));

  test('create -t debian (debootstrap once, then the cache)', (t) => {
    const { e } = s;
    const started = Date.now();
    const r = e.corral(['create', '-n', name, '-t', 'debian', '-f', bridgeConfig(s)], { timeoutMs: 200_000 });
    if (r.code !== 0 && MIRROR_UNREACHABLE.test(r.stderr)) {
      s.unavailable = `the Debian mirror cannot be reached: ${r.stderr.trim().split('\n')[0]}`;
      t.skip(s.unavailable);
      return;
    }
    assert.equal(r.code, 0, r.stderr);
    s.created = true;
    t.diagnostic(`create took ${Date.now() - started} ms`);
    const rootfs = join(e.lxcpath, name, 'rootfs');
    assert.equal(readFileSync(join(rootfs, 'etc/hostname'), 'utf8'), `${name}\n`);
    assert.match(readFileSync(join(rootfs, 'etc/machine-id'), 'utf8'), /^[0-9a-f]{32}\n$/);
    assert.match(readFileSync(join(e.lxcpath, name, 'config'), 'utf8'), /^lxc\.signal\.halt = SIGRTMIN\+3$/m);
    maskAptTimers(rootfs);
    // a second create of the same release is a copy of the cached tree: seconds
    const again = Date.now();
    const r2 = e.corral(['create', '-n', `${name}-b`, '-t', 'debian'], { timeoutMs: 60_000 });
    assert.equal(r2.code, 0, r2.stderr);
    const second = Date.now() - again;
    t.diagnostic(`a second create took ${second} ms`);
    assert.equal(e.corral(['destroy', '-n', `${name}-b`]).code, 0);
    assert.ok(second < 30_000, `a cached create took ${second} ms`);
  });

  systemdBootChecks(s);
});
