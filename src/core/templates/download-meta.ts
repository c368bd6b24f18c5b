// An image's metadata tarball (incus.tar.xz / lxd.tar.xz): metadata.yaml (architecture,
// creation date, properties, template rules) and templates/ (pongo2 files rendered into the
// rootfs when an instance is created: /etc/hostname, /etc/hosts, ...).
//
// We render what a container needs at create time with the subset of pongo2 those files
// use — `{{ container.name }}` / `{{ instance.name }}`, `{{ properties.KEY }}`,
// `config_get("key", "default")` (no instance config here: the default). A template with
// control tags or an expression we do not know is skipped and reported, never written
// half rendered. Every path is resolved inside its tree (image/layers.ts resolveInRoot).
import { existsSync, lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { resolveInRoot } from '../image/layers.js';
import { safeRelativePath } from '../image/simplestreams.js';
import { parseYaml, type Yaml } from './download-yaml.js';

const MAX_META_FILE = 1 << 20;

export interface TemplateRule {
  /** the file in the container, absolute */
  path: string;
  template: string;
  when: string[];
  properties: Record<string, string>;
}

export interface ImageMetadata {
  architecture?: string;
  creationDate?: number;
  properties: Record<string, string>;
  templates: TemplateRule[];
}

const isMap = (v: Yaml | undefined): v is { [key: string]: Yaml } => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: Yaml | undefined): Record<string, string> =>
  isMap(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};

export function parseMetadata(text: string): ImageMetadata {
  const doc = parseYaml(text);
  if (!isMap(doc)) throw new CorralError('INVALID_ARGUMENT', 'metadata.yaml is not a mapping', { hint: 'the image is damaged' });
  const templates: TemplateRule[] = [];
  if (isMap(doc.templates)) {
    for (const [path, rule] of Object.entries(doc.templates)) {
      if (!isMap(rule) || typeof rule.template !== 'string' || !path.startsWith('/')) continue;
      const when = Array.isArray(rule.when) ? rule.when.filter((w): w is string => typeof w === 'string') : [];
      templates.push({ path, template: rule.template, when, properties: strings(rule.properties) });
    }
  }
  const created = typeof doc.creation_date === 'string' ? Number(doc.creation_date) : NaN;
  return {
    architecture: typeof doc.architecture === 'string' ? doc.architecture : undefined,
    creationDate: Number.isFinite(created) ? created : undefined,
    properties: strings(doc.properties),
    templates,
  };
}

export interface RenderContext {
  name: string;
  arch: string;
  properties: Record<string, string>;
}

function evaluate(expr: string, c: RenderContext): string | undefined {
  const e = expr.trim();
  if (e === 'container.name' || e === 'instance.name') return c.name;
  if (e === 'container.type' || e === 'instance.type') return 'container';
  if (e === 'container.architecture' || e === 'instance.architecture') return c.arch;
  const prop = /^properties\.([A-Za-z0-9_.-]+)$/.exec(e);
  if (prop) return c.properties[prop[1]!] ?? '';
  const str = /^"([^"]*)"$|^'([^']*)'$/.exec(e);
  if (str) return str[1] ?? str[2]!;
  const get = /^config_get\(\s*("[^"]*"|'[^']*')\s*,\s*("[^"]*"|'[^']*'|properties\.[A-Za-z0-9_.-]+)\s*\)$/.exec(e);
  if (get) return evaluate(get[2]!, c);
  return undefined;
}

/** The rendered text, or undefined when the template needs more than this subset. */
export function renderTemplate(text: string, c: RenderContext): string | undefined {
  if (text.includes('{%')) return undefined;
  let ok = true;
  const out = text.replace(/\{\{([^}]*)\}\}/g, (_, expr: string) => {
    const v = evaluate(expr, c);
    if (v === undefined) ok = false;
    return v ?? '';
  });
  return ok ? out : undefined;
}

export interface TemplateReport {
  applied: string[];
  skipped: { path: string; why: string }[];
}

function readTemplate(metaDir: string, name: string): string | undefined {
  const rel = safeRelativePath(name);
  if (!rel) return undefined;
  const path = resolveInRoot(metaDir, `templates/${rel}`);
  if (!existsSync(path)) return undefined;
  const st = statSync(path);
  if (!st.isFile() || st.size > MAX_META_FILE) return undefined;
  return readFileSync(path, 'utf8');
}

/** Render the rules that apply at create time into the rootfs. */
export function applyTemplates(metaDir: string, rootfs: string, meta: ImageMetadata, c: Omit<RenderContext, 'properties'>): TemplateReport {
  const report: TemplateReport = { applied: [], skipped: [] };
  for (const rule of meta.templates) {
    if (!rule.when.includes('create')) {
      report.skipped.push({ path: rule.path, why: `applied only on ${rule.when.join(', ') || 'nothing'}` });
      continue;
    }
    const text = readTemplate(metaDir, rule.template);
    if (text === undefined) {
      report.skipped.push({ path: rule.path, why: `template ${rule.template} is missing or not a file` });
      continue;
    }
    const rendered = renderTemplate(text, { ...c, properties: rule.properties });
    if (rendered === undefined) {
      report.skipped.push({ path: rule.path, why: 'needs pongo2 features Corral does not render' });
      continue;
    }
    const target = resolveInRoot(rootfs, rule.path);
    const st = existsSync(target) ? lstatSync(target) : undefined;
    if (st && !st.isFile()) {
      report.skipped.push({ path: rule.path, why: 'is not a regular file in the image' });
      continue;
    }
    if (!existsSync(join(target, '..'))) {
      report.skipped.push({ path: rule.path, why: 'its directory is not in the image' });
      continue;
    }
    writeFileSync(target, rendered, { mode: st ? st.mode & 0o7777 : 0o644 });
    report.applied.push(rule.path);
  }
  return report;
}

/** metadata.yaml of an extracted metadata tarball. */
export function readMetadata(metaDir: string): ImageMetadata {
  const path = resolveInRoot(metaDir, 'metadata.yaml');
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new CorralError('INVALID_ARGUMENT', 'the image metadata has no metadata.yaml', { hint: 'the image is not an LXD/Incus container image' });
  }
  if (statSync(path).size > MAX_META_FILE) throw new CorralError('INVALID_ARGUMENT', 'metadata.yaml is larger than 1 MiB', { hint: 'the image is damaged' });
  return parseMetadata(readFileSync(path, 'utf8'));
}
