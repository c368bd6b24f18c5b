// lxc-ls: every container of a store with what --fancy shows. Read-only: no locks.
import type { RuntimeContext } from '../runtime/context.js';
import { loadStored } from './launch.js';
import { containerNet } from './net/stats.js';
import { stateOf, type LxcState } from './state.js';
import type { ContainerStore } from './store.js';

export interface ListEntry {
  name: string;
  state: LxcState;
  pid?: number;
  autostart: boolean;
  groups: string[];
  ipv4: string[];
  ipv6: string[];
  unprivileged: boolean;
  /** a config that does not load: shown, not fatal for the listing */
  error?: string;
}

export async function listContainers(store: ContainerStore, ctx: RuntimeContext): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  for (const name of store.names()) {
    const view = await stateOf(ctx, name).catch(() => ({ state: 'STOPPED' as const, pid: undefined }));
    const entry: ListEntry = { name, state: view.state, pid: view.pid, autostart: false, groups: [], ipv4: [], ipv6: [], unprivileged: false };
    if (view.pid && view.state !== 'STOPPED') ({ ipv4: entry.ipv4, ipv6: entry.ipv6 } = containerNet(view.pid));
    try {
      const cfg = loadStored(store, name);
      entry.autostart = cfg.start.auto;
      entry.groups = cfg.groups;
      entry.unprivileged = cfg.idmaps.length > 0;
    } catch (err) {
      entry.error = (err as Error).message.split('\n')[0];
    }
    out.push(entry);
  }
  return out;
}

const COLUMNS: Record<string, (e: ListEntry) => string> = {
  name: (e) => e.name,
  state: (e) => e.state,
  autostart: (e) => (e.autostart ? '1' : '0'),
  groups: (e) => (e.groups.length ? e.groups.join(',') : '-'),
  ipv4: (e) => (e.ipv4.length ? e.ipv4.join(', ') : '-'),
  ipv6: (e) => (e.ipv6.length ? e.ipv6.join(', ') : '-'),
  unprivileged: (e) => String(e.unprivileged),
  pid: (e) => (e.pid === undefined ? '-' : String(e.pid)),
};

export const FANCY_COLUMNS = ['name', 'state', 'autostart', 'groups', 'ipv4', 'ipv6', 'unprivileged'];

export function knownColumn(c: string): boolean {
  return c in COLUMNS;
}

/** LXC's --fancy table: upper-case headers, columns padded to their widest cell. */
export function fancyTable(entries: ListEntry[], columns: string[]): string {
  const rows = [columns.map((c) => c.toUpperCase()), ...entries.map((e) => columns.map((c) => COLUMNS[c]!(e)))];
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join(' ') + '\n').join('');
}
