// The plan vectors in test/vectors/ are encoded by the TypeScript encoder and decoded by the
// native helper (`corral-helper decode`): the two sides of the plan format cannot drift apart.
// Vector format: test/vectors/README.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodePlan } from '../../src/runtime/plan/encode.js';
import { Op, type Arg, type OpName, type Plan } from '../../src/runtime/plan/ops.js';

// compiled to dist/test/unit/: the repo root is three directories up
const root = fileURLToPath(new URL('../../../', import.meta.url));
const vectors = join(root, 'test', 'vectors');
const helper = join(root, 'native', 'corral-helper');
const skip = existsSync(helper) ? false : `native helper not built (${helper}); run make -s -C native`;

type JsonArg = string | number | { int: string } | { hex: string };
interface JsonPlan {
  debug?: boolean;
  ops: { op: string; args: JsonArg[] }[];
}

function toArg(a: JsonArg, where: string): Arg {
  if (typeof a === 'string') return a;
  if (typeof a === 'number') {
    if (!Number.isSafeInteger(a)) throw new Error(`${where}: ${a} is not a safe integer; write {"int":"..."}`);
    return a;
  }
  if ('int' in a) return BigInt(a.int);
  if (!/^([0-9a-f]{2})*$/.test(a.hex)) throw new Error(`${where}: bad hex ${a.hex}`);
  return Uint8Array.from(Buffer.from(a.hex, 'hex'));
}

function loadPlan(file: string): Plan {
  const json = JSON.parse(readFileSync(join(vectors, file), 'utf8')) as JsonPlan;
  return {
    debug: json.debug ?? false,
    ops: json.ops.map((o, i) => {
      if (!(o.op in Op)) throw new Error(`${file}: op ${i}: unknown op ${o.op}`);
      return { op: o.op as OpName, args: o.args.map((a, k) => toArg(a, `${file} op ${i} arg ${k}`)) };
    }),
  };
}

function decode(input: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(helper, ['decode'], { input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** bad-*.hex: '#' comment lines ("# expect: <text in the error>"), then hex digits. */
function loadBad(file: string): { bytes: Buffer; expect: string[] } {
  const lines = readFileSync(join(vectors, file), 'utf8').split('\n');
  const expect = lines.flatMap((l) => (l.startsWith('# expect: ') ? [l.slice(10).trim()] : []));
  const hex = lines.filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, '');
  return { bytes: Buffer.from(hex, 'hex'), expect };
}

const files = existsSync(vectors) ? readdirSync(vectors).sort() : [];
const good = files.filter((f) => f.endsWith('.json'));
const bad = files.filter((f) => f.startsWith('bad-') && f.endsWith('.hex'));

test('the vectors cover every op and every argument type', () => {
  const ops = new Set<string>();
  const types = new Set<string>();
  for (const file of good) {
    for (const op of loadPlan(file).ops) {
      ops.add(op.op);
      for (const a of op.args) types.add(typeof a === 'string' ? 's' : a instanceof Uint8Array ? 'b' : 'i');
    }
  }
  assert.deepEqual([...Object.keys(Op)].filter((name) => !ops.has(name)), []);
  assert.deepEqual([...types].sort(), ['b', 'i', 's']);
  assert.ok(bad.length > 0, 'no malformed vectors');
});

for (const file of good) {
  test(`decode ${file}`, { skip }, () => {
    const expected = readFileSync(join(vectors, file.replace(/\.json$/, '.decode.txt')), 'utf8');
    const r = decode(encodePlan(loadPlan(file)));
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, expected);
  });
}

for (const file of bad) {
  test(`decode rejects ${file}`, { skip }, () => {
    const { bytes, expect } = loadBad(file);
    const r = decode(bytes);
    assert.equal(r.status, 2, `exit status (stderr: ${r.stderr})`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /malformed plan at byte \d+: /);
    for (const text of expect) assert.ok(r.stderr.includes(text), `stderr ${JSON.stringify(r.stderr)} lacks ${JSON.stringify(text)}`);
  });
}
