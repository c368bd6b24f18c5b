// The per-container lock under contention from several processes: never two holders, no
// error but "busy", stale locks taken over, and nothing left once all are released.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lockContainer } from '../../src/core/lock.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'lock-worker.js');

interface Counts {
  held: number;
  busy: number;
  overlaps: number;
  abandoned: number;
  errors: string[];
}

function worker(args: string[]): Promise<Counts> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WORKER, ...args], { timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as Counts)));
  });
}

async function contend(names: (i: number) => string, abandonEvery: number): Promise<{ base: string; runRoot: string; all: Counts[] }> {
  const base = mkdtempSync(join(tmpdir(), 'corral-lock-'));
  const runRoot = join(base, 'run');
  const all = await Promise.all([0, 1, 2, 3].map((i) => worker([runRoot, names(i), '150', String(abandonEvery)])));
  return { base, runRoot, all };
}

test('one name, four processes: one holder at a time, only "busy" errors', async () => {
  const { base, runRoot, all } = await contend(() => 'c1', 0);
  try {
    assert.deepEqual(all.flatMap((c) => c.errors), []);
    assert.equal(all.reduce((n, c) => n + c.overlaps, 0), 0, 'two holders at once');
    assert.ok(all.reduce((n, c) => n + c.held, 0) > 100, JSON.stringify(all));
    assert.ok(!existsSync(runRoot), `left: ${existsSync(runRoot) ? readdirSync(runRoot).join(' ') : ''}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('stale locks (dead owners) are taken over, still one holder at a time', async () => {
  const { base, runRoot, all } = await contend(() => 'c2', 7);
  try {
    assert.deepEqual(all.flatMap((c) => c.errors), []);
    assert.equal(all.reduce((n, c) => n + c.overlaps, 0), 0, 'two holders at once');
    assert.ok(all.reduce((n, c) => n + c.abandoned, 0) > 10, JSON.stringify(all));
    // the last one may have been abandoned: the next command takes it over
    lockContainer(runRoot, 'c2', 'final').release();
    assert.ok(!existsSync(runRoot), `left: ${existsSync(runRoot) ? readdirSync(runRoot).join(' ') : ''}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('different names at once: the shared runtime root may vanish under a command, which copes', async () => {
  const { base, runRoot, all } = await contend((i) => `d${i}`, 0);
  try {
    assert.deepEqual(all.flatMap((c) => c.errors), []);
    assert.equal(all.reduce((n, c) => n + c.held, 0), 600);
    assert.ok(!existsSync(runRoot));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a lock is not a state directory: a container may be called "<other>.lock"', () => {
  const base = mkdtempSync(join(tmpdir(), 'corral-lock-'));
  try {
    const a = lockContainer(join(base, 'run'), 'web', 'start');
    const b = lockContainer(join(base, 'run'), 'web.lock', 'start');
    assert.deepEqual(readdirSync(join(base, 'run')).sort(), ['.web.lock', '.web.lock.lock']);
    a.release();
    b.release();
    assert.ok(!existsSync(join(base, 'run')));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
