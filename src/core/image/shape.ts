// The JSON documents of an image (index, manifest, image config, docker manifest.json) come
// from whoever built the image: each is checked for the shape Corral reads before any field
// is used, so a broken or hostile one is a CorralError naming the field, never a TypeError
// somewhere later. (test/unit/image-fuzz.test.ts found those.) Fields Corral does not read
// are not checked.
import { CorralError } from '../../util/errors.js';
import type { Descriptor, ImageConfig } from './oci-layout.js';

type Obj = Record<string, unknown>;

function wrong(where: string, field: string, expected: string): never {
  throw new CorralError('INVALID_ARGUMENT', `${where}: ${field} must be ${expected}`, {
    hint: 'the image is damaged, or was not written by an OCI or docker tool',
  });
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function objectIn(v: unknown, where: string, field = 'the document'): Obj {
  return isObject(v) ? v : wrong(where, field, 'a JSON object');
}

function optString(o: Obj, key: string, where: string, prefix: string): void {
  if (o[key] !== undefined && typeof o[key] !== 'string') wrong(where, `${prefix}${key}`, 'a string');
}

/** An optional list of strings; `null` too where Docker writes it. */
function optStrings(o: Obj, key: string, where: string, prefix: string): void {
  const v = o[key];
  if (v === undefined || v === null) return;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) wrong(where, `${prefix}${key}`, 'a list of strings');
}

function optStringMap(o: Obj, key: string, where: string, prefix: string): void {
  const v = o[key];
  if (v !== undefined && (!isObject(v) || !Object.values(v).every((s) => typeof s === 'string'))) wrong(where, `${prefix}${key}`, 'an object of strings');
}

export function descriptor(v: unknown, where: string, field: string): Descriptor {
  const d = objectIn(v, where, field);
  if (typeof d.digest !== 'string') wrong(where, `${field}.digest`, 'a string');
  if (typeof d.mediaType !== 'string') wrong(where, `${field}.mediaType`, 'a string');
  if (d.size !== undefined && !(Number.isSafeInteger(d.size) && (d.size as number) >= 0)) wrong(where, `${field}.size`, 'a byte count');
  optStringMap(d, 'annotations', where, `${field}.`);
  if (d.platform !== undefined) {
    const p = objectIn(d.platform, where, `${field}.platform`);
    for (const k of ['architecture', 'os', 'variant']) optString(p, k, where, `${field}.platform.`);
  }
  return d as unknown as Descriptor;
}

/** A list of descriptors (absent: none). */
export function descriptors(v: unknown, where: string, field: string): Descriptor[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) wrong(where, field, 'a list');
  return v.map((d, i) => descriptor(d, where, `${field}[${i}]`));
}

/** The `config` of an image config blob (absent: empty). */
export function imageConfig(v: unknown, where: string): ImageConfig {
  if (v === undefined || v === null) return {};
  const c = objectIn(v, where, 'config');
  for (const k of ['User', 'WorkingDir', 'StopSignal']) optString(c, k, where, 'config.');
  for (const k of ['Env', 'Entrypoint', 'Cmd']) optStrings(c, k, where, 'config.');
  return c as ImageConfig;
}

export interface DockerManifestEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

export function dockerEntries(v: unknown, where: string): DockerManifestEntry[] {
  if (!Array.isArray(v)) wrong(where, 'the document', 'a list');
  return v.map((e, i) => {
    const o = objectIn(e, where, `[${i}]`);
    optString(o, 'Config', where, `[${i}].`);
    optStrings(o, 'RepoTags', where, `[${i}].`);
    optStrings(o, 'Layers', where, `[${i}].`);
    return o as DockerManifestEntry;
  });
}

/** rootfs.diff_ids of a docker image config: digests, one per layer. */
export function diffIds(image: Obj, where: string): string[] {
  const rootfs = image.rootfs === undefined ? {} : objectIn(image.rootfs, where, 'rootfs');
  optStrings(rootfs, 'diff_ids', where, 'rootfs.');
  const ids = (rootfs.diff_ids ?? []) as string[];
  for (const [i, id] of ids.entries()) if (!/^sha256:[0-9a-f]{64}$/.test(id)) wrong(where, `rootfs.diff_ids[${i}]`, 'a sha256 digest');
  return ids;
}
