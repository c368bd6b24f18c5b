// Where an in-process start, attach and stop of a busybox system container spend their
// time: runs each N times through Corral's API with the runtime's --debug phase timings on
// and prints the median of every phase.  node dist/bench/api-profile.js [--runs N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { attachContainer } from '../src/core/attach.js';
import { runtimeFor } from '../src/core/state.js';
import { startContainer } from '../src/core/start.js';
import { stopContainer } from '../src/core/stop.js';
import { ContainerStore } from '../src/core/store.js';
import { CORRAL } from '../test/support/cli.js';
import { median } from './stats.js';

const i = process.argv.indexOf('--runs');
const RUNS = i >= 0 ? Number(process.argv[i + 1]) : 10;
const base = mkdtempSync(join(tmpdir(), 'corral-prof-'));
const conf = join(base, 'c.conf');
writeFileSync(conf, 'lxc.net.0.type = empty\n');
const env = { ...process.env, CORRAL_LXCPATH: join(base, 'lxc') };
const samples = new Map<string, number[]>();
const add = (k: string, v: number) => samples.set(k, [...(samples.get(k) ?? []), v]);
const attachTrue = { command: ['true'], envMode: 'container' as const, keepVars: [], setVars: [], tty: false };

try {
  spawnSync(CORRAL, ['create', '-n', 'p', '-t', 'busybox', '-f', conf], { env, stdio: 'inherit' });
  const store = new ContainerStore(join(base, 'lxc'));
  let last = '';
  const ctx = runtimeFor(store, {
    debug: true,
    log: (_level, m) => {
      const p = /^phase (.+) ([\d.]+) ms$/.exec(m);
      if (p) add(`${last}${p[1]}`, Number(p[2]));
    },
  });
  for (let r = 0; r < RUNS; r++) {
    last = 'start: ';
    let t0 = performance.now();
    await startContainer(store, ctx, 'p');
    add('start total', performance.now() - t0);
    last = 'ready: ';
    t0 = performance.now();
    while ((await attachContainer(ctx, 'p', attachTrue).catch(() => 1)) !== 0);
    add('first attach', performance.now() - t0);
    last = 'attach: ';
    t0 = performance.now();
    await attachContainer(ctx, 'p', attachTrue);
    add('attach total', performance.now() - t0);
    last = 'stop: ';
    t0 = performance.now();
    await stopContainer(ctx, 'p', { kill: true, haltSignal: 'SIGUSR1', rebootSignal: 'SIGTERM' });
    add('stop total', performance.now() - t0);
  }
  for (const [k, v] of samples) process.stdout.write(`${k.padEnd(40)} ${median(v).toFixed(2)} ms\n`);
} finally {
  spawnSync(CORRAL, ['destroy', '-f', '-n', 'p'], { env, stdio: 'inherit' });
  rmSync(base, { recursive: true, force: true });
}
