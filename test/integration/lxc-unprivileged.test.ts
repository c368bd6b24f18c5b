// Unprivileged system containers started by root: lxc.idmap puts the container in a user
// namespace where host root is not mapped. A template's rootfs (owned by host root) is mounted
// idmapped (nothing changes on disk), or shifted once on disk where idmapped mounts are not
// available (forced here with CORRAL_NO_IDMAPPED_MOUNTS=1). Unsafe maps are refused.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasBusybox } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { lxcEnv } from '../support/lxc.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;
const MAP = ['lxc.idmap = u 0 100000 65536', 'lxc.idmap = g 0 100000 65536'];

describe('unprivileged system containers (lxc.idmap, started by root)', { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('unpriv');
  // the container's root (host uid 100000) reaches its rootfs by path, as with LXC
  if (!skip) chmodSync(dirname(lxc.lxcpath), 0o711);
  const names: string[] = [];
  after(() => {
    for (const n of names) {
      lxc.run('lxc-stop', ['-n', n, '-k']);
      lxc.run('lxc-destroy', ['-n', n, '-f']);
    }
    lxc.cleanup();
  });

  function make(suffix: string, extra: string[]): string {
    const name = `un-${suffix}-${process.pid}`;
    names.push(name);
    assert.equal(lxc.run('lxc-create', ['-n', name, '-t', 'busybox']).code, 0);
    const config = join(lxc.lxcpath, name, 'config');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n${extra.join('\n')}\n`);
    return name;
  }

  test('idmapped rootfs: root inside is 100000 outside, the rootfs keeps its owners on disk; ls --fancy says so', () => {
    const name = make('idm', MAP);
    const rootfs = join(lxc.lxcpath, name, 'rootfs');
    const start = lxc.run('lxc-start', ['-n', name]);
    assert.equal(start.code, 0, start.stderr);
    const r = lxc.run('lxc-attach', ['-n', name, '--', 'sh', '-c', 'id -u; cat /proc/self/uid_map; stat -c "%u %g" /etc/passwd; touch /root/made-inside']);
    assert.equal(r.code, 0, r.stderr);
    const [uid, map, owner] = r.stdout.trim().split('\n');
    assert.equal(uid, '0');
    assert.deepEqual(map!.trim().split(/\s+/), ['0', '100000', '65536']);
    assert.equal(owner, '0 0', 'the rootfs belongs to the container root inside');
    // on disk, through the idmapped mount: still host root's; no shift record
    assert.equal(lstatSync(join(rootfs, 'root/made-inside')).uid, 0);
    assert.equal(lstatSync(join(rootfs, 'etc/passwd')).uid, 0);
    assert.ok(!existsSync(join(lxc.lxcpath, name, 'rootfs.idmap')));
    // the container's processes are 100000 on the host
    const pid = Number(/PID:\s+(\d+)/.exec(lxc.run('lxc-info', ['-n', name]).stdout)?.[1]);
    assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+100000\s/m);
    assert.match(lxc.run('lxc-ls', ['--fancy']).stdout, new RegExp(`^${name}\\s+RUNNING.*\\strue\\s*$`, 'm'));
    assert.equal(lxc.run('lxc-stop', ['-n', name, '-k']).code, 0);
  });

  test('lxc-execute in a user namespace', () => {
    const name = make('exe', MAP);
    const r = lxc.run('lxc-execute', ['-n', name, '--', 'sh', '-c', 'cat /proc/self/uid_map; touch /tmp/x && echo wrote']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\s*0\s+100000\s+65536$/m);
    assert.match(r.stdout, /wrote/);
  });

  test('without idmapped mounts: the rootfs is shifted once on disk, and said so', () => {
    const name = make('shift', ['lxc.idmap = u 0 200000 65536', 'lxc.idmap = g 0 200000 65536']);
    const rootfs = join(lxc.lxcpath, name, 'rootfs');
    const start = lxc.run('lxc-start', ['-n', name], { env: { CORRAL_NO_IDMAPPED_MOUNTS: '1' } });
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stderr, /no idmapped mount \(CORRAL_NO_IDMAPPED_MOUNTS=1\): shifted the owners of \d+ files/);
    assert.equal(lstatSync(join(rootfs, 'etc/passwd')).uid, 200000);
    assert.equal(readFileSync(join(lxc.lxcpath, name, 'rootfs.idmap'), 'utf8'), 'u 0 200000 65536\ng 0 200000 65536\n');
    const r = lxc.run('lxc-attach', ['-n', name, '--', 'stat', '-c', '%u', '/etc/passwd']);
    assert.equal(r.stdout.trim(), '0');
    assert.equal(lxc.run('lxc-stop', ['-n', name, '-k']).code, 0);
    // a second start neither shifts again nor needs an idmapped mount
    const again = lxc.run('lxc-start', ['-n', name]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /shifted/);
    assert.equal(lstatSync(join(rootfs, 'etc/passwd')).uid, 200000);
  });

  test('unsafe maps are refused before anything is made: host root mapped, overlaps', () => {
    const root = make('root', ['lxc.idmap = u 0 0 65536', 'lxc.idmap = g 0 100000 65536']);
    const r = lxc.run('lxc-start', ['-n', root]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /lxc\.idmap: host uid 0 is mapped into the container/);
    const over = make('over', [...MAP, 'lxc.idmap = u 70000 150000 10']);
    const o = lxc.run('lxc-start', ['-n', over]);
    assert.notEqual(o.code, 0);
    assert.match(o.stderr, /host uids 150000-150009 overlap/);
  });
});
