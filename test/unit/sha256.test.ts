import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha256Hex } from '../../src/util/sha256.js';

test('sha256Hex agrees with node:crypto on every length across block boundaries and on UTF-8', () => {
  const inputs = ['', 'abc', '/var/lib/corral', 'ü/容器/🙂', ...Array.from({ length: 200 }, (_, n) => 'x'.repeat(n))];
  for (const s of inputs) assert.equal(sha256Hex(s), createHash('sha256').update(s).digest('hex'), JSON.stringify(s));
});
