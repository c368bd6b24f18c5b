// Two commands at the same time on one container, for every pair that can meet in practice
// (lxc-limits.test.ts has start|start and start|destroy): whatever the interleaving, each
// command ends with 0 or a clear error, `info` then tells the truth (RUNNING iff its init is
// alive in /proc and in the container's cgroup; STOPPED iff no process is left in it), and a
// final `stop -k` + `destroy -f` always works and leaves nothing behind.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ContainerStore } from '../../src/core/store.js';
import { processState } from '../../src/util/proc.js';
import { hasBusybox } from '../support/busybox.js';
import { isRoot, type Result } from '../support/cli.js';
import { cgroupDirsOf, hostMountsUnder } from '../support/leftovers.js';
import { lxcEnv } from '../support/lxc.js';
import { intBelow, mulberry32, seedFor } from '../support/prng.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;
const ROUNDS = 2;
const SEED = seedFor(0x5eed);

type Initial = 'STOPPED' | 'RUNNING' | 'FROZEN';
const COMMANDS: Record<string, (n: string) => [string, string[]]> = {
  start: (n) => ['lxc-start', ['-n', n]],
  stop: (n) => ['lxc-stop', ['-n', n, '-t', '10']],
  'stop -k': (n) => ['lxc-stop', ['-n', n, '-k']],
  destroy: (n) => ['lxc-destroy', ['-n', n]],
  'destroy -f': (n) => ['lxc-destroy', ['-n', n, '-f']],
  freeze: (n) => ['lxc-freeze', ['-n', n]],
  unfreeze: (n) => ['lxc-unfreeze', ['-n', n]],
  attach: (n) => ['lxc-attach', ['-n', n, '--', 'sleep', '3']],
};

const PAIRS: [string, string, Initial][] = [
  ['start', 'stop -k', 'STOPPED'],
  ['start', 'stop', 'STOPPED'],
  ['stop', 'stop', 'RUNNING'],
  ['stop', 'stop -k', 'RUNNING'],
  ['start', 'destroy -f', 'STOPPED'],
  ['stop -k', 'destroy', 'RUNNING'],
  ['stop -k', 'destroy -f', 'RUNNING'],
  ['freeze', 'stop -k', 'RUNNING'],
  ['freeze', 'destroy -f', 'RUNNING'],
  ['unfreeze', 'stop', 'FROZEN'],
  ['attach', 'stop -k', 'RUNNING'],
];

const crashed = (r: Result) => /\n\s+at |TypeError|RangeError|ReferenceError|SyntaxError/.test(r.stderr);

describe('two commands racing on one container', { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('races');
  const runtimeRoot = skip ? '' : new ContainerStore(lxc.lxcpath).runtimeRoot;
  const rand = mulberry32(SEED);
  const made: string[] = [];
  after(() => {
    for (const n of made.filter((m) => existsSync(join(lxc.lxcpath, m)))) {
      lxc.run('lxc-stop', ['-n', n, '-k']);
      lxc.run('lxc-destroy', ['-n', n, '-f']);
    }
    lxc.cleanup();
  });

  const state = (name: string) => (JSON.parse(lxc.run('lxc-info', ['-n', name, '--json']).stdout) as { state: string; pid?: number });

  function bringTo(name: string, initial: Initial): void {
    if (!existsSync(join(lxc.lxcpath, name))) assert.equal(lxc.run('lxc-create', ['-n', name, '-t', 'busybox']).code, 0);
    const now = state(name).state;
    if (now !== 'STOPPED') assert.equal(lxc.run('lxc-stop', ['-n', name, '-k']).code, 0);
    if (initial === 'STOPPED') return;
    const r = lxc.run('lxc-start', ['-n', name]);
    assert.equal(r.code, 0, r.stderr);
    if (initial === 'FROZEN') assert.equal(lxc.run('lxc-freeze', ['-n', name]).code, 0);
  }

  /** The state `info` settles on (STARTING is a moment), checked against the kernel. */
  async function assertTruthful(name: string, what: string): Promise<string> {
    if (!existsSync(join(lxc.lxcpath, name))) {
      // destroyed: nothing of it may remain, the monitor's cleanup included
      await settle(() => cgroupDirsOf(name).length === 0);
      assert.deepEqual(cgroupDirsOf(name), [], `${what}: destroyed, yet its cgroup remains`);
      return 'DESTROYED';
    }
    let s = state(name);
    await settle(() => (s = state(name)).state !== 'STARTING');
    if (s.state === 'RUNNING' || s.state === 'FROZEN') {
      const st = processState(s.pid!);
      assert.ok(st !== undefined && st !== 'Z', `${what}: info says ${s.state} but init ${s.pid} is ${st ?? 'gone'}`);
      assert.match(readFileSync(`/proc/${s.pid}/cgroup`, 'utf8'), new RegExp(`/corral/${name}\\b`), `${what}: init ${s.pid} outside the container's cgroup`);
    } else {
      assert.equal(s.state, 'STOPPED', what);
      // init exited: the monitor (or the stop) removes the cgroup within moments
      await settle(() => cgroupDirsOf(name).length === 0);
      assert.deepEqual(cgroupDirsOf(name), [], `${what}: STOPPED but its cgroup (and maybe processes) remain`);
    }
    return s.state;
  }

  for (const [a, b, initial] of PAIRS) {
    test(`${a} | ${b} (from ${initial})`, { timeout: 60_000 }, async (t) => {
      const name = `race-${a}-${b}`.replace(/[^A-Za-z0-9]+/g, '-') + `-${process.pid}`;
      made.push(name);
      const outcomes: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        bringTo(name, initial);
        // the second command comes 0-300 ms after the first (a command takes ~150-250 ms):
        // it meets the first one before, during or after its work
        const delay = intBelow(rand, 300);
        const what = `${a} | ${b} round ${round} (seed ${SEED}, delay ${delay} ms)`;
        const [ca, cb] = [COMMANDS[a]!(name), COMMANDS[b]!(name)];
        const [ra, rb] = await Promise.all([
          lxc.runAsync(ca[0], ca[1], { timeoutMs: 30_000 }),
          new Promise((r) => setTimeout(r, delay)).then(() => lxc.runAsync(cb[0], cb[1], { timeoutMs: 30_000 })),
        ]);
        for (const [cmd, r] of [[a, ra], [b, rb]] as const) {
          assert.ok(!crashed(r), `${what}: ${cmd} crashed:\n${r.stderr}`);
          // attach's code is its command's (137 when the stop killed it); the others: 0 or 1
          if (cmd !== 'attach') assert.ok(r.code === 0 || r.code === 1, `${what}: ${cmd} exit ${r.code}: ${r.stderr}`);
          if (r.code === 1) assert.ok(r.stderr.trim().length > 0, `${what}: ${cmd} failed without saying why`);
        }
        const settled = await assertTruthful(name, what);
        outcomes.push(`${ra.code}/${rb.code}->${settled}`);
      }
      t.diagnostic(outcomes.join(', '));
      // whatever happened, the plain way out works and leaves nothing
      if (existsSync(join(lxc.lxcpath, name))) {
        const k = lxc.run('lxc-stop', ['-n', name, '-k']);
        assert.ok(k.code === 0 || /not running/.test(k.stderr), k.stderr);
        const d = lxc.run('lxc-destroy', ['-n', name, '-f']);
        assert.equal(d.code, 0, d.stderr);
      }
      await settle(() => cgroupDirsOf(name).length === 0);
      assert.deepEqual(cgroupDirsOf(name), []);
      assert.deepEqual(hostMountsUnder(join(lxc.lxcpath, name)), []);
      const mine = existsSync(runtimeRoot) ? readdirSync(runtimeRoot).filter((e) => e === name || e.startsWith(`.${name}.`)) : [];
      assert.deepEqual(mine, [], 'no state or lock dir left');
    });
  }
});

async function settle(done: () => boolean, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; !done() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
}
