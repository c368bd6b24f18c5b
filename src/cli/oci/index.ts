// `corral oci`: the runc-compatible command family. Command modules are data plus a run
// function that loads the runtime code it needs lazily, so `state` never pays for `create`.
import type { CommandSpec } from '../args.js';
import { command as create } from './create.js';
import { command as del } from './delete.js';
import { command as exec } from './exec.js';
import { command as features } from './features.js';
import { command as kill } from './kill.js';
import { command as list } from './list.js';
import { pauseCommand, resumeCommand } from './pause.js';
import { command as ps } from './ps.js';
import { command as run } from './run.js';
import { command as spec } from './spec.js';
import { command as start } from './start.js';
import { command as state } from './state.js';
import { command as update } from './update.js';

export { applyLogTarget, OCI_GLOBAL_OPTIONS } from './common.js';

export const OCI_COMMANDS: CommandSpec[] = [spec, create, start, run, state, kill, del, exec, ps, list, pauseCommand, resumeCommand, update, features];

/** runc commands Corral does not implement: refused with a reason (exit 1), not as a typo. */
export const OCI_UNSUPPORTED: Record<string, string> = {
  checkpoint: 'checkpoint is not supported: Corral has no CRIU checkpoint/restore',
  restore: 'restore is not supported: Corral has no CRIU checkpoint/restore',
  events: 'events is not supported: read the container\'s cgroup files (or use the client\'s own stats)',
};
