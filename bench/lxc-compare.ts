// Corral against the real LXC (Debian's lxc) on identical busybox system containers, run
// by run, interleaved: create, start until an attach works, attach `true`, info, stop,
// destroy; `ls --fancy` over many containers; many starts and stops, one after another and
// all at once; the memory a running container costs (monitor RSS, host memory); and the
// same start/attach/stop through Corral's TypeScript API in one process.
// How the cost per container grows: ls --fancy, start and stop with 1, 50 and 200 defined.
//   node dist/bench/lxc-compare.js [--runs N] [--many N] [--idle N] [--scale 1,50,200] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 10);
const MANY = arg('--many', 50);
const IDLE = arg('--idle', 20);
const JSON_OUT = process.argv.includes('--json');
const scaleArg = process.argv.indexOf('--scale');
const SCALE = (scaleArg >= 0 ? process.argv[scaleArg + 1]! : '1,50,200').split(',').filter(Boolean).map(Number);

const base = mkdtempSync(join(tmpdir(), 'corral-vs-lxc-'));
const corralPath = join(base, 'corral');
const lxcPath = join(base, 'lxc');
const lxcConf = join(base, 'lxc.conf');
// the same container for both: no network, and no AppArmor (this host has none)
writeFileSync(lxcConf, 'lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n');
const corralConf = join(base, 'corral.conf');
writeFileSync(corralConf, 'lxc.net.0.type = empty\n');
const env: NodeJS.ProcessEnv = { ...process.env, CORRAL_LXCPATH: corralPath };

function time(cmd: string, args: readonly string[], ok = true): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env });
  const ms = performance.now() - t0;
  if (ok && r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return ms;
}

type Cmd = [string, string[]];
// bin/corral run as users run it: through its shebang
const corral = (...a: string[]): Cmd => [CORRAL, a];
const lxc = (tool: string, ...a: string[]): Cmd => [`lxc-${tool}`, ['-P', lxcPath, ...a]];

function until(cmd: Cmd, ms = 10_000): number {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (spawnSync(cmd[0], [...cmd[1]], { stdio: 'ignore', env }).status === 0) return performance.now() - t0;
  }
  throw new Error(`${cmd[0]} never succeeded`);
}

type Tool = 'corral' | 'lxc';
const samples = new Map<string, number[]>();
const add = (k: string, v: number) => samples.set(k, [...(samples.get(k) ?? []), v]);

function create(tool: Tool, name: string): number {
  return tool === 'corral' ? time(...corral('create', '-n', name, '-t', 'busybox', '-f', corralConf)) : time(...lxc('create', '-n', name, '-t', 'busybox', '-f', lxcConf));
}
function startReady(tool: Tool, name: string): number {
  const t0 = performance.now();
  if (tool === 'corral') {
    time(...corral('start', '-n', name));
    until(corral('attach', '-n', name, '--', 'true'));
  } else {
    time(...lxc('start', '-n', name));
    until(lxc('attach', '-n', name, '--', 'true'));
  }
  return performance.now() - t0;
}
const cmd = (tool: Tool, what: string, name: string, ...rest: string[]): Cmd => (tool === 'corral' ? corral(what, '-n', name, ...rest) : lxc(what, '-n', name, ...rest));

function lifecycle(): void {
  for (let i = 0; i < RUNS; i++) {
    for (const tool of ['corral', 'lxc'] as Tool[]) {
      const name = `b${i}`;
      add(`${tool} create`, create(tool, name));
      add(`${tool} start→ready`, startReady(tool, name));
      add(`${tool} attach true`, time(...cmd(tool, 'attach', name, '--', 'true')));
      add(`${tool} info`, time(...cmd(tool, 'info', name)));
      add(`${tool} stop -k`, time(...cmd(tool, 'stop', name, '-k')));
      add(`${tool} destroy`, time(...cmd(tool, 'destroy', name)));
    }
    add('node -e 0', time(process.execPath, ['-e', '0']));
    add('node -e 0 (NODE_EXTRA_CA_CERTS unset)', time('env', ['-u', 'NODE_EXTRA_CA_CERTS', process.execPath, '-e', '0']));
  }
}

async function api(): Promise<void> {
  const store = new ContainerStore(corralPath);
  const ctx = runtimeFor(store);
  time(...corral('create', '-n', 'api', '-t', 'busybox', '-f', corralConf));
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    await startContainer(store, ctx, 'api');
    for (;;) {
      try {
        if ((await attachContainer(ctx, 'api', { command: ['true'], envMode: 'container', keepVars: [], setVars: [], tty: false })) === 0) break;
      } catch {
        // not up yet
      }
    }
    add('api start→ready', performance.now() - t0);
    t0 = performance.now();
    await attachContainer(ctx, 'api', { command: ['true'], envMode: 'container', keepVars: [], setVars: [], tty: false });
    add('api attach true', performance.now() - t0);
    t0 = performance.now();
    await stopContainer(ctx, 'api', { kill: true, haltSignal: 'SIGUSR1', rebootSignal: 'SIGTERM' });
    add('api stop -k', performance.now() - t0);
  }
  time(...corral('destroy', '-n', 'api'));
}

function parallel(cmds: Cmd[]): Promise<number> {
  const t0 = performance.now();
  return Promise.all(
    cmds.map(
      ([c, a]) =>
        new Promise<void>((resolve, reject) => {
          const p = spawn(c, [...a], { stdio: 'ignore', env });
          p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${c} ${a.join(' ')}: ${code}`))));
        }),
    ),
  ).then(() => performance.now() - t0);
}

async function many(): Promise<void> {
  for (const tool of ['corral', 'lxc'] as Tool[]) {
    for (let i = 0; i < MANY; i++) create(tool, `m${i}`);
    const names = Array.from({ length: MANY }, (_, i) => `m${i}`);
    let t0 = performance.now();
    for (const n of names) time(...cmd(tool, 'start', n));
    add(`${tool} start ${MANY} sequential`, performance.now() - t0);
    t0 = performance.now();
    for (const n of names) time(...cmd(tool, 'stop', n, '-k'));
    add(`${tool} stop ${MANY} sequential`, performance.now() - t0);
    add(`${tool} start ${MANY} concurrent`, await parallel(names.map((n) => cmd(tool, 'start', n))));
    add(`${tool} ls --fancy (${MANY}, all running)`, time(...(tool === 'corral' ? corral('ls', '--fancy') : lxc('ls', '--fancy'))));
    add(`${tool} stop ${MANY} concurrent`, await parallel(names.map((n) => cmd(tool, 'stop', n, '-k'))));
    add(`${tool} ls --fancy (${MANY}, stopped)`, time(...(tool === 'corral' ? corral('ls', '--fancy') : lxc('ls', '--fancy'))));
    // one command for all of them: LXC's lxc-autostart goes one by one, Corral's by waves
    add(`${tool} autostart -a -A (start ${MANY})`, time(...(tool === 'corral' ? corral('autostart', '-a', '-A') : lxc('autostart', '-a', '-A'))));
    add(`${tool} autostart -k -a -A (kill ${MANY})`, time(...(tool === 'corral' ? corral('autostart', '-k', '-a', '-A') : lxc('autostart', '-k', '-a', '-A'))));
    for (const n of names) time(...cmd(tool, 'destroy', n));
  }
  // the same 50-at-once start through the API, in one process
  const store = new ContainerStore(corralPath);
  const ctx = runtimeFor(store);
  const names = Array.from({ length: MANY }, (_, i) => `p${i}`);
  for (const n of names) create('corral', n);
  let t0 = performance.now();
  await Promise.all(names.map((n) => startContainer(store, ctx, n)));
  add(`api start ${MANY} concurrent`, performance.now() - t0);
  t0 = performance.now();
  await Promise.all(names.map((n) => stopContainer(ctx, n, { kill: true, haltSignal: 'SIGUSR1', rebootSignal: 'SIGTERM' })));
  add(`api stop ${MANY} concurrent`, performance.now() - t0);
  for (const n of names) time(...cmd('corral', 'destroy', n));
}

/** Per container, with N defined (half of them running): ls --fancy, start, stop. Flat is the goal. */
function scaling(): void {
  for (const n of SCALE) {
    for (const tool of ['corral', 'lxc'] as Tool[]) {
      const names = Array.from({ length: n }, (_, i) => `s${i}`);
      for (const name of names) create(tool, name);
      const running = names.slice(0, Math.ceil(n / 2));
      let t0 = performance.now();
      for (const name of running) time(...cmd(tool, 'start', name));
      add(`${tool} start, per container (${n} defined)`, (performance.now() - t0) / running.length);
      const ls = tool === 'corral' ? corral('ls', '--fancy') : lxc('ls', '--fancy');
      const lsMs = median([time(...ls), time(...ls), time(...ls)]);
      add(`${tool} ls --fancy (${n} defined, half running)`, lsMs);
      add(`${tool} ls --fancy, per container (${n} defined)`, lsMs / n);
      t0 = performance.now();
      for (const name of running) time(...cmd(tool, 'stop', name, '-k'));
      add(`${tool} stop -k, per container (${n} defined)`, (performance.now() - t0) / running.length);
      for (const name of names) time(...cmd(tool, 'destroy', name));
    }
  }
}

function memAvailable(): number {
  return Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
}

function monitorRss(tool: Tool, name: string): number {
  const [c, a] = tool === 'corral' ? corral('info', '-n', name, '-pH') : lxc('info', '-n', name, '-pH');
  const pid = spawnSync(c, a, { env, encoding: 'utf8' }).stdout.trim();
  const ppid = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${ppid}/status`, 'utf8'))![1]) * 1024;
}

function idle(): void {
  for (const tool of ['corral', 'lxc'] as Tool[]) {
    for (let i = 0; i < IDLE; i++) create(tool, `i${i}`);
    const before = memAvailable();
    for (let i = 0; i < IDLE; i++) time(...cmd(tool, 'start', `i${i}`));
    spawnSync('sleep', ['2']);
    add(`${tool} host memory per idle container (bytes)`, (before - memAvailable()) / IDLE);
    add(`${tool} monitor RSS (bytes)`, monitorRss(tool, 'i0'));
    for (let i = 0; i < IDLE; i++) time(...cmd(tool, 'stop', `i${i}`, '-k'));
    for (let i = 0; i < IDLE; i++) time(...cmd(tool, 'destroy', `i${i}`));
  }
}

function report(): void {
  const med = Object.fromEntries([...samples].map(([k, v]) => [k, median(v)]));
  const ratio = (what: string) => med[`corral ${what}`]! / med[`lxc ${what}`]!;
  const node = med['node -e 0']!;
  const bareNode = med['node -e 0 (NODE_EXTRA_CA_CERTS unset)']!;
  const ops = ['create', 'start→ready', 'attach true', 'info', 'stop -k', 'destroy'];
  const result = {
    runs: RUNS,
    many: MANY,
    idle: IDLE,
    medianMs: med,
    corralOverLxc: Object.fromEntries(ops.map((o) => [o, ratio(o)])),
    apiOverLxc: { 'start→ready': med['api start→ready']! / med['lxc start→ready']!, 'attach true': med['api attach true']! / med['lxc attach true']! },
    cliOverNodeMs: Object.fromEntries(ops.map((o) => [o, med[`corral ${o}`]! - node])),
    cliOverBareNodeMs: Object.fromEntries(ops.map((o) => [o, med[`corral ${o}`]! - bareNode])),
  };
  if (JSON_OUT) return void process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const [k, v] of Object.entries(med)) process.stdout.write(`${k.padEnd(46)} ${k.includes('bytes') ? `${(v / 1024).toFixed(0)} KiB` : `${v.toFixed(1)} ms`}\n`);
  process.stdout.write('\ncorral / lxc:\n');
  for (const [k, v] of Object.entries(result.corralOverLxc)) {
    process.stdout.write(`  ${k.padEnd(14)} ${v.toFixed(2)}   (CLI - node -e 0: ${result.cliOverNodeMs[k]!.toFixed(1)} ms; - node -e 0 without the CA variable: ${result.cliOverBareNodeMs[k]!.toFixed(1)} ms)\n`);
  }
  for (const [k, v] of Object.entries(result.apiOverLxc)) process.stdout.write(`  API ${k.padEnd(10)} ${v.toFixed(2)}   (target <= 0.50)\n`);
}

try {
  lifecycle();
  await api();
  if (MANY > 0) await many();
  if (IDLE > 0) idle();
  scaling();
  report();
} finally {
  spawnSync('sh', ['-c', `for n in $(lxc-ls -P ${lxcPath}); do lxc-stop -P ${lxcPath} -n $n -k; lxc-destroy -P ${lxcPath} -n $n; done`], { stdio: 'ignore' });
  spawnSync('sh', ['-c', `for n in $(${process.execPath} ${CORRAL} ls -1); do ${process.execPath} ${CORRAL} destroy -f -n $n; done`], { stdio: 'ignore', env });
  rmSync(base, { recursive: true, force: true });
}
