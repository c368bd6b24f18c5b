// Entry points: validate a parsed config.json or exec process file into a typed, normalised
// value, or throw one SpecError listing every problem.
//
// Two passes: the declarative schema (types, enums, unknown fields), then cross-field rules.
// The second pass only runs on a structurally valid document, because its rules assume the
// types are right; a user with a typo sees the structural issues first.
import { SpecError } from './errors.js';
import { processSchema, seccompSchema, specSchema } from './oci-schema.js';
import type { Ctx, Schema } from './schema.js';
import {
  checkCgroupsPath,
  checkDevices,
  checkHooks,
  checkHostname,
  checkIdMappings,
  checkNamespaces,
  checkPathLists,
  checkTimeOffsets,
  checkVersion,
  namespaceMap,
  normalizeMounts,
  resolveRoot,
} from './semantic.js';
import { checkProcess } from './semantic-process.js';
import { checkSeccomp, checkSysctl } from './semantic-security.js';
import type { Process, Seccomp, Spec, SpecIssue, ValidatedSpec } from './types.js';

export { SpecError } from './errors.js';
export { parseSpecFile } from './json.js';

export interface ValidateOptions {
  /** Bundle directory: relative root.path is resolved against it. */
  bundle: string;
  /** `process` is optional in config.json but required to create a container (default true). */
  requireProcess?: boolean;
}

function structural(schema: Schema, input: unknown, root: string): { value: unknown; ctx: Ctx } {
  // Validate a private copy: normalisation (null fields, mount paths, root.path) edits it.
  const value = input === undefined ? undefined : structuredClone(input);
  const ctx: Ctx = { issues: [], warnings: [] };
  schema.check(value, root, ctx);
  if (ctx.issues.length > 0) throw new SpecError(ctx.issues);
  return { value, ctx };
}

function semantic(spec: Spec, opts: ValidateOptions, ctx: Ctx): void {
  checkVersion(spec, ctx);
  resolveRoot(spec, opts.bundle, ctx);
  if (spec.process) checkProcess(spec.process, '$.process', ctx);
  else if (opts.requireProcess ?? true) ctx.issues.push({ path: '$.process', message: 'required field is missing' });
  normalizeMounts(spec, ctx);
  checkHooks(spec, ctx);
  const ns = namespaceMap(spec);
  checkNamespaces(spec, ctx);
  checkIdMappings(spec, ns, ctx);
  checkTimeOffsets(spec, ns, ctx);
  checkHostname(spec, ns, ctx);
  checkSysctl(spec, ns, ctx);
  checkDevices(spec, ctx);
  checkCgroupsPath(spec, ctx);
  checkPathLists(spec, ctx);
  checkSeccomp(spec, ctx);
}

/**
 * Validates a parsed config.json. Returns a normalised deep copy (root.path absolute, relative
 * mount destinations made absolute, null optional fields removed) plus warnings for accepted
 * fields Corral ignores. Throws SpecError listing every issue.
 */
export function validateSpec(input: unknown, opts: ValidateOptions): ValidatedSpec {
  const { value, ctx } = structural(specSchema, input, '$');
  const spec = value as Spec;
  semantic(spec, opts, ctx);
  if (ctx.issues.length > 0) throw new SpecError(ctx.issues);
  return { spec, warnings: ctx.warnings };
}

/**
 * Validates a process object: the `exec --process` file (pathPrefix '$') or a process embedded
 * elsewhere (pathPrefix e.g. '$.process'), with the same rules as config.json's `process`.
 */
export function validateProcess(input: unknown, pathPrefix = '$'): { process: Process; warnings: SpecIssue[] } {
  const { value, ctx } = structural(processSchema, input, pathPrefix);
  const process = value as Process;
  checkProcess(process, pathPrefix, ctx);
  if (ctx.issues.length > 0) throw new SpecError(ctx.issues);
  return { process, warnings: ctx.warnings };
}

/** Validates an OCI linux.seccomp object on its own (a profile file), with the same rules. */
export function validateSeccomp(input: unknown): Seccomp {
  const { value, ctx } = structural(seccompSchema, input, '$.linux.seccomp');
  const seccomp = value as Seccomp;
  checkSeccomp({ ociVersion: '', linux: { seccomp } }, ctx);
  if (ctx.issues.length > 0) throw new SpecError(ctx.issues);
  return seccomp;
}
