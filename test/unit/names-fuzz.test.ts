// Random container names (seeded; CORRAL_SEED=<n> replays): a name is either refused with a
// CorralError, or it is safe everywhere it goes: one directory level under the lxcpath and
// the runtime root, a valid OCI id, a lock that cannot be another container's state dir.
import assert from 'node:assert/strict';
import { basename, dirname } from 'node:path';
import { test } from 'node:test';
import { MAX_NAME, validateName } from '../../src/core/names.js';
import { ContainerStore } from '../../src/core/store.js';
import { validateId } from '../../src/runtime/state-store.js';
import { CorralError } from '../../src/util/errors.js';
import { intBelow, mulberry32, pick, seedFor, type Rand } from '../support/prng.js';

const PIECES = ['', '.', '..', '/', '-', '_', '+', 'a', 'Z', '9', ' ', '\t', '\n', '\\', '*', '?', '%', '~', '\u2603', '\u00e9', '\u200b', 'lock', '.lock', 'x'.repeat(MAX_NAME)];

function randomName(rand: Rand): string {
  const r = rand();
  if (r < 0.4) return Array.from({ length: intBelow(rand, 6) }, () => pick(rand, PIECES)).join('');
  // NUL-free random code points: bytes, then anything up to the astral planes
  const max = r < 0.7 ? 0x100 : 0x2ffff;
  return Array.from({ length: intBelow(rand, 90) }, () => String.fromCodePoint(1 + intBelow(rand, max - 1))).join('');
}

test('fuzz: container names are refused with a CorralError or safe as a path, an id and a lock', () => {
  const seed = seedFor(0x4a3e);
  const rand = mulberry32(seed);
  const store = new ContainerStore('/var/lib/corral-fuzz');
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    const name = randomName(rand);
    const where = `seed ${seed}, case ${i}: ${JSON.stringify(name)}`;
    try {
      validateName(name);
    } catch (err) {
      assert.ok(err instanceof CorralError && err.code === 'INVALID_ARGUMENT', `${where}: ${String(err)}`);
      continue;
    }
    accepted++;
    assert.ok(name.length >= 1 && name.length <= MAX_NAME, where);
    for (const dir of [store.dir(name), store.runDir(name)]) {
      assert.equal(basename(dir), name, where);
      assert.ok(dir === `${dirname(dir)}/${name}` && (dirname(dir) === store.lxcpath || dirname(dir) === store.runtimeRoot), where);
    }
    assert.doesNotThrow(() => validateId(name), where);
    // locks are ".<name>.lock": never a name, since a name starts with a letter or digit
    assert.throws(() => validateName(`.${name}.lock`), CorralError, where);
  }
  assert.ok(accepted > 100, `only ${accepted} names were valid`);
});

test('the edges: the longest name, and names that look like paths or options', () => {
  assert.equal(validateName('a'.repeat(MAX_NAME)), 'a'.repeat(MAX_NAME));
  for (const bad of ['', '.', '..', '/', 'a/b', 'a/..', '../a', '-n', '.hidden', 'a'.repeat(MAX_NAME + 1), 'a\nb', 'caf\u00e9']) {
    assert.throws(() => validateName(bad), (e: unknown) => e instanceof CorralError && e.code === 'INVALID_ARGUMENT', JSON.stringify(bad));
  }
});
