// bin/corral run the way users run it (its shebang, not `node bin/corral`): Node starts
// without NODE_EXTRA_CA_CERTS, and the commands it runs get the variable back unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
