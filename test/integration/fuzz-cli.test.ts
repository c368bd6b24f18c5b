// Garbage through the command line: container names that are empty, paths, too long, random
// code points; and randomly broken config.json files for `corral oci create`. Each is refused
// with exit 1 or 2, a `corral: error:` line (a spec error adds one indented line per
// issue), no stack trace even with CORRAL_DEBUG=1 (which prints one for any unexpected
// error), and nothing made anywhere. The longest valid name runs a real container. Seeded:
// CORRAL_SEED=<n> replays.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MAX_NAME } from '../../src/core/names.js';
import { SpecError } from '../../src/runtime/spec/errors.js';
import { validateSpec } from '../../src/runtime/spec/validate.js';
import { hasBusybox, tempDir } from '../support/busybox.js';
import { corral, isRoot, type Result } from '../support/cli.js';
import { mutate } from '../support/json-mutate.js';
import { cgroupDirsOf, leftovers, storeLeftovers } from '../support/leftovers.js';
import { lxcEnv } from '../support/lxc.js';
import { intBelow, mulberry32, seedFor } from '../support/prng.js';
import { richSpec } from '../support/spec-mutate.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;
const DEBUG = { CORRAL_DEBUG: '1' };

function assertCleanRefusal(r: Result, what: string): void {
  assert.ok(r.code === 1 || r.code === 2, `${what}: exit ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^corral: error: \S/, `${what}: ${r.stderr}`);
  for (const l of lines.slice(1)) assert.match(l, /^ {2}\S/, `${what}: a line that is neither the error, an issue nor a hint: ${l}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|RangeError/, `${what}: ${r.stderr}`);
}

describe('fuzzed input on the command line', { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('fuzz');
  const base = skip ? '' : dirname(lxc.lxcpath);
  const root = skip ? '' : tempDir('fuzz-root');
  const bundle = skip ? '' : tempDir('fuzz-bundle');
  const longName = `L${process.pid}`.padEnd(MAX_NAME, 'x');
  after(() => {
    lxc.run('lxc-stop', ['-n', longName, '-k']);
    lxc.run('lxc-destroy', ['-n', longName, '-f']);
    lxc.cleanup();
    rmSync(root, { recursive: true, force: true });
    rmSync(bundle, { recursive: true, force: true });
  });

  test('bad container names are refused by every command, and nothing is made', () => {
    const seed = seedFor(0xa4e5);
    const rand = mulberry32(seed);
    const random = Array.from({ length: 6 }, () => Array.from({ length: 1 + intBelow(rand, 70) }, () => String.fromCodePoint(1 + intBelow(rand, 0x2fffe))).join(''));
    const names = ['', '.', '..', '/', '//', 'a/b', '../escape', '../../tmp/x', '.hidden', '-n', '--help=x', 'x'.repeat(MAX_NAME + 1), 'a b', 'tab\there', 'new\nline', 'caf\u00e9', '\u2603', '*', ...random];
    // the store's own scratch files (command output) aside
    const beside = () => readdirSync(base).filter((e) => !/^(out|err)\b/.test(e)).sort();
    const before = beside();
    for (const [i, name] of names.entries()) {
      const what = `seed ${seed}, name ${JSON.stringify(name)}`;
      assertCleanRefusal(lxc.run('lxc-create', ['-n', name, '-t', 'busybox'], { env: DEBUG }), `create ${what}`);
      // the other commands share the name check: a sample of names is enough
      if (i % 3 === 0) for (const tool of ['lxc-start', 'lxc-info', 'lxc-destroy', 'lxc-attach']) assertCleanRefusal(lxc.run(tool, ['-n', name], { env: DEBUG }), `${tool} ${what}`);
      assert.deepEqual(beside(), before, `${what}: something was made beside the store`);
      assert.deepEqual(storeLeftovers(lxc.lxcpath, []), [], what);
    }
  });

  test(`the longest valid name (${MAX_NAME} characters) runs a container`, () => {
    assert.equal(lxc.run('lxc-create', ['-n', longName, '-t', 'busybox']).code, 0);
    const s = lxc.run('lxc-start', ['-n', longName]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(lxc.run('lxc-attach', ['-n', longName, '--', 'true']).code, 0);
    assert.equal(lxc.run('lxc-stop', ['-n', longName, '-k']).code, 0);
    assert.equal(lxc.run('lxc-destroy', ['-n', longName]).code, 0);
    assert.deepEqual(cgroupDirsOf(longName), []);
    assert.deepEqual(storeLeftovers(lxc.lxcpath, [longName]), []);
  });

  test('30 broken config.json files: oci create refuses each in one go, names the fields, makes nothing', () => {
    const seed = seedFor(0x0c1c);
    const rand = mulberry32(seed);
    mkdirSync(join(bundle, 'rootfs'), { recursive: true });
    let tried = 0;
    for (let i = 0; tried < 30 && i < 1000; i++) {
      const spec = richSpec();
      const done = mutate(rand, spec);
      let issues: string[];
      try {
        validateSpec(spec, { bundle });
        continue; // still valid: not what this test is about
      } catch (err) {
        assert.ok(err instanceof SpecError);
        issues = err.issues.map((x) => x.path);
      }
      tried++;
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
      const id = `fz-${i}-${process.pid}`;
      const r = corral(['oci', '--root', root, 'create', '--bundle', bundle, id], { env: DEBUG });
      const what = `seed ${seed}, case ${i}: ${done.join('; ')}`;
      assertCleanRefusal(r, what);
      assert.equal(r.code, 1, what);
      for (const path of issues) assert.ok(r.stderr.includes(`  ${path}: `), `${what}: ${path} not named in\n${r.stderr}`);
      assert.deepEqual(leftovers(root, id, bundle), [], what);
    }
    assert.equal(tried, 30);
    assert.deepEqual(readdirSync(root), []);
  });
});
