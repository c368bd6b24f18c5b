// bin/corral run the way users run it (its shebang, not `node bin/corral`): Node starts
// without NODE_EXTRA_CA_CERTS, and the commands it runs get the variable back unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORRAL } from '../support/cli.js';

const isRoot = process.getuid?.() === 0;

function shell(env: NodeJS.ProcessEnv): string {
  const r = spawnSync(CORRAL, ['unshare', '-s', 'UTSNAME', '--', 'sh', '-c', 'echo "${NODE_EXTRA_CA_CERTS-unset}|${CORRAL_EXTRA_CA_CERTS-unset}"'], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('the shebang entry runs, and children see NODE_EXTRA_CA_CERTS as the user set it', { skip: !isRoot && 'needs root (unshare)' }, () => {
  const base = { ...process.env };
  delete base.NODE_EXTRA_CA_CERTS;
  assert.equal(shell(base), 'unset|unset');
  assert.equal(shell({ ...base, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' }), '/etc/ssl/certs/ca-certificates.crt|unset');
});

test('the shebang entry: --version without root', () => {
  const r = spawnSync(CORRAL, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^corral version \d+\.\d+\.\d+/);
});

test('every lxc-* name answers --version with the bare version, as LXC does; a command after -- keeps its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-names-'));
  try {
    for (const tool of ['ls', 'start', 'attach']) {
      symlinkSync(CORRAL, join(dir, `lxc-${tool}`));
      const r = spawnSync(join(dir, `lxc-${tool}`), ['--version'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    }
    const r = spawnSync(join(dir, 'lxc-attach'), ['-n', 'no-such-container', '--', 'x', '--version'], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no-such-container/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
