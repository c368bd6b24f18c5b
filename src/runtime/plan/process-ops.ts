// The end of every plan, for `create` and `exec` alike: identity change, seccomp, exec.
import type { Process, Seccomp } from '../spec/types.js';
import { envWithHome } from './home.js';
import { dropPrivilegeOps } from './identity.js';
import { PRESERVED_FDS_BASE, type PlanOp } from './ops.js';
import { seccompOps } from './seccomp.js';

/**
 * Without no_new_privs the filter must be loaded while CAP_SYS_ADMIN is still held; with
 * it, as late as possible (as runc does), so that fewer of our own syscalls need allowing.
 */
export function processOps(proc: Process, seccomp: Seccomp | undefined, home?: string, preserveFds = 0): PlanOp[] {
  const filter = seccompOps(seccomp);
  const drop = dropPrivilegeOps(proc);
  const nnp = proc.noNewPrivileges === true;
  const args = proc.args ?? [];
  const env = home === undefined ? (proc.env ?? []) : envWithHome(proc.env ?? [], home);
  return [
    // before the filter, which may refuse dup2/fcntl, and before anything runs as the user
    ...preserveFdsOps(preserveFds),
    ...(nnp ? [] : filter),
    ...drop.before,
    ...drop.after,
    ...(nnp ? filter : []),
    { op: 'CHDIR', args: [proc.cwd] },
    { op: 'EXEC', args: [args.length, ...args, env.length, ...env] },
  ];
}

/** `--preserve-fds N`: the caller's fds 3..3+N-1, passed to the helper from PRESERVED_FDS_BASE on. */
export function preserveFdsOps(count: number): PlanOp[] {
  return count > 0 ? [{ op: 'PRESERVE_FDS', args: [PRESERVED_FDS_BASE, count] }] : [];
}
