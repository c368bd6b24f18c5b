// The process's identity and privileges: rlimits, user and groups, umask, capabilities,
// no_new_privs, oom_score_adj. Order matters and is fixed here, not in the helper.
import { capabilityNumber } from '../spec/capabilities.js';
import { RLIMITS } from '../spec/constants.js';
import type { Capabilities, Process, Rlimit } from '../spec/types.js';
import type { PlanOp } from './ops.js';

const TWO_53 = 2 ** 53;

export function capMask(names: readonly string[] | undefined): bigint {
  let mask = 0n;
  for (const name of names ?? []) {
    const n = capabilityNumber(name);
    if (n !== undefined) mask |= 1n << BigInt(n);
  }
  return mask;
}

function rlimitValue(v: number): number {
  // JSON cannot carry 2^64-1 exactly; anything that large means "unlimited".
  return v >= TWO_53 || v < 0 ? -1 : v;
}

export function rlimitOps(rlimits: readonly Rlimit[] = []): PlanOp[] {
  return rlimits.map((r) => ({ op: 'RLIMIT', args: [RLIMITS[r.type] ?? -1, rlimitValue(r.soft), rlimitValue(r.hard)] }));
}

export function oomOps(process: Process): PlanOp[] {
  return process.oomScoreAdj === undefined ? [] : [{ op: 'OOM_SCORE_ADJ', args: [process.oomScoreAdj] }];
}

/** Bounding set first (needs CAP_SETPCAP, lost on the uid change), then the user switch. */
export function dropPrivilegeOps(process: Process): { before: PlanOp[]; after: PlanOp[] } {
  const caps: Capabilities = process.capabilities ?? {};
  const user = process.user;
  const before: PlanOp[] = [{ op: 'CAPS_BOUNDING', args: [capMask(caps.bounding)] }];
  const gids = user.additionalGids ?? [];
  before.push({ op: 'SETGROUPS_IDS', args: [gids.length, ...gids] });
  before.push({ op: 'SETUSER', args: [user.uid, user.gid] });
  if (user.umask !== undefined) before.push({ op: 'UMASK', args: [user.umask] });
  const after: PlanOp[] = [
    {
      op: 'CAPS',
      args: [capMask(caps.effective), capMask(caps.permitted), capMask(caps.inheritable), capMask(caps.ambient)],
    },
  ];
  if (process.noNewPrivileges) after.push({ op: 'NO_NEW_PRIVS', args: [] });
  return { before, after };
}
