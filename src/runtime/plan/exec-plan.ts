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
  /** the cgroup2 directory among joinDirs (the root of the container's cgroup namespace) */
  unifiedDir?: string;
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
 * The cgroup comes before the cgroup namespace: from inside it, on an nsdelegate host, the
 * cgroup we come from is out of sight and a move refused. The cheap way, for a container
 * with a cgroup namespace and no user namespace: the child is born in the namespace's root
 * cgroup (the container's cgroup2 directory; CLONE_INTO_CGROUPNS gives it a directory fd
 * that reaches nothing above that cgroup, as it is visible in the container's pid namespace
 * from its birth) and moves itself into the v1 hierarchies. No migration by another
 * process, whose global lock waits for an RCU grace period (1-13 ms per attach here).
 * Otherwise stage 0 moves the child (a child in a user namespace cannot write the host's
 * cgroupfs).
 */
export function buildExecPlan(input: ExecPlanInput): Plan {
  const proc = input.process;
  const joins = [...input.joins].sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  const cgroupNs = joins.find((j) => j.type === 'cgroup');
  const ops: PlanOp[] = joins.filter((j) => j !== cgroupNs).map((j) => ({ op: 'NS_JOIN', args: [NS_FLAG[j.type] ?? 0, j.path] }));
  if (proc.terminal && input.consoleSocket) ops.push({ op: 'CONSOLE_SOCKET', args: [input.consoleSocket] });
  else if (proc.terminal && input.foreground) ops.push({ op: 'TTY_PROXY', args: [] });
  if (input.foreground) ops.push({ op: 'FOREGROUND', args: [] });
  const selfMove = !input.userNamespace && cgroupNs !== undefined && input.unifiedDir !== undefined && input.joinDirs.includes(input.unifiedDir);
  if (selfMove) ops.push({ op: 'CLONE_INTO_CGROUPNS', args: [cgroupNs.path] });
  ops.push({ op: 'CLONE', args: [0] });
  for (const dir of input.joinDirs) {
    if (!selfMove) ops.push({ op: 'CGROUP_JOIN', args: [dir] });
    else if (dir !== input.unifiedDir) ops.push({ op: 'CGROUP_ENTER', args: [`${dir}/tasks`] });
  }
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
