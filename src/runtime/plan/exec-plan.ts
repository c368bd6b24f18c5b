// The plan for `exec`: join every namespace of the container's init that differs from ours,
// join its cgroup, then apply the same identity, rlimits, capabilities and seccomp filter
// as the container's own process before exec.
import type { Process, Spec } from '../spec/types.js';
import { rlimitOps } from './identity.js';
import { NS_FLAG } from './linux-constants.js';
import type { Plan, PlanOp } from './ops.js';
import { processOps } from './process-ops.js';

export interface ExecPlanInput {
  spec: Spec;
  process: Process;
  /** namespace type -> /proc/<init>/ns/<name>, only those to join */
  joins: { type: string; path: string }[];
  joinDirs: string[];
  consoleSocket?: string;
  foreground: boolean;
  userNamespace: boolean;
  debug?: boolean;
  /** HOME for the process when its env has none (the user's home in the image's /etc/passwd) */
  home?: string;
  /** `--preserve-fds N`: the caller's fds 3..3+N-1 reach the process as 3.. */
  preserveFds?: number;
}

const JOIN_ORDER = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

/**
 * The cgroup comes before the cgroup namespace: stage 0 moves the child, then the child
 * enters the container's cgroup namespace (from inside it, on an nsdelegate host, the
 * cgroup we come from is out of sight and the move refused). Not cheaper ways to move:
 * CLONE_INTO_CGROUP would hand the child a directory fd of the host's cgroupfs while it is
 * already visible (and traceable, for a privileged container's root) in the container's
 * pid namespace; a v1 self-move needs the same cgroup2 move anyway on a hybrid host.
 */
export function buildExecPlan(input: ExecPlanInput): Plan {
  const proc = input.process;
  const joins = [...input.joins].sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  const cgroupNs = joins.find((j) => j.type === 'cgroup');
  const ops: PlanOp[] = joins.filter((j) => j !== cgroupNs).map((j) => ({ op: 'NS_JOIN', args: [NS_FLAG[j.type] ?? 0, j.path] }));
  if (proc.terminal && input.consoleSocket) ops.push({ op: 'CONSOLE_SOCKET', args: [input.consoleSocket] });
  else if (proc.terminal && input.foreground) ops.push({ op: 'TTY_PROXY', args: [] });
  if (input.foreground) ops.push({ op: 'FOREGROUND', args: [] });
  ops.push({ op: 'CLONE', args: [0] });
  for (const dir of input.joinDirs) ops.push({ op: 'CGROUP_JOIN', args: [dir] });
  if (cgroupNs) ops.push({ op: 'NS_ENTER', args: [NS_FLAG.cgroup!, cgroupNs.path] });
  if (input.userNamespace) ops.push({ op: 'BECOME_ROOT', args: [] });
  if (proc.terminal) {
    ops.push({ op: 'SETSID', args: [] });
    if (input.consoleSocket || input.foreground) ops.push({ op: 'CONSOLE', args: [''] });
  }
  ops.push(...rlimitOps(proc.rlimits));
  ops.push(...processOps(proc, input.spec.linux?.seccomp, input.home, input.preserveFds));
  return { debug: input.debug, ops };
}
