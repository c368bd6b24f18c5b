// A tiny declarative schema: each helper returns a checker that records issues (errors) and
// warnings with JSONPath-like paths instead of throwing, so one pass reports every problem.
// Structural only (types, ranges, enums, unknown fields); cross-field rules live in semantic.ts.
import { didYouMean } from './suggest.js';
import type { SpecIssue } from './types.js';

export interface Ctx {
  issues: SpecIssue[];
  warnings: SpecIssue[];
}

export interface Schema {
  /** What the value should be, for "expected ..." messages. */
  readonly expected: string;
  readonly optional: boolean;
  check(value: unknown, path: string, ctx: Ctx): void;
}

export type Shape = Record<string, Schema>;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function childPath(path: string, key: string): string {
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}

function make(expected: string, check: Schema['check']): Schema {
  return { expected, optional: false, check };
}

function mismatch(ctx: Ctx, path: string, expected: string, value: unknown): void {
  ctx.issues.push({ path, message: `expected ${expected}, got ${describe(value)}` });
}

export function opt(schema: Schema): Schema {
  return { ...schema, optional: true };
}

// Strings end up as C strings (paths, argv, mount data): a NUL would cut them short, and the
// plan encoder refuses them. (Found by test/unit/spec-fuzz.test.ts.)
const NUL_BYTE = 'contains a NUL byte';

export function str(pattern?: RegExp, expected = 'string'): Schema {
  return make(expected, (v, path, ctx) => {
    if (typeof v === 'string' && v.includes('\0')) ctx.issues.push({ path, message: NUL_BYTE });
    else if (typeof v !== 'string' || (pattern && !pattern.test(v))) mismatch(ctx, path, expected, v);
  });
}

export function bool(): Schema {
  return make('boolean', (v, path, ctx) => {
    if (typeof v !== 'boolean') mismatch(ctx, path, 'boolean', v);
  });
}

/** Integer in [min, max]. Bounds of 64-bit types are approximate (doubles), which is all
 *  JSON.parse can give us anyway. */
export function integer(min: number, max: number, expected = 'integer'): Schema {
  return make(expected, (v, path, ctx) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) mismatch(ctx, path, expected, v);
  });
}

export const uint16 = (): Schema => integer(0, 0xffff, 'uint16');
export const int32 = (): Schema => integer(-(2 ** 31), 2 ** 31 - 1, 'int32');
export const uint32 = (): Schema => integer(0, 2 ** 32 - 1, 'uint32');
export const int64 = (): Schema => integer(-(2 ** 63), 2 ** 63, 'int64');
export const uint64 = (): Schema => integer(0, 2 ** 64, 'uint64');

/** One of a fixed set of strings. Long sets (capabilities) name the kind of value and suggest
 *  the nearest instead of printing dozens of alternatives. */
export function enumOf(values: readonly string[], label?: string): Schema {
  const expected = label ?? `one of ${values.join(', ')}`;
  return make(expected, (v, path, ctx) => {
    if (typeof v === 'string' && values.includes(v)) return;
    if (typeof v !== 'string' || label === undefined) return mismatch(ctx, path, expected, v);
    ctx.issues.push({ path, message: `unknown ${label} ${JSON.stringify(v)}${didYouMean(v, values)}` });
  });
}

export function arrayOf(item: Schema): Schema {
  return make(`array of ${item.expected}`, (v, path, ctx) => {
    if (!Array.isArray(v)) return mismatch(ctx, path, 'array', v);
    v.forEach((el, i) => item.check(el, `${path}[${i}]`, ctx));
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** String-keyed map; `keys` optionally restricts the key set. */
export function record(value: Schema, keys?: Schema): Schema {
  return make(`object of ${value.expected}`, (v, path, ctx) => {
    if (!isPlainObject(v)) return mismatch(ctx, path, 'object', v);
    for (const [k, el] of Object.entries(v)) {
      const at = childPath(path, k);
      if (k.includes('\0')) ctx.issues.push({ path: at, message: `key ${NUL_BYTE}` });
      else if (keys) keys.check(k, at, ctx);
      value.check(el, at, ctx);
    }
  });
}

/**
 * Object with a closed set of fields. A field outside the set is an error with a near-miss
 * suggestion (a typo must not be silently ignored, as Go's decoder would). An optional field
 * set to null is treated as absent and deleted, mirroring Go's handling of null pointers;
 * validation runs on a private copy, so this never touches the caller's data.
 */
export function object(shape: Shape): Schema {
  return make('object', (v, path, ctx) => {
    if (!isPlainObject(v)) return mismatch(ctx, path, 'object', v);
    for (const [key, schema] of Object.entries(shape)) {
      const at = childPath(path, key);
      if (v[key] === undefined || (v[key] === null && schema.optional)) {
        delete v[key];
        if (!schema.optional) ctx.issues.push({ path: at, message: 'required field is missing' });
        continue;
      }
      schema.check(v[key], at, ctx);
    }
    for (const key of Object.keys(v)) {
      if (Object.hasOwn(shape, key)) continue;
      ctx.issues.push({ path: childPath(path, key), message: `unknown field ${JSON.stringify(key)}${didYouMean(key, Object.keys(shape))}` });
    }
  });
}

/** Accepts the value if any alternative accepts it; reports one combined mismatch otherwise. */
export function oneOf(...alternatives: Schema[]): Schema {
  const expected = alternatives.map((a) => a.expected).join(' or ');
  return make(expected, (v, path, ctx) => {
    for (const alt of alternatives) {
      const scratch: Ctx = { issues: [], warnings: [] };
      alt.check(v, path, scratch);
      if (scratch.issues.length === 0) {
        ctx.warnings.push(...scratch.warnings);
        return;
      }
    }
    mismatch(ctx, path, expected, v);
  });
}

/** Any JSON object, not inspected: sections for other platforms, which Linux ignores. */
export function anyObject(): Schema {
  return make('object', (v, path, ctx) => {
    if (!isPlainObject(v)) mismatch(ctx, path, 'object', v);
  });
}

function isEmpty(v: unknown): boolean {
  if (v === '' || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isPlainObject(v) && Object.keys(v).length === 0;
}

/**
 * A valid spec field that Corral does not act on. It is accepted (configs written for runc must
 * keep working) but a non-empty value earns a warning, since the container will behave
 * differently from what the config asks for.
 */
export function unimplemented(schema: Schema, consequence: string): Schema {
  return {
    ...schema,
    check(v, path, ctx) {
      const before = ctx.issues.length;
      schema.check(v, path, ctx);
      if (ctx.issues.length === before && !isEmpty(v)) ctx.warnings.push({ path, message: `not implemented by Corral; ${consequence}` });
    },
  };
}
