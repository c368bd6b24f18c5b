// The per-container lock under contention from several processes: never two holders, no
// error but "busy", stale locks taken over, and nothing left once all are released.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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
  const all = await Promise.all([0, 1, 2, 3].map((i) => worker([runRoot, names(i), '100', String(abandonEvery)])));
  return { base, runRoot, all };
}

test('one name, four processes: one holder at a time, only "busy" errors', async () => {
  const { base, runRoot, all } = await contend(() => 'c1', 0);
  try {
    assert.deepEqual(all.flatMap((c) => c.errors), []);
    assert.equal(all.reduce((n, c) => n + c.overlaps, 0), 0, 'two holders at once');
    assert.ok(all.reduce((n, c) => n + c.held, 0) > 40, JSON.stringify(all));
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
    assert.equal(all.reduce((n, c) => n + c.held, 0), 400);
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

test('IPAM under the same lock: four processes taking leases at once get distinct addresses, all recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-leases-'));
  try {
    const leaseWorker = join(dirname(WORKER), 'lease-worker.js');
    const run = (w: number) =>
      new Promise<string[]>((resolve, reject) => {
        execFile(process.execPath, [leaseWorker, dir, String(w), '15'], { timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as string[])));
      });
    const all = (await Promise.all([0, 1, 2, 3].map(run))).flat();
    assert.equal(all.length, 60);
    assert.equal(new Set(all).size, 60, `an address handed out twice: ${all.sort().join(' ')}`);
    const file = JSON.parse(readFileSync(join(dir, 'br0', 'leases.json'), 'utf8')) as { leases: { ipv4: string }[] };
    assert.deepEqual(file.leases.map((l) => l.ipv4).sort(), [...all].sort());
    assert.deepEqual(readdirSync(join(dir, 'br0')).sort(), ['leases.json'], 'no lock left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
