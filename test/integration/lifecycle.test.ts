// The OCI lifecycle through the CLI: transitions, their errors, and nothing left behind.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeBundle, type TestBundle } from '../support/bundle.js';
import { hasBusybox, tempDir } from '../support/busybox.js';
import { corral, isRoot } from '../support/cli.js';
import { leftovers } from '../support/leftovers.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;

describe('oci lifecycle', { skip }, () => {
  const root = skip ? '' : tempDir('root');
  const bundles: TestBundle[] = [];
  const ids: string[] = [];
  const oci = (...args: string[]) => corral(['oci', '--root', root, ...args]);
  const uid = (name: string) => {
    const id = `lc-${name}-${process.pid}`;
    ids.push(id);
    return id;
  };
  const bundle = (args: string[]) => {
    const b = makeBundle(args);
    bundles.push(b);
    return b;
  };

  after(() => {
    for (const id of ids) oci('delete', '--force', id);
    for (const b of bundles) rmSync(b.dir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test('create, start, state, kill, delete: each transition and nothing left behind', () => {
    const b = bundle(['sleep', '1000']);
    const id = uid('basic');
    assert.equal(oci('create', '--bundle', b.dir, '--pid-file', join(b.dir, 'pid'), id).code, 0);
    const created = JSON.parse(oci('state', id).stdout);
    assert.equal(created.status, 'created');
    assert.equal(created.id, id);
    assert.equal(created.bundle, b.dir);
    assert.ok(created.pid > 0);
    assert.equal(oci('start', id).code, 0);
    assert.equal(JSON.parse(oci('state', id).stdout).status, 'running');
    const again = oci('start', id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /cannot start container .* it is running, not created/);
    const del = oci('delete', id);
    assert.equal(del.code, 1);
    assert.match(del.stderr, /it is running/);
    assert.match(del.stderr, /hint: .*--force/);
    assert.equal(oci('kill', id, 'KILL').code, 0);
    waitFor(() => JSON.parse(oci('state', id).stdout).status === 'stopped');
    assert.equal(JSON.parse(oci('state', id).stdout).pid, 0);
    assert.equal(oci('delete', id).code, 0);
    assert.deepEqual(leftovers(root, id, b.dir), []);
    const gone = oci('state', id);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /does not exist/);
  });

  test('run in the foreground returns the exit status and deletes the container', () => {
    const b = bundle(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    const id = uid('fg');
    const r = oci('run', '--bundle', b.dir, id);
    assert.equal(r.code, 7);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /err/);
    assert.deepEqual(leftovers(root, id, b.dir), []);
  });

  test('exec, ps, pause and resume on a running container', () => {
    const b = bundle(['sleep', '1000']);
    const id = uid('exec');
    assert.equal(oci('run', '-d', '--bundle', b.dir, id).code, 0);
    const ex = oci('exec', id, '--', 'sh', '-c', 'echo $$; cat /proc/1/cmdline | tr "\\0" " "; exit 3');
    assert.equal(ex.code, 3);
    assert.match(ex.stdout, /sleep 1000/);
    const env = oci('exec', '-e', 'FOO=bar', '--cwd', '/tmp', '--user', '65534:65534', id, 'sh', '-c', 'echo $FOO $(pwd) $(id -u):$(id -g)');
    assert.equal(env.stdout.trim(), 'bar /tmp 65534:65534');
    const pids = JSON.parse(oci('ps', '--format', 'json', id).stdout) as number[];
    assert.equal(pids.length, 1);
    assert.match(oci('ps', id).stdout, /sleep 1000/);
    assert.equal(oci('update', '--memory', '64M', '--pids-limit', '30', id).code, 0);
    const v1 = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
    const files = v1 ? ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max'] : ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/pids.max'];
    assert.equal(oci('exec', id, 'cat', ...files).stdout, `${64 * 1024 * 1024}\n30\n`);
    assert.match(oci('update', '--memory', 'lots', id).stderr, /is not a size/);
    assert.equal(oci('pause', id).code, 0);
    assert.equal(JSON.parse(oci('state', id).stdout).status, 'paused');
    assert.match(oci('exec', id, 'true').stderr, /it is paused/);
    assert.equal(oci('resume', id).code, 0);
    assert.equal(JSON.parse(oci('state', id).stdout).status, 'running');
    assert.match(oci('resume', id).stderr, /not paused/);
    const list = JSON.parse(oci('list', '--format', 'json').stdout) as { id: string; status: string }[];
    assert.equal(list.find((s) => s.id === id)?.status, 'running');
    assert.equal(oci('delete', '--force', id).code, 0);
    assert.deepEqual(leftovers(root, id, b.dir), []);
  });

  test('kill --all signals every process; delete of a created container kills it', () => {
    const b = bundle(['sh', '-c', 'sleep 1000 & sleep 1000']);
    const id = uid('all');
    assert.equal(oci('run', '-d', '--bundle', b.dir, id).code, 0);
    // busybox sh execs its last command: the sh itself becomes the second sleep
    waitFor(() => (JSON.parse(oci('ps', '--format', 'json', id).stdout) as number[]).length === 2);
    assert.equal(oci('kill', '--all', id, 'KILL').code, 0);
    waitFor(() => JSON.parse(oci('state', id).stdout).status === 'stopped');
    assert.equal(oci('delete', id).code, 0);
    const c = bundle(['true']);
    const id2 = uid('created');
    assert.equal(oci('create', '--bundle', c.dir, id2).code, 0);
    assert.equal(oci('delete', id2).code, 0);
    assert.deepEqual(leftovers(root, id2, c.dir), []);
  });

  test('--log with --log-format json records errors as runc does (what containerd reads)', () => {
    const log = join(root, 'log.json');
    const r = corral(['oci', '--root', root, '--log', log, '--log-format', 'json', 'start', 'nope']);
    assert.equal(r.code, 1);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
    assert.equal(lines.at(-1)?.level, 'error');
    assert.match(lines.at(-1)?.msg ?? '', /container "nope" does not exist/);
    assert.ok(!Number.isNaN(Date.parse(lines.at(-1)?.time ?? '')));
    const usage = corral(['oci', '--root', root, 'create']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing argument <id>/);
  });

  test('errors: unknown id, duplicate id, bad signal, exec into a stopped container', () => {
    assert.match(oci('start', 'nope').stderr, /container "nope" does not exist/);
    assert.equal(oci('kill', 'nope').code, 1);
    assert.equal(oci('delete', '--force', 'nope').code, 0);
    const b = bundle(['sleep', '1000']);
    const id = uid('dup');
    assert.equal(oci('create', '--bundle', b.dir, id).code, 0);
    const dup = oci('create', '--bundle', b.dir, id);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    assert.match(oci('kill', id, 'SIGNOPE').stderr, /unknown signal "SIGNOPE"/);
    assert.equal(oci('kill', id, '9').code, 0);
    waitFor(() => JSON.parse(oci('state', id).stdout).status === 'stopped');
    assert.match(oci('exec', id, 'true').stderr, /it is stopped/);
    assert.match(oci('create', '--bundle', b.dir, 'bad/id').stderr, /invalid container id/);
  });
});

function waitFor(cond: () => boolean, ms = 5000): void {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}
