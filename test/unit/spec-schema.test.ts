// The schema helpers, suggestion and JSON-position utilities behind validateSpec.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonErrorOffset, lineColumn } from '../../src/runtime/spec/json.js';
import { arrayOf, childPath, type Ctx, enumOf, object, oneOf, opt, str, uint32, unimplemented } from '../../src/runtime/spec/schema.js';
import { editDistance, suggest } from '../../src/runtime/spec/suggest.js';

function run(schema: ReturnType<typeof str>, value: unknown): Ctx {
  const ctx: Ctx = { issues: [], warnings: [] };
  schema.check(value, '$', ctx);
  return ctx;
}

describe('schema helpers', () => {
  test('childPath brackets keys that are not identifiers', () => {
    assert.equal(childPath('$.linux', 'sysctl'), '$.linux.sysctl');
    assert.equal(childPath('$.annotations', 'io.k8s/x'), '$.annotations["io.k8s/x"]');
  });

  test('oneOf accepts any alternative and reports a combined mismatch', () => {
    const s = oneOf(str(), uint32());
    assert.deepEqual(run(s, 'a').issues, []);
    assert.deepEqual(run(s, 3).issues, []);
    assert.deepEqual(run(s, -1).issues, [{ path: '$', message: 'expected string or uint32, got number -1' }]);
  });

  test('object: required, optional, unknown', () => {
    const s = object({ a: str(), b: opt(arrayOf(enumOf(['x', 'y']))) });
    assert.deepEqual(run(s, { a: '', b: ['x'] }).issues, []);
    assert.deepEqual(run(s, { b: ['z'], c: 1 }).issues, [
      { path: '$.a', message: 'required field is missing' },
      { path: '$.b[0]', message: 'expected one of x, y, got string "z"' },
      { path: '$.c', message: 'unknown field "c"; did you mean "a"?' },
    ]);
  });

  test('unimplemented warns only for valid, non-empty values', () => {
    const s = unimplemented(str(), 'ignored');
    assert.deepEqual(run(s, 'x').warnings, [{ path: '$', message: 'not implemented by Corral; ignored' }]);
    assert.deepEqual(run(s, '').warnings, []);
    const bad = run(s, 1);
    assert.equal(bad.issues.length, 1);
    assert.deepEqual(bad.warnings, []);
  });
});

describe('suggestions', () => {
  test('edit distance counts a transposition as one edit and ignores case', () => {
    assert.equal(editDistance('hostnmae', 'hostname'), 1);
    assert.equal(editDistance('CWD', 'cwd'), 0);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  test('far-fetched suggestions are withheld', () => {
    assert.equal(suggest('rootfs', ['root', 'mounts']), 'root');
    assert.equal(suggest('banana', ['root', 'mounts']), undefined);
  });
});

describe('JSON error positions', () => {
  const at = (text: string) => lineColumn(text, jsonErrorOffset(text));

  test('locates the first error', () => {
    assert.deepEqual(at('{"a": [1, 2,]}'), { line: 1, column: 13 });
    assert.deepEqual(at('{\n "a": "x\ty"\n}'), { line: 2, column: 9 }); // raw tab in a string
    assert.deepEqual(at('{"a": 1} x'), { line: 1, column: 10 });
    assert.deepEqual(at('{"a": nul}'), { line: 1, column: 10 });
    assert.deepEqual(at('{"a": "\\q"}'), { line: 1, column: 9 });
  });

  test('valid JSON scans to the end', () => {
    const text = '{"a": [true, false, null, -1.5e3, "\\u00e9\\n"], "b": {}}';
    assert.equal(jsonErrorOffset(text), text.length);
  });
});
