// lxc-autostart: start (or shut down, kill, reboot) the auto-started containers of a store
// in their lxc.start.order, each wave of containers at once (src/core/autostart-plan.ts).
import type { RuntimeContext } from '../runtime/context.js';
import { CorralError } from '../util/errors.js';
import { type AutostartCandidate, type AutostartSelection, selectAutostart, startWaves, stopWaves, type Wave } from './autostart-plan.js';
import { launchOf, loadStored } from './launch.js';
import { startContainer } from './start.js';
import { stateOf } from './state.js';
import { stopContainer } from './stop.js';
import type { ContainerStore } from './store.js';

export type AutostartAction = 'start' | 'shutdown' | 'kill' | 'reboot';

export interface AutostartOptions extends AutostartSelection {
  action: AutostartAction;
  /** shutdown/reboot: seconds before the kill */
  timeout: number;
  /** at most this many containers in flight at once */
  parallel?: number;
  onResult?: (r: AutostartResult) => void;
}

export interface AutostartResult {
  name: string;
  /** what was done; 'skipped': already in the wanted state */
  outcome: 'started' | 'stopped' | 'killed' | 'rebooted' | 'skipped' | 'failed';
  error?: string;
}

/** The store's containers as autostart sees them; a config that does not load is left out (ls shows it). */
export function autostartCandidates(store: ContainerStore): AutostartCandidate[] {
  const out: AutostartCandidate[] = [];
  for (const name of store.names()) {
    try {
      const cfg = loadStored(store, name);
      out.push({ name, auto: cfg.start.auto, order: cfg.start.order, delay: cfg.start.delay, groups: cfg.groups });
    } catch {
      // not loadable: nothing autostart could do with it
    }
  }
  return out;
}

export function autostartPlan(store: ContainerStore, opts: AutostartSelection & { action: AutostartAction }): Wave[] {
  const selected = selectAutostart(autostartCandidates(store), opts);
  return opts.action === 'start' ? startWaves(selected) : stopWaves(selected);
}

async function act(store: ContainerStore, ctx: RuntimeContext, name: string, opts: AutostartOptions): Promise<AutostartResult> {
  try {
    const { state } = await stateOf(ctx, name);
    if (opts.action === 'start') {
      if (state !== 'STOPPED') return { name, outcome: 'skipped' };
      await startContainer(store, ctx, name);
      return { name, outcome: 'started' };
    }
    if (state === 'STOPPED') return { name, outcome: 'skipped' };
    const launch = launchOf(store, name);
    const base = { haltSignal: launch.haltSignal, rebootSignal: launch.rebootSignal, timeout: opts.timeout };
    if (opts.action === 'reboot') await stopContainer(ctx, name, { ...base, reboot: true });
    else await stopContainer(ctx, name, { ...base, kill: opts.action === 'kill' });
    return { name, outcome: opts.action === 'kill' ? 'killed' : opts.action === 'reboot' ? 'rebooted' : 'stopped' };
  } catch (err) {
    return { name, outcome: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, results in the order of `items`. */
async function pooled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function autostart(store: ContainerStore, ctx: RuntimeContext, opts: AutostartOptions): Promise<AutostartResult[]> {
  const parallel = opts.parallel ?? 16;
  if (!Number.isInteger(parallel) || parallel < 1) throw new CorralError('INVALID_ARGUMENT', `--parallel ${parallel}: expected a whole number >= 1`);
  const results: AutostartResult[] = [];
  for (const wave of autostartPlan(store, opts)) {
    const done = await pooled(wave.names, parallel, async (name) => {
      const r = await act(store, ctx, name, opts);
      opts.onResult?.(r);
      return r;
    });
    results.push(...done);
    if (opts.action === 'start' && wave.delay > 0) await new Promise((r) => setTimeout(r, wave.delay * 1000));
  }
  return results;
}
