// Entry points that read a container config: from a file (lxc-start, lxc-info) or from
// text (tests, lxc-create before anything is on disk). Either returns a validated LxcConfig
// or throws one ConfigError listing every problem.
import { Problems } from './errors.js';
import { nodeFs, readAllEntries, readText, type ConfigFs } from './loader.js';
import type { LxcConfig } from './model.js';
import { buildConfig } from './resolve.js';
import { validateConfig } from './validate.js';

export interface LoadOptions {
  /** the global defaults, read first (e.g. /etc/corral/default.conf); a missing file is fine */
  defaults?: string;
  /** the container's name, for messages */
  name?: string;
  /** the file-system seam; the real file system by default */
  fs?: ConfigFs;
}

function load(file: string, text: string | undefined, opts: LoadOptions & { file?: string }): LxcConfig {
  const fs = opts.fs ?? nodeFs;
  const problems = new Problems();
  const raw = readAllEntries({ fs, problems, defaults: opts.defaults }, file, text);
  const cfg = buildConfig(raw, problems, {
    file: text === undefined ? file : opts.file,
    readText: (path, from, key) => readText(fs, path, problems, from, key),
  });
  validateConfig(cfg, problems);
  problems.throwIfAny(opts.name);
  cfg.warnings = problems.warnings;
  return cfg;
}

/** Read `<lxcpath>/<name>/config` (or any config file), its includes and the defaults. */
export function loadConfig(file: string, opts: LoadOptions = {}): LxcConfig {
  return load(file, undefined, opts);
}

/** The same from text; `file` names it in messages and anchors relative includes. */
export function parseConfig(text: string, opts: LoadOptions & { file?: string } = {}): LxcConfig {
  return load(opts.file ?? '(config)', text, opts);
}
