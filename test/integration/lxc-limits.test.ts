// Limits from lxc.cgroup.* are enforced for real; concurrent commands on one container
// leave one winner and a clear error for the other.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasBusybox } from '../support/busybox.js';
import { isRoot, type Result } from '../support/cli.js';
import { cgroupDirsOf } from '../support/leftovers.js';
import { lxcEnv } from '../support/lxc.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;
const V1 = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');

function runAsync(bin: string, tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(join(bin, tool), args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout: '', stderr }));
  });
}

describe('lxc.cgroup limits and concurrent commands', { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('limits');
  const name = `lim-${process.pid}`;
  after(() => {
    lxc.run('lxc-stop', ['-n', name, '-k']);
    lxc.run('lxc-destroy', ['-n', name, '-f']);
    lxc.cleanup();
  });

  test('a memory hog is killed at the limit and a fork bomb stops at pids.max', () => {
    const conf = join(lxc.lxcpath, '..', 'limits.conf');
    writeFileSync(conf, V1 ? 'lxc.cgroup.memory.limit_in_bytes = 48M\nlxc.cgroup.pids.max = 20\n' : 'lxc.cgroup2.memory.max = 48M\nlxc.cgroup2.pids.max = 20\n');
    assert.equal(lxc.run('lxc-create', ['-n', name, '-t', 'busybox', '-f', conf]).code, 0);
    const started = lxc.run('lxc-start', ['-n', name]);
    assert.equal(started.code, 0, started.stderr);
    const limitKey = V1 ? 'memory.limit_in_bytes' : 'memory.max';
    assert.equal(lxc.run('lxc-cgroup', ['-n', name, limitKey]).stdout.trim(), String(48 * 1024 * 1024));
    // awk grows a string until the kernel's OOM killer stops it inside the container's cgroup
    const hog = lxc.run('lxc-attach', ['-n', name, '--', 'awk', 'BEGIN { s = "x"; while (1) s = s s }'], { timeoutMs: 60_000 });
    assert.equal(hog.code, 137, `killed by SIGKILL: ${hog.stderr}`);
    const bomb = lxc.run('lxc-attach', ['-n', name, '--', 'sh', '-c', 'i=0; while [ $i -lt 60 ]; do sleep 30 & i=$((i+1)); done 2>/dev/null; cat /sys/fs/cgroup/pids/pids.current 2>/dev/null || cat /sys/fs/cgroup/pids.current'], { timeoutMs: 60_000 });
    assert.ok(Number(bomb.stdout.trim()) <= 20, `pids.current ${bomb.stdout}`);
    const current = Number(lxc.run('lxc-cgroup', ['-n', name, 'pids.current']).stdout.trim());
    assert.ok(current > 10 && current <= 20, `the bomb filled the container up to its limit: ${current}`);
    assert.equal(lxc.run('lxc-cgroup', ['-n', name, 'pids.max', '30']).code, 0);
    assert.equal(lxc.run('lxc-cgroup', ['-n', name, 'pids.max']).stdout.trim(), '30');
    assert.equal(lxc.run('lxc-stop', ['-n', name, '-k']).code, 0);
    assert.deepEqual(cgroupDirsOf(name), []);
  });

  test('two starts at once: one wins, the other is told why', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CORRAL_LXCPATH: lxc.lxcpath };
    const [a, b] = await Promise.all([runAsync(lxc.bin, 'lxc-start', ['-n', name], env), runAsync(lxc.bin, 'lxc-start', ['-n', name], env)]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 1], `${a.stderr} / ${b.stderr}`);
    assert.match(a.code === 1 ? a.stderr : b.stderr, /busy|already running/);
    assert.equal(lxc.run('lxc-info', ['-n', name, '-s']).stdout.trim().split(/\s+/)[1], 'RUNNING');
    assert.equal(lxc.run('lxc-stop', ['-n', name, '-k']).code, 0);
  });

  test('kill -9 of the CLI at any point of start: the next start works, stop cleans up', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CORRAL_LXCPATH: lxc.lxcpath };
    for (const delay of [0, 40, 80, 120, 160, 220, 300]) {
      const child = spawn(join(lxc.bin, 'lxc-start'), ['-n', name], { env, stdio: 'ignore' });
      const closed = new Promise((r) => child.on('close', r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await closed;
      const again = lxc.run('lxc-start', ['-n', name]);
      assert.ok(again.code === 0 || /already running/.test(again.stderr), `after a kill at ${delay} ms: ${again.stderr}`);
      assert.equal(lxc.run('lxc-wait', ['-n', name, '-s', 'RUNNING', '-t', '10']).code, 0, `running after a kill at ${delay} ms`);
      assert.equal(lxc.run('lxc-stop', ['-n', name, '-k']).code, 0);
      assert.deepEqual(cgroupDirsOf(name), [], `no cgroup left after a kill at ${delay} ms`);
    }
  });

  test('destroy during start: one wins and nothing is left half-made', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CORRAL_LXCPATH: lxc.lxcpath };
    const [s, d] = await Promise.all([runAsync(lxc.bin, 'lxc-start', ['-n', name], env), runAsync(lxc.bin, 'lxc-destroy', ['-n', name], env)]);
    if (d.code === 0) {
      // destroy won: the start either failed cleanly or never found the container
      assert.equal(s.code, 1, s.stderr);
      assert.ok(!existsSync(join(lxc.lxcpath, name)));
    } else {
      assert.equal(s.code, 0, s.stderr);
      assert.match(d.stderr, /busy|is running/);
      assert.equal(lxc.run('lxc-stop', ['-n', name, '-k']).code, 0);
      assert.equal(lxc.run('lxc-destroy', ['-n', name]).code, 0);
    }
    assert.deepEqual(cgroupDirsOf(name), []);
  });
});
