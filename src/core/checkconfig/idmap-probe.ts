// The real idmapped-mount probe behind Host.idmapMount: a plan that makes a user namespace
// (0 -> 100000, the usual first subordinate range), asks stage 0 for an idmapped detached
// copy of dir into it, and exits. The copy is never attached; it goes with the helper.
import { HelperError, runHelper } from '../../runtime/helper.js';
import { CLONE } from '../../runtime/plan/linux-constants.js';
import type { Plan } from '../../runtime/plan/ops.js';
import { PROBE_TIMEOUT_MS, type ProbeOutcome } from './types.js';

export async function idmapMountProbe(dir: string): Promise<ProbeOutcome> {
  const plan: Plan = {
    ops: [
      { op: 'FOREGROUND', args: [] },
      { op: 'CLONE', args: [CLONE.NEWUSER] },
      { op: 'UID_MAP', args: ['0 100000 65536\n'] },
      { op: 'GID_MAP', args: ['0 100000 65536\n'] },
      { op: 'IDMAP_MOUNT', args: [dir, '', 0] },
      { op: 'EXEC', args: [1, '/bin/true', 0] },
    ],
  };
  let session;
  try {
    session = runHelper(plan, { context: 'idmapped mount probe', stdio: ['ignore', 'ignore', 'ignore'] });
  } catch (err) {
    return { kind: 'inconclusive', why: (err as Error).message };
  }
  const s = session;
  const timer = setTimeout(() => s.child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
  try {
    await s.pid;
    await s.exit;
    return { kind: 'ok' };
  } catch (err) {
    await s.exit.catch(() => 0);
    if (err instanceof HelperError && err.failure.op === 'IDMAP_MOUNT') return { kind: 'fail', why: `mount_setattr(MOUNT_ATTR_IDMAP) failed with ${err.failure.errname || `errno ${err.failure.errno}`}` };
    return { kind: 'inconclusive', why: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
