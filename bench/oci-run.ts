// `corral oci run` against `runc run` on the same busybox bundle whose process is `true`,
// interleaved run by run, plus the same run through the TypeScript API in-process (no Node
// start-up) and `node -e 0` as the floor of any Node CLI. Usage:
//   node dist/bench/oci-run.js [--runs N] [--json]
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RuntimeContext } from '../src/runtime/context.js';
import { run } from '../src/runtime/run.js';
import { defaultSpec } from '../src/runtime/spec/default.js';
import { makeBusyboxRootfs, tempDir } from '../test/support/busybox.js';
import { CORRAL } from '../test/support/cli.js';
import { median } from './stats.js';

interface Sample {
  name: string;
  ms: number[];
}

function parseArgs(argv: string[]): { runs: number; json: boolean } {
  const i = argv.indexOf('--runs');
  return { runs: i >= 0 ? Number(argv[i + 1]) : 30, json: argv.includes('--json') };
}

function makeBundle(): string {
  const dir = tempDir('bench');
  makeBusyboxRootfs(join(dir, 'rootfs'));
  const spec = defaultSpec({ args: ['true'] });
  spec.process!.terminal = false;
  spec.root = { path: 'rootfs', readonly: true };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return ms;
}

async function main(): Promise<void> {
  const { runs, json } = parseArgs(process.argv.slice(2));
  const bundle = makeBundle();
  const root = tempDir('bench-root');
  const env = { ...process.env };
  const samples: Record<string, Sample> = {};
  const add = (name: string, ms: number) => (samples[name] ??= { name, ms: [] }).ms.push(ms);
  const ctx = new RuntimeContext({ root: join(root, 'api') });
  try {
    for (let i = 0; i < runs; i++) {
      add('node -e 0', timeCommand(process.execPath, ['-e', '0'], env));
      add('node -e 0 (NODE_EXTRA_CA_CERTS unset)', timeCommand('env', ['-u', 'NODE_EXTRA_CA_CERTS', process.execPath, '-e', '0'], env));
      add('runc run', timeCommand('runc', ['--root', join(root, 'runc'), 'run', '-b', bundle, `r${i}`], env));
      // bin/corral as users run it: through its shebang
      add('corral oci run (CLI)', timeCommand(CORRAL, ['oci', '--root', join(root, 'cli'), 'run', '-b', bundle, `c${i}`], env));
      const t0 = performance.now();
      const code = await run(ctx, `a${i}`, { bundle, stdio: ['ignore', 'ignore', 'ignore'] });
      add('corral run (API, in-process)', performance.now() - t0);
      if (code !== 0) throw new Error(`in-process run exited with ${code}`);
    }
  } finally {
    rmSync(bundle, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
  report(Object.values(samples), runs, json);
}

function report(samples: Sample[], runs: number, json: boolean): void {
  const med = Object.fromEntries(samples.map((s) => [s.name, median(s.ms)]));
  const runc = med['runc run']!;
  const node = med['node -e 0']!;
  const bareNode = med['node -e 0 (NODE_EXTRA_CA_CERTS unset)']!;
  const cli = med['corral oci run (CLI)']!;
  const api = med['corral run (API, in-process)']!;
  const result = {
    runs,
    medianMs: med,
    ratios: { apiVsRunc: api / runc, cliVsRunc: cli / runc },
    targets: {
      apiAtMostHalfOfRunc: api <= runc / 2,
      cliWithinNodePlus30ms: cli <= node + 30,
      cliOverNodeMs: cli - node,
      cliOverBareNodeMs: cli - bareNode,
    },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  for (const s of samples) process.stdout.write(`${s.name.padEnd(30)} median ${med[s.name]!.toFixed(1).padStart(7)} ms\n`);
  process.stdout.write(`\nin-process / runc: ${(api / runc).toFixed(2)}   (target <= 0.50)\n`);
  process.stdout.write(`CLI / runc:        ${(cli / runc).toFixed(2)}\n`);
  process.stdout.write(`CLI - node -e 0:   ${(cli - node).toFixed(1)} ms (target <= 30 ms)\n`);
  process.stdout.write(`CLI - node -e 0 without NODE_EXTRA_CA_CERTS: ${(cli - bareNode).toFixed(1)} ms\n`);
}

await main();
