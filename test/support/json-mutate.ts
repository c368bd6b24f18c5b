// Random mutations of a JSON document for fuzz tests: wrong types, missing and unknown
// fields, huge and negative numbers, bogus enum strings, values moved from one field to
// another. Seeded (test/support/prng.ts), so a failing case is replayed by its seed.
import { intBelow, pick, type Rand } from './prng.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const JUNK: Json[] = [
  null, true, false, 0, -1, 1, 1.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, -(2 ** 63), 1e308, -1e308, 65536, 4294967295,
  '', 'x', '-1', '0', '1e3', 'rootfs', '/', '..', '../../etc', '/proc/self/fd/3', 'SCMP_ACT_BOGUS', 'RLIMIT_BOGUS', 'CAP_FLY', 'pid', 'bogus',
  'a'.repeat(5000), '\u2603\u00ff', 'a\nb', [], [1], [''], ['x', 'x'], {}, { x: 1 }, { type: 'pid' },
];

function pathsOf(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) pathsOf(v[k]!, [...prefix, k], out);
  return out;
}

function at(root: Json, path: (string | number)[]): Json {
  return path.reduce<Json>((v, k) => (v as any)[k], root);
}

function junkFor(rand: Rand, old: Json, all: Json): Json {
  const r = rand();
  if (r < 0.15 && typeof old === 'number') return pick(rand, [-old, old * 1e6, old + 0.5, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER + 2, 0]);
  if (r < 0.3 && typeof old === 'string') return pick(rand, [`${old}x`, old.toUpperCase(), old.toLowerCase(), old.slice(1), `${old}\u0000`, ` ${old}`]);
  // a value from elsewhere in the same spec: a real value of the wrong kind
  if (r < 0.45) return JSON.parse(JSON.stringify(at(all, pick(rand, pathsOf(all))))) as Json;
  return JSON.parse(JSON.stringify(pick(rand, JUNK))) as Json;
}

/** One to three mutations of `spec` (any JSON object), in place. Returns what was done, for the failure message. */
export function mutate(rand: Rand, spec: Json): string[] {
  const done: string[] = [];
  for (let n = 1 + intBelow(rand, 3); n > 0; n--) {
    const paths = pathsOf(spec);
    if (paths.length === 0) break;
    const path = pick(rand, paths);
    const parent = at(spec, path.slice(0, -1)) as any;
    const key = path[path.length - 1]!;
    const name = path.join('.');
    const r = rand();
    if (r < 0.2) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      done.push(`delete ${name}`);
    } else if (r < 0.3 && !Array.isArray(parent)) {
      const extra = pick(rand, ['argz', 'x', 'Type', 'uid ', '']);
      parent[extra] = pick(rand, JUNK);
      done.push(`add ${[...path.slice(0, -1), extra].join('.')}`);
    } else if (r < 0.37 && Array.isArray(parent[key])) {
      const arr = parent[key] as Json[];
      if (arr.length > 0 && rand() < 0.5) arr.push(JSON.parse(JSON.stringify(arr[0])) as Json);
      else arr.length = 0;
      done.push(`resize ${name}`);
    } else {
      parent[key] = junkFor(rand, parent[key] as Json, spec);
      done.push(`set ${name} = ${JSON.stringify(parent[key]).slice(0, 60)}`);
    }
  }
  return done;
}
