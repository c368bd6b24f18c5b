// The debian template's pure parts: defaults from the host (release, mirror), argument
// parsing, the cache key, the config lines; and container_ttys as systemd reads it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerTtys } from '../../src/core/config/launch.js';
import { isNetworkFailure } from '../../src/core/templates/debian-cache.js';
import { cacheKey, debianConfig, hostMirror, hostRelease, includePackages, parseDebianArgs } from '../../src/core/templates/debian-options.js';
import { CorralError } from '../../src/util/errors.js';

const HOST = { release: 'bookworm', mirror: 'http://mirror.example/debian', arch: 'amd64' };

describe('debian template options', () => {
  test('the host release comes from VERSION_CODENAME of a Debian host only', () => {
    assert.equal(hostRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n'), 'bookworm');
    assert.equal(hostRelease('ID=ubuntu\nVERSION_CODENAME=noble\n'), undefined);
    assert.equal(hostRelease(''), undefined);
  });

  test('the mirror is the host apt source serving the release (deb822 and one-line)', () => {
    const deb822 = [
      'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n',
      'Types: deb\n# a comment\nURIs: http://deb.debian.org/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n',
    ].join('\n');
    assert.equal(hostMirror([deb822], 'bookworm'), 'http://deb.debian.org/debian');
    const oneLine = 'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\ndeb [arch=amd64] http://ftp.fr.debian.org/debian bookworm main\n';
    assert.equal(hostMirror([oneLine], 'bookworm'), 'http://ftp.fr.debian.org/debian');
    assert.equal(hostMirror(['deb-src http://x/debian bookworm main\n'], 'bookworm'), undefined);
    assert.equal(hostMirror([], undefined), undefined);
  });

  test('defaults, then every option in both spellings', () => {
    const d = parseDebianArgs([], HOST);
    assert.deepEqual(d, { release: 'bookworm', arch: 'amd64', variant: 'minbase', mirror: 'http://mirror.example/debian', packages: [], flushCache: false });
    const o = parseDebianArgs(['--release', 'trixie', '--variant=buildd', '--mirror', 'http://m/debian/', '--packages', 'openssh-server, less', '--flush-cache', '-a', 'arm64'], HOST);
    assert.deepEqual(o, { release: 'trixie', arch: 'arm64', variant: 'buildd', mirror: 'http://m/debian', packages: ['openssh-server', 'less'], flushCache: true });
    assert.equal(parseDebianArgs([], { arch: 'amd64' }).release, 'bookworm');
    assert.equal(parseDebianArgs([], { arch: 'amd64' }).mirror, 'http://deb.debian.org/debian');
  });

  test('bad input is refused before anything is done', () => {
    for (const args of [['--release'], ['--release', '../x'], ['--variant', 'huge'], ['--mirror', 'ftp://x'], ['--packages', 'a;rm'], ['--bogus']]) {
      assert.throws(() => parseDebianArgs(args, HOST), (e: unknown) => e instanceof CorralError && e.code === 'INVALID_ARGUMENT', args.join(' '));
    }
  });

  test('the cache key names release, arch and variant, plus a digest of extra packages', () => {
    assert.equal(cacheKey(parseDebianArgs([], HOST)), 'bookworm-amd64-minbase');
    const a = cacheKey(parseDebianArgs(['--packages', 'less,openssh-server'], HOST));
    const b = cacheKey(parseDebianArgs(['--packages', 'openssh-server', '--packages', 'less'], HOST));
    assert.match(a, /^bookworm-amd64-minbase-[0-9a-f]{12}$/);
    assert.equal(a, b);
    assert.deepEqual(includePackages(parseDebianArgs(['--packages', 'procps,less'], HOST)), ['iproute2', 'less', 'procps', 'systemd-sysv']);
  });

  test('config lines: systemd halt signal, ttys, cgroup/proc/sys mounts', () => {
    const c = debianConfig('d1', 4);
    assert.ok(c.includes('lxc.uts.name = d1'));
    assert.ok(c.includes('lxc.signal.halt = SIGRTMIN+3'));
    assert.ok(c.includes('lxc.tty.max = 4'));
    assert.ok(c.includes('lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed'));
  });

  test('network failures of debootstrap are told apart', () => {
    assert.ok(isNetworkFailure('E: Failed getting release file http://x/debian/dists/bookworm/Release'));
    assert.ok(!isNetworkFailure('E: Couldn\u2019t find these debs: foo'));
  });
});

describe('container_ttys', () => {
  test('names the ttys in the container devpts, after the console', () => {
    assert.equal(containerTtys(4, true), 'pts/1 pts/2 pts/3 pts/4');
    assert.equal(containerTtys(2, false), 'pts/0 pts/1');
    assert.equal(containerTtys(0, true), '');
  });
});
