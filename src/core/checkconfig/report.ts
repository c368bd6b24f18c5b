// Rendering of check results for people (LXC's sections and `Name: value` lines) and for
// machines (--json), and the exit-code rule both share.
import type { CheckResult, Section } from './types.js';

export const SECTION_TITLES: Record<Section, string> = {
  kernel: 'Kernel',
  namespaces: 'Namespaces',
  cgroups: 'Control groups',
  network: 'Misc / network',
  security: 'Security',
  userns: 'User namespaces (for unprivileged containers)',
  checkpoint: 'Checkpoint/Restore',
};

const ORDER = Object.keys(SECTION_TITLES) as Section[];

/**
 * What keeps a privileged system container from running: a required check that is missing,
 * or that nothing could confirm (we do not claim support we could not see).
 */
export function blockers(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => r.required && (r.status === 'missing' || r.status === 'unknown'));
}

/** 0: everything a privileged system container needs is there; 1 otherwise. Warnings never fail. */
export function exitCodeFor(results: CheckResult[]): 0 | 1 {
  return blockers(results).length > 0 ? 1 : 0;
}

/** Unprivileged readiness: the user namespace itself and everything in its section. */
function unprivilegedGaps(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => (r.section === 'userns' || r.id === 'ns.user') && r.status !== 'ok');
}

export interface TextOptions {
  /** ANSI green/red; the CLI turns it on for a terminal without NO_COLOR */
  color: boolean;
}

function paint(r: CheckResult, color: boolean): string {
  if (!color) return r.detail;
  if (r.status === 'ok') return `\x1b[32m${r.detail}\x1b[0m`;
  return r.status === 'missing' ? `\x1b[31m${r.detail}\x1b[0m` : r.detail;
}

function summary(results: CheckResult[], color: boolean): string[] {
  const missing = blockers(results);
  const gaps = unprivilegedGaps(results);
  const privileged: CheckResult = missing.length === 0
    ? { id: '', section: 'kernel', name: '', required: true, status: 'ok', detail: 'supported' }
    : { id: '', section: 'kernel', name: '', required: true, status: 'missing', detail: `not supported (${missing.map((r) => r.name).join(', ')})` };
  const lines = [`Privileged system containers: ${paint(privileged, color)}`];
  if (results.some((r) => r.section === 'userns')) {
    lines.push(`Unprivileged containers: ${gaps.length === 0 ? 'ready' : `not ready (${gaps.map((r) => r.name).join(', ')})`}`);
  }
  return lines;
}

export function renderText(results: CheckResult[], opts: TextOptions): string {
  const out: string[] = [];
  // without a kernel config, one hint would otherwise repeat under every line
  const hinted = new Set<string>();
  for (const section of ORDER) {
    const rows = results.filter((r) => r.section === section);
    if (rows.length === 0) continue;
    out.push(`--- ${SECTION_TITLES[section]} ---`);
    for (const r of rows) {
      out.push(`${r.name}: ${paint(r, opts.color)}`);
      if (!r.hint || r.status === 'ok') continue;
      out.push(`  hint: ${hinted.has(r.hint) ? 'as above' : r.hint}`);
      hinted.add(r.hint);
    }
    out.push('');
  }
  out.push(...summary(results, opts.color));
  return `${out.join('\n')}\n`;
}

export interface JsonCheck {
  id: string;
  section: Section;
  name: string;
  status: CheckResult['status'];
  detail: string;
  hint: string | null;
  required: boolean;
}

export interface JsonReport {
  /** privileged system containers can run: the same rule as the exit code */
  ok: boolean;
  exitCode: 0 | 1;
  /** ids of the required checks that failed */
  blockers: string[];
  checks: JsonCheck[];
}

export function toJson(results: CheckResult[]): JsonReport {
  const exitCode = exitCodeFor(results);
  return {
    ok: exitCode === 0,
    exitCode,
    blockers: blockers(results).map((r) => r.id),
    checks: results.map((r) => ({ id: r.id, section: r.section, name: r.name, status: r.status, detail: r.detail, hint: r.hint ?? null, required: r.required })),
  };
}
