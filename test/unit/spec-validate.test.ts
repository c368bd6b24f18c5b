import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CAPABILITIES, CAPABILITY_NAMES } from '../../src/runtime/spec/capabilities.js';
import { SpecError } from '../../src/runtime/spec/errors.js';
import { parseSpecFile, validateProcess, validateSpec } from '../../src/runtime/spec/validate.js';
import type { SpecIssue, ValidatedSpec } from '../../src/runtime/spec/types.js';

const bundle = mkdtempSync(join(tmpdir(), 'corral-spec-'));
mkdirSync(join(bundle, 'rootfs'));
writeFileSync(join(bundle, 'afile'), '');
after(() => rmSync(bundle, { recursive: true, force: true }));

type Json = Record<string, any>;

function base(): Json {
  return {
    ociVersion: '1.2.0',
    root: { path: 'rootfs' },
    process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' },
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] },
  };
}

/** base() with `edit` applied. */
function cfg(edit: (c: Json) => void): Json {
  const c = base();
  edit(c);
  return c;
}

const ok = (c: Json): ValidatedSpec => validateSpec(c, { bundle });

function issuesOf(fn: () => unknown): SpecIssue[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SpecError, `expected SpecError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_SPEC');
    return e.issues;
  }
  assert.fail('expected a SpecError');
}

/** Asserts the exact list of issue paths, and that each message matches if one is given. */
function fails(c: Json, expected: [string, (string | RegExp)?][]): void {
  const issues = issuesOf(() => ok(c));
  assert.deepEqual(
    issues.map((i) => i.path),
    expected.map(([p]) => p),
    JSON.stringify(issues),
  );
  expected.forEach(([, m], n) => {
    if (typeof m === 'string') assert.equal(issues[n]!.message, m);
    else if (m) assert.match(issues[n]!.message, m);
  });
}

const warningPaths = (c: Json): string[] => ok(c).warnings.map((w) => w.path);

describe('validateSpec basics', () => {
  test('a minimal config passes, root.path is resolved against the bundle', () => {
    const { spec, warnings } = ok(base());
    assert.equal(spec.root?.path, join(bundle, 'rootfs'));
    assert.deepEqual(warnings, []);
  });

  test('the input is not modified', () => {
    const c = cfg((c) => (c.mounts = [{ destination: 'x', type: 'tmpfs' }]));
    const before = JSON.stringify(c);
    ok(c);
    assert.equal(JSON.stringify(c), before);
  });

  test('a non-object is rejected', () => fails([] as unknown as Json, [['$', 'expected object, got array']]));

  test('all issues are reported together, listed in the message', () => {
    const c = cfg((c) => {
      c.process.cwd = 'rel';
      c.process.env = ['X'];
    });
    const err = (() => {
      try {
        ok(c);
      } catch (e) {
        return e as SpecError;
      }
      throw new Error('no error');
    })();
    assert.equal(err.issues.length, 2);
    assert.match(err.message, /\$\.process\.cwd: must be an absolute path/);
    assert.match(err.message, /\$\.process\.env\[0\]: must be KEY=VALUE/);
  });

  test('null optional fields are treated as absent', () => {
    const { spec } = ok(cfg((c) => (c.annotations = null)));
    assert.equal('annotations' in spec, false);
  });

  test('type errors name the expected type', () => {
    fails(cfg((c) => (c.process.user.uid = -1)), [['$.process.user.uid', 'expected uint32, got number -1']]);
    fails(cfg((c) => (c.process.args = 'sh')), [['$.process.args', 'expected array, got string "sh"']]);
    fails(cfg((c) => delete c.process.user), [['$.process.user', 'required field is missing']]);
  });
});

describe('unknown and unimplemented fields', () => {
  test('an unknown field is an error with a near-miss suggestion', () => {
    fails(cfg((c) => (c.hostnmae = 'x')), [['$.hostnmae', 'unknown field "hostnmae"; did you mean "hostname"?']]);
    fails(cfg((c) => (c.process.argz = [])), [['$.process.argz', 'unknown field "argz"; did you mean "args"?']]);
    fails(cfg((c) => (c.linux.CgroupsPath = 'a')), [['$.linux.CgroupsPath', 'unknown field "CgroupsPath"; did you mean "cgroupsPath"?']]);
    fails(cfg((c) => (c.linux.namespaces[1].flavour = 'x')), [['$.linux.namespaces[1].flavour', 'unknown field "flavour"']]);
  });

  test('spec fields Corral ignores are accepted with a warning', () => {
    const c = cfg((c) => {
      c.process.apparmorProfile = 'docker-default';
      c.process.selinuxLabel = 'system_u:system_r:container_t:s0';
      c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
      c.process.scheduler = { policy: 'SCHED_OTHER', nice: 5 };
      c.process.execCPUAffinity = { initial: '0', final: '0-3' };
      c.linux.mountLabel = 'x';
      c.linux.intelRdt = { closID: 'g1' };
      c.linux.personality = { domain: 'LINUX32' };
      c.linux.resources = { rdma: { mlx5_1: { hcaHandles: 3 } }, network: { classID: 1 }, hugepageLimits: [{ pageSize: '2MB', limit: 0 }] };
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock' };
      c.windows = { layerFolders: [] };
    });
    assert.deepEqual(warningPaths(c).sort(), [
      '$.linux.intelRdt',
      '$.linux.mountLabel',
      '$.linux.personality',
      '$.linux.resources.hugepageLimits',
      '$.linux.resources.network',
      '$.linux.resources.rdma',
      '$.linux.seccomp.listenerPath',
      '$.process.apparmorProfile',
      '$.process.execCPUAffinity',
      '$.process.ioPriority',
      '$.process.scheduler',
      '$.process.selinuxLabel',
      '$.windows',
    ]);
  });

  test('an empty unimplemented field earns no warning', () => {
    assert.deepEqual(warningPaths(cfg((c) => (c.process.apparmorProfile = ''))), []);
  });

  test('unimplemented fields are still type-checked', () => {
    fails(cfg((c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_XX', priority: 1 })), [['$.process.ioPriority.class']]);
  });
});

describe('parseSpecFile', () => {
  const file = (name: string, text: string): string => {
    const p = join(bundle, name);
    writeFileSync(p, text);
    return p;
  };

  test('parses a valid file', () => assert.deepEqual(parseSpecFile(file('ok.json', '{"a": [1]}')), { a: [1] }));

  test('a trailing comma is reported with line and column', () => {
    const issues = issuesOf(() => parseSpecFile(file('comma.json', '{\n  "a": 1,\n}\n')));
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.path, '$');
    assert.match(issues[0]!.message, /^invalid JSON at line 3, column 1: /);
  });

  test('errors V8 reports without a position still get one', () => {
    const issues = issuesOf(() => parseSpecFile(file('tok.json', '{\n  "a": tru\n}')));
    assert.match(issues[0]!.message, /^invalid JSON at line 2, column 11: /);
  });

  test('truncated input points at the end', () => {
    const issues = issuesOf(() => parseSpecFile(file('trunc.json', '{"a": [1,')));
    assert.match(issues[0]!.message, /^invalid JSON at line 1, column 10: /);
  });

  test('a missing file is a SpecError', () => {
    const issues = issuesOf(() => parseSpecFile(join(bundle, 'nope.json')));
    assert.match(issues[0]!.message, /file not found/);
  });
});

describe('ociVersion and root', () => {
  test('ociVersion must be 1.x', () => {
    ok(cfg((c) => (c.ociVersion = '1.0.2-dev')));
    fails(cfg((c) => (c.ociVersion = '2.0.0')), [['$.ociVersion', /must be a 1\.x version/]]);
  });

  test('root is required, must exist and be a directory', () => {
    fails(cfg((c) => delete c.root), [['$.root', 'required field is missing']]);
    fails(cfg((c) => (c.root.path = 'missing')), [['$.root.path', /^root\.path "missing" \(.*\/missing\) does not exist$/]]);
    fails(cfg((c) => (c.root.path = 'afile')), [['$.root.path', /is not a directory$/]]);
    assert.equal(ok(cfg((c) => (c.root.path = join(bundle, 'rootfs')))).spec.root?.path, join(bundle, 'rootfs'));
  });
});

describe('process', () => {
  test('process is required for create, unless requireProcess is false', () => {
    fails(cfg((c) => delete c.process), [['$.process', 'required field is missing']]);
    validateSpec(cfg((c) => delete c.process), { bundle, requireProcess: false });
  });

  test('args must be non-empty', () => {
    fails(cfg((c) => (c.process.args = [])), [['$.process.args', /at least one entry/]]);
    fails(cfg((c) => delete c.process.args), [['$.process.args']]);
  });

  test('cwd must be absolute', () => {
    fails(cfg((c) => (c.process.cwd = 'tmp')), [['$.process.cwd', 'must be an absolute path, got "tmp"']]);
  });

  test('env entries must contain "="', () => {
    ok(cfg((c) => (c.process.env = ['A=1', 'B='])));
    fails(cfg((c) => (c.process.env = ['A=1', 'B', '=x'])), [['$.process.env[1]'], ['$.process.env[2]']]);
  });

  test('rlimits: known types, soft <= hard, no duplicates', () => {
    ok(cfg((c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }])));
    fails(cfg((c) => (c.process.rlimits = [{ type: 'RLIMIT_FILES', soft: 1, hard: 1 }])), [
      ['$.process.rlimits[0].type', /^unknown rlimit type "RLIMIT_FILES"/],
    ]);
    fails(cfg((c) => (c.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 2, hard: 1 }])), [
      ['$.process.rlimits[0]', 'soft limit 2 exceeds hard limit 1'],
    ]);
    const dup = { type: 'RLIMIT_CORE', soft: 1, hard: 1 };
    fails(cfg((c) => (c.process.rlimits = [dup, dup])), [['$.process.rlimits[1].type', /duplicate/]]);
  });

  test('capability names must be known', () => {
    ok(cfg((c) => (c.process.capabilities = { bounding: [...CAPABILITY_NAMES], ambient: ['CAP_KILL'] })));
    fails(cfg((c) => (c.process.capabilities = { bounding: ['CAP_KILL', 'CAP_FOO'] })), [
      ['$.process.capabilities.bounding[1]', 'unknown capability "CAP_FOO"'],
    ]);
    fails(cfg((c) => (c.process.capabilities = { effective: ['CAP_SYS_ADMN'] })), [
      ['$.process.capabilities.effective[0]', 'unknown capability "CAP_SYS_ADMN"; did you mean "CAP_SYS_ADMIN"?'],
    ]);
  });

  test('the capability table has the 41 Linux capabilities numbered 0..40', () => {
    assert.equal(CAPABILITY_NAMES.length, 41);
    assert.deepEqual(Object.values(CAPABILITIES), [...Array(41).keys()]);
    assert.equal(CAPABILITIES.CAP_SYS_ADMIN, 21);
    assert.equal(CAPABILITIES.CAP_CHECKPOINT_RESTORE, 40);
  });
});

describe('validateProcess (exec --process)', () => {
  const proc = { user: { uid: 1000, gid: 1000 }, args: ['ls'], cwd: '/', terminal: false };

  test('a valid process passes', () => assert.deepEqual(validateProcess(proc).process, proc));

  test('paths are rooted at the given prefix', () => {
    assert.deepEqual(
      issuesOf(() => validateProcess({ ...proc, args: [] })).map((i) => i.path),
      ['$.args'],
    );
    assert.deepEqual(
      issuesOf(() => validateProcess({ ...proc, terminl: true }, '$.process')),
      [{ path: '$.process.terminl', message: 'unknown field "terminl"; did you mean "terminal"?' }],
    );
  });
});

describe('mounts', () => {
  test('a relative destination is made absolute with a warning', () => {
    const { spec, warnings } = ok(cfg((c) => (c.mounts = [{ destination: 'data', type: 'tmpfs', source: 'tmpfs' }])));
    assert.equal(spec.mounts?.[0]?.destination, '/data');
    assert.deepEqual(warnings.map((w) => w.path), ['$.mounts[0].destination']);
  });

  test('type is required unless bind/rbind', () => {
    ok(cfg((c) => (c.mounts = [{ destination: '/d', source: '/tmp', options: ['rbind', 'ro'] }])));
    fails(cfg((c) => (c.mounts = [{ destination: '/a', type: 'proc' }, { destination: '/d', source: '/tmp', options: ['ro'] }])), [
      ['$.mounts[1].type', 'required unless options contain "bind" or "rbind"'],
    ]);
  });

  test('destination is required', () => {
    fails(cfg((c) => (c.mounts = [{ type: 'tmpfs' }])), [['$.mounts[0].destination', 'required field is missing']]);
  });
});
