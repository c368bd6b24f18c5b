// LXC's view of a container's state, derived from the OCI runtime's (which reads the
// kernel, never trusts a file alone): STOPPED, STARTING, RUNNING, FROZEN.
import { RuntimeContext, type LogLevel } from '../runtime/context.js';
import { containerStatus } from '../runtime/oci-state.js';
import type { ContainerRecord } from '../runtime/state-store.js';
import { CorralError } from '../util/errors.js';
import { isSameProcessAlive } from '../util/proc.js';
import type { ContainerStore } from './store.js';
import { isRootCaller } from './userns/caller.js';
import { UserRuntimeContext } from './userns/context.js';

export type LxcState = 'STOPPED' | 'STARTING' | 'RUNNING' | 'FROZEN';

export interface StateView {
  state: LxcState;
  /** host pid of init, when running */
  pid?: number;
  record?: ContainerRecord;
  /** a runtime record whose container is gone (monitor killed): cleanup is due */
  stale: boolean;
  /** the monitor still runs (it will clean up after init itself) */
  monitorAlive: boolean;
}

export function runtimeFor(store: ContainerStore, opts: { debug?: boolean; log?: (level: LogLevel, msg: string) => void } = {}): RuntimeContext {
  const options = { root: store.runtimeRoot, debug: opts.debug, log: opts.log };
  // an ordinary user's cgroups are the delegated ones, or none
  return isRootCaller() ? new RuntimeContext(options) : new UserRuntimeContext(options);
}

export async function stateOf(ctx: RuntimeContext, name: string): Promise<StateView> {
  let record: ContainerRecord;
  try {
    record = ctx.store.load(name);
  } catch (err) {
    if (err instanceof CorralError && err.code === 'NOT_FOUND') return { state: 'STOPPED', stale: false, monitorAlive: false };
    throw err;
  }
  const status = await containerStatus(ctx, record);
  const monitorAlive = record.monitor !== undefined && isSameProcessAlive(record.monitor.pid, record.monitor.startTime);
  switch (status) {
    case 'created':
    case 'creating':
      return { state: 'STARTING', pid: record.pid, record, stale: false, monitorAlive };
    case 'running':
      return { state: 'RUNNING', pid: record.pid, record, stale: false, monitorAlive };
    case 'paused':
      return { state: 'FROZEN', pid: record.pid, record, stale: false, monitorAlive };
    default:
      return { state: 'STOPPED', record, stale: true, monitorAlive };
  }
}
