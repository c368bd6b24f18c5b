// --preserve-fds (create, run, exec): the caller's fds 3..3+N-1 reach the container process
// as 3.., under runc and under Corral alike; nothing else of the caller's does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeBundle, type TestBundle } from '../support/bundle.js';
import { hasBusybox, tempDir } from '../support/busybox.js';
import { CORRAL, isRoot, type Result } from '../support/cli.js';
import { hasRunc } from '../support/differential.js';
import { leftovers } from '../support/leftovers.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : !hasRunc() ? 'needs runc' : false;

type Runtime = 'runc' | 'corral';
const RUNTIMES: Runtime[] = ['runc', 'corral'];

describe('--preserve-fds', { skip }, () => {
  const dir = skip ? '' : tempDir('pfds');
  const roots: Record<Runtime, string> = { runc: join(dir, 'runc-root'), corral: join(dir, 'corral-root') };
  const bundles: TestBundle[] = [];
  const ids: [Runtime, string][] = [];

  const rt = (runtime: Runtime, args: string[], extraFds: number[] = []): Result => {
    const out = openSync(join(dir, 'out'), 'w+');
    const err = openSync(join(dir, 'err'), 'w+');
    try {
      const [cmd, pre] = runtime === 'runc' ? ['runc', []] : [process.execPath, [CORRAL, 'oci']];
      const env = { ...process.env };
      delete env.NODE_EXTRA_CA_CERTS;
      const r = spawnSync(cmd, [...pre, '--root', roots[runtime], ...args], { stdio: ['ignore', out, err, ...extraFds], timeout: 30_000, env });
      return { code: r.status ?? 128, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  };
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const withFds = <T>(paths: string[], flags: string, fn: (fds: number[]) => T): T => {
    const fds = paths.map((p) => openSync(p, flags));
    try {
      return fn(fds);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  };
  const bundle = (args: string[], adjust?: Parameters<typeof makeBundle>[1]): TestBundle => {
    const b = makeBundle(args, adjust);
    bundles.push(b);
    return b;
  };
  const id = (runtime: Runtime, what: string): string => {
    const i = `pfds-${what}-${process.pid}-${runtime}`;
    ids.push([runtime, i]);
    return i;
  };

  after(() => {
    for (const [runtime, i] of ids) rt(runtime, ['delete', '--force', i]);
    for (const b of bundles) rmSync(b.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  // the fds the process holds (its own directory fd for ls left out), then the contents
  const SHOW = 'ls /proc/self/fd | sort -n | tr "\\n" " "; echo; cat <&3; cat <&4';

  test('run --preserve-fds 2: fds 3 and 4, and no other', () => {
    const a = file('a', 'first\n');
    const b = file('b', 'second\n');
    const bun = bundle(['sh', '-c', SHOW]);
    const results = RUNTIMES.map((r) =>
      withFds([a, b, a], 'r', (fds) => rt(r, ['run', '--bundle', bun.dir, '--preserve-fds', '2', id(r, 'run')], fds)),
    );
    for (const [i, r] of results.entries()) assert.equal(r.code, 0, `${RUNTIMES[i]}: ${r.stderr}`);
    assert.equal(results[0]!.stdout, '0 1 2 3 4 5 \nfirst\nsecond\n');
    assert.equal(results[1]!.stdout, results[0]!.stdout);
  });

  test('create --preserve-fds 1, start: fd 3 is still there when the process runs', () => {
    for (const r of RUNTIMES) {
      const out = file(`created-${r}`, '');
      const bun = bundle(['sh', '-c', 'echo written through fd 3 >&3']);
      const c = id(r, 'create');
      assert.equal(withFds([out], 'w', (fds) => rt(r, ['create', '--bundle', bun.dir, '--preserve-fds', '1', c], fds)).code, 0);
      assert.equal(rt(r, ['start', c]).code, 0);
      const deadline = Date.now() + 10_000;
      while (JSON.parse(rt(r, ['state', c]).stdout || '{}').status !== 'stopped' && Date.now() < deadline) spawnSync('sleep', ['0.05']);
      assert.equal(readFileSync(out, 'utf8'), 'written through fd 3\n', r);
      assert.equal(rt(r, ['delete', c]).code, 0);
      assert.deepEqual(leftovers(roots[r], c, bun.dir), []);
    }
  });

  test('exec --preserve-fds 2, and a seccomp filter refusing dup2/dup3/fcntl does not stop them', () => {
    const a = file('ea', 'exec first\n');
    const b = file('eb', 'exec second\n');
    const bun = bundle(['sleep', '1000'], (spec) => {
      spec.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [{ names: ['dup2', 'dup3', 'fcntl'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      };
    });
    const outputs = RUNTIMES.map((r) => {
      const c = id(r, 'exec');
      assert.equal(rt(r, ['run', '--detach', '--bundle', bun.dir, c]).code, 0);
      const res = withFds([a, b], 'r', (fds) => rt(r, ['exec', '--preserve-fds', '2', c, 'sh', '-c', 'cat /proc/self/fd/3 /proc/self/fd/4; ls /proc/self/fd'], fds));
      assert.equal(res.code, 0, `${r}: ${res.stderr}`);
      assert.equal(rt(r, ['delete', '--force', c]).code, 0);
      return res.stdout;
    });
    assert.equal(outputs[0], 'exec first\nexec second\n0\n1\n2\n3\n4\n5\n');
    assert.equal(outputs[1], outputs[0]);
  });

  test('more fds than the caller passed: refused, nothing created', () => {
    const bun = bundle(['true']);
    for (const r of RUNTIMES) {
      const c = id(r, 'missing');
      const res = withFds([file('only', 'x')], 'r', (fds) => rt(r, ['run', '--bundle', bun.dir, '--preserve-fds', '200', c], fds));
      assert.notEqual(res.code, 0, r);
      assert.deepEqual(leftovers(roots[r], c, bun.dir), [], r);
    }
    const res = rt('corral', ['run', '--bundle', bun.dir, '--preserve-fds', '200', id('corral', 'msg')]);
    assert.match(res.stderr, /--preserve-fds 200: fd \d+ was not passed to the runtime/);
    assert.match(rt('corral', ['run', '--bundle', bun.dir, '--preserve-fds', 'x', id('corral', 'bad')]).stderr, /--preserve-fds "x" is not a number/);
  });
});
