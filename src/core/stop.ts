// lxc-stop: the halt signal (or reboot, or SIGKILL with -k) to init, wait for it to exit,
// kill after the timeout, then remove what the container held (cgroup, runtime state).
import { existsSync } from 'node:fs';
import type { RuntimeContext } from '../runtime/context.js';
import { destroy } from '../runtime/delete.js';
import { parseSignal } from '../runtime/signals.js';
import { CorralError } from '../util/errors.js';
import { netPaths } from './net/paths.js';
import { recordPath } from './net/records.js';
import { removeIfEmpty } from './lock.js';
import { monitorSession } from './monitor-request.js';
import { stateOf } from './state.js';

export interface StopOptions {
  kill?: boolean;
  reboot?: boolean;
  /** seconds to wait before SIGKILL; -1 waits forever */
  timeout?: number;
  noWait?: boolean;
  noKill?: boolean;
  haltSignal: string;
  rebootSignal: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Only a container that held host network devices has a record of them: the rest of the
 * network layer (bridges, leases, dnsmasq) is loaded for those alone.
 */
async function releaseNet(ctx: RuntimeContext, name: string): Promise<void> {
  if (!existsSync(recordPath(netPaths(), ctx.store.root, name))) return;
  const { releaseContainerNetwork } = await import('./net/index.js');
  releaseContainerNetwork(ctx.store.root, name, (m) => ctx.log('warning', m));
}

/**
 * Wait until init has exited (or the record is gone), or the deadline passes, then clean up
 * ourselves (the monitor was asked not to start its post-stop command; one it started
 * anyway, an older monitor's, finds nothing left to do).
 */
async function waitGone(ctx: RuntimeContext, name: string, deadline: number): Promise<boolean> {
  for (;;) {
    const view = await stateOf(ctx, name);
    if (view.state === 'STOPPED') {
      if (view.stale) await destroy(ctx, name, true);
      await releaseNet(ctx, name);
      removeIfEmpty(ctx.store.root);
      return true;
    }
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
}

async function untilOrDeadline(event: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([event, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
  clearTimeout(timer);
}

function signal(pid: number, sig: string | number): void {
  try {
    process.kill(pid, typeof sig === 'number' ? sig : parseSignal(sig));
  } catch {
    // exited meanwhile
  }
}

export async function stopContainer(ctx: RuntimeContext, name: string, opts: StopOptions): Promise<void> {
  const view = await stateOf(ctx, name);
  if (view.state === 'STOPPED') {
    if (view.stale) await destroy(ctx, name, true);
    else throw new CorralError('BAD_STATE', `container "${name}" is not running`);
    await releaseNet(ctx, name);
    return;
  }
  const pid = view.pid!;
  if (view.state === 'FROZEN' && view.record?.cgroup) await ctx.cgroups.thaw(view.record.cgroup);
  if (opts.reboot) {
    signal(pid, opts.rebootSignal);
    return;
  }
  if (opts.noWait) return signal(pid, opts.kill ? 'SIGKILL' : opts.haltSignal);
  const timeout = opts.kill ? 5 : (opts.timeout ?? 60);
  // This stop ends with the container gone and cleaned up (by us) within a bounded time: the
  // monitor need not start `corral internal post-stop`, a Node process, when init exits. It
  // keeps our connection open until it exits itself, which tells us when without polling.
  const monitor = timeout >= 0 && !opts.noKill ? monitorSession(ctx.store.dir(name), 'stopping') : undefined;
  const watching = (await monitor?.reply) === 'ok';
  signal(pid, opts.kill ? 'SIGKILL' : opts.haltSignal);
  const deadline = timeout < 0 ? Number.POSITIVE_INFINITY : Date.now() + timeout * 1000;
  if (watching) await untilOrDeadline(monitor!.closed, deadline);
  monitor?.close();
  if (await waitGone(ctx, name, deadline)) return;
  if (opts.noKill) throw new CorralError('BAD_STATE', `container "${name}" did not stop within ${timeout}s`, { hint: 'stop it at once with -k' });
  // the init ignored the halt signal: everything in the cgroup goes, then the cleanup
  if (view.record?.cgroup) await ctx.cgroups.killAll(view.record.cgroup, 'SIGKILL').catch(() => {});
  signal(pid, 'SIGKILL');
  if (!(await waitGone(ctx, name, Date.now() + 5000))) await destroy(ctx, name, true);
  await releaseNet(ctx, name);
}
