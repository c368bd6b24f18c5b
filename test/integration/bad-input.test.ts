// Bad bundles are refused before anything is created: a clear error naming the JSON path,
// a non-zero exit, and no state, cgroup or mount left behind.
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeBundle, type TestBundle } from '../support/bundle.js';
import { hasBusybox, tempDir } from '../support/busybox.js';
import { corral, isRoot } from '../support/cli.js';
import { leftovers } from '../support/leftovers.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;

describe('oci create refuses bad bundles', { skip }, () => {
  const root = skip ? '' : tempDir('root');
  const bundles: TestBundle[] = [];
  after(() => {
    for (const b of bundles) rmSync(b.dir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  function refuse(name: string, edit: (b: TestBundle) => void, expected: RegExp): void {
    test(name, () => {
      const b = makeBundle(['true']);
      bundles.push(b);
      edit(b);
      const id = `bad-${bundles.length}-${process.pid}`;
      const r = corral(['oci', '--root', root, 'create', '--bundle', b.dir, id]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, expected);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(leftovers(root, id, b.dir), []);
      assert.deepEqual(readdirSync(root), []);
    });
  }

  refuse('malformed JSON names line and column', (b) => writeFileSync(join(b.dir, 'config.json'), '{\n  "ociVersion": "1.0.2",\n  "process": {,\n}'), /line 3, column/);
  refuse('unknown field names its path and a suggestion', (b) => {
    (b.spec.process as unknown as Record<string, unknown>).argz = ['x'];
    b.write();
  }, /\$\.process\.argz: unknown field.*did you mean "args"/);
  refuse('missing rootfs', (b) => {
    b.spec.root = { path: 'nothere' };
    b.write();
  }, /\$\.root\.path.*does not exist/);
  refuse('relative cwd', (b) => {
    b.spec.process!.cwd = 'tmp';
    b.write();
  }, /\$\.process\.cwd/);
  refuse('empty args', (b) => {
    b.spec.process!.args = [];
    b.write();
  }, /\$\.process\.args/);
  refuse('unknown capability', (b) => {
    b.spec.process!.capabilities!.bounding = ['CAP_FLY'];
    b.write();
  }, /CAP_FLY/);
  refuse('wrong type', (b) => {
    (b.spec.process!.user as unknown as Record<string, unknown>).uid = 'root';
    b.write();
  }, /\$\.process\.user\.uid/);
  refuse('missing config.json', (b) => rmSync(join(b.dir, 'config.json')), /config\.json/);
  refuse('an executable that is not in the rootfs', (b) => {
    b.spec.process!.args = ['/no/such/binary'];
    b.write();
  }, /\/no\/such\/binary.*ENOENT|ENOENT.*\/no\/such\/binary/);
});
