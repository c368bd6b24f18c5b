// Random mutations of a valid OCI config.json for fuzz tests: wrong types, missing and
// unknown fields, huge and negative numbers, bogus enum strings, values moved from one
// field to another. Seeded (test/support/prng.ts), so a failing case is replayed by its seed.
import { defaultSpec } from '../../src/runtime/spec/default.js';
import { intBelow, pick, type Rand } from './prng.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A spec that uses most of what the schema knows, so mutations reach deep. */
export function richSpec(): Json {
  const spec = defaultSpec({ args: ['sh', '-c', 'true'] }) as unknown as { [k: string]: Json };
  const s = JSON.parse(JSON.stringify(spec)) as { [k: string]: any };
  s.root = { path: 'rootfs', readonly: false };
  s.process.terminal = false;
  s.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }];
  s.process.oomScoreAdj = 100;
  s.process.user.additionalGids = [5, 10];
  s.process.user.umask = 18;
  s.hooks = { prestart: [{ path: '/bin/true', args: ['true'], env: ['A=b'], timeout: 5 }], poststop: [{ path: '/bin/true' }] };
  s.annotations = { 'org.example': 'x' };
  s.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
  s.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 }];
  s.linux.resources = {
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
    memory: { limit: 104857600, reservation: 52428800, swappiness: 10 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
    pids: { limit: 64 },
    blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
  };
  s.linux.seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [
      { names: ['mkdirat', 'mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 1, value: 448, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['kexec_load'], action: 'SCMP_ACT_KILL' },
    ],
  };
  return s as Json;
}

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

/** One to three mutations of `spec`, in place. Returns what was done, for the failure message. */
export function mutate(rand: Rand, spec: Json): string[] {
  const done: string[] = [];
  for (let n = 1 + intBelow(rand, 3); n > 0; n--) {
    const paths = pathsOf(spec);
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
