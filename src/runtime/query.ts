// Read-only commands: state, list, ps. They take no lock and derive status from the kernel.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { CorralError } from '../util/errors.js';
import type { RuntimeContext } from './context.js';
import { containerStatus, ociState, type OciState } from './oci-state.js';

export async function state(ctx: RuntimeContext, id: string): Promise<OciState> {
  const record = ctx.store.load(id);
  return ociState(record, await containerStatus(ctx, record));
}

export async function list(ctx: RuntimeContext): Promise<OciState[]> {
  const out: OciState[] = [];
  for (const id of ctx.store.ids()) {
    try {
      out.push(await state(ctx, id));
    } catch {
      // removed while we were listing
    }
  }
  return out;
}

export async function pids(ctx: RuntimeContext, id: string): Promise<number[]> {
  const record = ctx.store.load(id);
  if (!record.cgroup) return [];
  return (await ctx.cgroups.pids(record.cgroup)).sort((a, b) => a - b);
}

/** `ps` table: the host's ps output restricted to the container's processes (as runc). */
export async function psTable(ctx: RuntimeContext, id: string, psArgs: string[]): Promise<string> {
  const wanted = new Set(await pids(ctx, id));
  const args = psArgs.length > 0 ? psArgs : ['-ef'];
  let output: string;
  try {
    output = execFileSync('ps', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (err) {
    throw new CorralError('INTERNAL', `ps ${args.join(' ')} failed: ${(err as Error).message}`);
  }
  const lines = output.split('\n').filter((l) => l.length > 0);
  const header = lines[0] ?? '';
  const pidColumn = header.trim().split(/\s+/).indexOf('PID');
  if (pidColumn < 0) throw new CorralError('INVALID_ARGUMENT', `ps ${args.join(' ')} prints no PID column`, { hint: 'include PID in the ps format' });
  const rows = lines.slice(1).filter((l) => wanted.has(Number(l.trim().split(/\s+/)[pidColumn])));
  return [header, ...rows].join('\n') + '\n';
}

export function formatList(states: OciState[]): string {
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
  for (const s of states) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n') + '\n';
}

export function bundleExists(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
