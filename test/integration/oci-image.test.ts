// A container from an OCI image (an oci-archive built here from busybox: a gzip layer and a
// zstd layer with a whiteout) running its single process: Entrypoint + Cmd as PID 1 with the
// image's Env, WorkingDir and User; attach sees it; stop, destroy, nothing left behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasBusybox, makeBusyboxRootfs, tempDir } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { cgroupDirsOf } from '../support/leftovers.js';
import { lxcEnv } from '../support/lxc.js';
import { buildLayout } from '../support/oci-layout.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a container from an OCI image', { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('oci');
  const work = skip ? '' : tempDir('oci-image');
  const name = `oci-${process.pid}`;
  after(() => {
    lxc.run('lxc-stop', ['-n', name, '-k']);
    lxc.run('lxc-destroy', ['-n', name, '-f']);
    lxc.cleanup();
    execFileSync('rm', ['-rf', work]);
    assert.deepEqual(cgroupDirsOf(name), []);
  });

  test('create from an oci-archive, start: the image command is PID 1 with its env, cwd and user', async () => {
    const base = makeBusyboxRootfs(join(work, 'l1'));
    writeFileSync(join(base, 'etc/app.conf'), 'old\n');
    const upper = join(work, 'l2');
    mkdirSync(join(upper, 'etc'), { recursive: true });
    mkdirSync(join(upper, 'srv'), { recursive: true });
    writeFileSync(join(upper, 'etc/.wh.app.conf'), '');
    chownSync(join(upper, 'srv'), 65534, 65534);
    execFileSync('tar', ['-czf', join(work, 'l1.tgz'), '--numeric-owner', '-C', base, '.']);
    execFileSync('tar', ['--zstd', '-cf', join(work, 'l2.tar.zst'), '--numeric-owner', '-C', upper, '.']);
    const layout = buildLayout(join(work, 'layout'), [
      { file: join(work, 'l1.tgz'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
      { file: join(work, 'l2.tar.zst'), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' },
    ], {
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['echo "$GREETING|$(id -u)|$(pwd)" > /srv/out; exec sleep 1000'],
      Env: ['PATH=/bin:/usr/bin', 'GREETING=hello oci'],
      WorkingDir: '/srv',
      User: 'nobody',
    }, 'v1');
    const archive = join(work, 'image.tar');
    execFileSync('tar', ['-cf', archive, '-C', layout, '.']);

    const c = lxc.run('lxc-create', ['-n', name, '-t', 'oci', '--', '--url', `oci-archive:${archive}:v1`]);
    assert.equal(c.code, 0, c.stderr);
    const rootfs = join(lxc.lxcpath, name, 'rootfs');
    assert.ok(!existsSync(join(rootfs, 'etc/app.conf')), 'the whiteout removed the lower file');
    const s = lxc.run('lxc-start', ['-n', name]);
    assert.equal(s.code, 0, s.stderr);
    const out = join(rootfs, 'srv/out');
    for (let i = 0; i < 50 && !existsSync(out); i++) await sleep(100);
    assert.equal(readFileSync(out, 'utf8'), 'hello oci|65534|/srv\n');
    const ps = lxc.run('lxc-attach', ['-n', name, '--', '/bin/ps', '-o', 'pid,comm']);
    assert.match(ps.stdout, /^\s*1\s+sleep$/m);
  });

  test('stop and destroy leave nothing', () => {
    assert.equal(lxc.run('lxc-stop', ['-n', name, '-k']).code, 0);
    assert.equal(lxc.run('lxc-destroy', ['-n', name]).code, 0);
    assert.ok(!existsSync(join(lxc.lxcpath, name)));
  });
});
