// Raw entries -> the effective config. Keys are looked up in the table; an empty value
// clears the key (and, for a prefix such as lxc.cgroup or lxc.net.0, everything under it),
// as LXC does; a later value of a single key replaces the earlier one. Each value is
// validated where it is written, so a bad line is reported even when a later line
// overrides it, and the survivors are replayed into the typed config.
import { Problems, type SourcePos } from './errors.js';
import { lookupKey, type ApplyCtx, type KeyDef } from './keys.js';
import type { RawEntry } from './loader.js';
import { emptyConfig, type LxcConfig } from './model.js';

interface Kept extends RawEntry {
  def: KeyDef;
  sub: string;
}

function clearUnder(kept: Kept[], def: KeyDef, key: string): Kept[] {
  return kept.filter((e) => !(e.def === def && (e.key === key || e.key.startsWith(`${key}.`))));
}

/** LSM keys whose value asks for no confinement need no warning: that is what they get. */
function wantsNothing(e: Kept): boolean {
  if (e.key === 'lxc.apparmor.profile') return e.value === 'unconfined' || e.value === 'unchanged';
  return e.key === 'lxc.apparmor.allow_nesting' || e.key === 'lxc.apparmor.allow_incomplete' ? e.value === '0' : false;
}

/** Look up, validate and clear; returns the entries that take effect, in order. */
export function effectiveEntries(raw: readonly RawEntry[], problems: Problems, touched: Set<string>): Kept[] {
  const scratch = emptyConfig();
  let kept: Kept[] = [];
  for (const e of raw) {
    const found = lookupKey(e.key);
    if ('error' in found) {
      problems.add(e.pos, e.key, found.error, found.hint);
      continue;
    }
    const { def, sub } = found;
    if (def.name === 'lxc.include') continue;
    touched.add(e.key);
    if (e.value === '') {
      kept = clearUnder(kept, def, e.key);
      kept.push({ ...e, def, sub });
      continue;
    }
    if (def.kind === 'prefix' && sub === '') {
      problems.add(e.pos, e.key, `${e.key} only takes an empty value, which clears every ${e.key}.* key`);
      continue;
    }
    try {
      def.apply(e.value, { cfg: scratch, pos: e.pos, sub });
    } catch (err) {
      problems.addError(e.pos, e.key, err);
      continue;
    }
    if (def.kind === 'single') kept = kept.filter((k) => k.key !== e.key);
    kept.push({ ...e, def, sub });
  }
  return kept;
}

export interface BuildOptions {
  file?: string;
  /** reads a file a value names (lxc.mount.fstab) */
  readText: (path: string, from: SourcePos, key: string) => string | undefined;
}

/** Replay the effective entries into a typed config; problems are collected, not thrown. */
export function buildConfig(raw: readonly RawEntry[], problems: Problems, opts: BuildOptions): LxcConfig {
  const cfg = emptyConfig(opts.file);
  const kept = effectiveEntries(raw, problems, cfg.touched);
  const warned = new Set<string>();
  for (const e of kept) {
    if (e.value === '') continue;
    const ctx: ApplyCtx = {
      cfg,
      pos: e.pos,
      sub: e.sub,
      readText: (path) => opts.readText(path, e.pos, e.key) ?? '',
      onFileError: (pos, err) => problems.addError(pos, 'lxc.mount.fstab', err),
    };
    try {
      e.def.apply(e.value, ctx);
    } catch (err) {
      problems.addError(e.pos, e.key, err);
    }
    if (e.def.ignored && !warned.has(e.key) && !wantsNothing(e)) {
      warned.add(e.key);
      problems.warn(e.pos, e.key, e.def.ignored);
    }
  }
  cfg.entries = kept.map(({ key, value, pos }) => ({ key, value, pos }));
  return cfg;
}
