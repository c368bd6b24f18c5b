// The whole plan for `create`: namespaces, cgroup join, rootfs and mounts, /dev, the root
// switch, hardening of /proc and /sys, then the wait for `start`, then the identity change
// and exec. The order mirrors runc's init so that the differential tests compare like with like.
import type { Spec } from '../spec/types.js';
import { CLONE, MS } from './linux-constants.js';
import { deviceNodes, devOps } from './devices.js';
import { hookOps } from './hooks.js';
import { oomOps, rlimitOps } from './identity.js';
import { AFTER_ROOT_SWITCH, devReadonlyOps, mountOps, rootfsPrepOps, type CgroupMountView } from './mounts.js';
import { planNamespaces, type IdmapTools } from './namespaces.js';
import { propagationFlag } from './mount-options.js';
import type { Plan, PlanOp } from './ops.js';
import { processOps } from './process-ops.js';

export interface CreatePlanInput {
  spec: Spec; // validated; root.path absolute
  bundle: string;
  stateDir: string;
  consoleSocket?: string;
  noPivot?: boolean;
  foreground?: boolean;
  debug?: boolean;
  cgroup: { joinDirs: string[]; unifiedDir?: string; devicesProgram?: Uint8Array; view?: CgroupMountView };
  /** HOME for the process when its env has none (the user's home in the image's /etc/passwd) */
  home?: string;
  /** paths under a read-only parent kept writable (LXC's proc:mixed keeps /proc/sys/net rw) */
  writablePaths?: string[];
  /** a system container: the helper stays as its monitor (docs/plan-format.md, MONITOR) */
  monitor?: MonitorPlan;
  /** a SYNC is needed when the runtime must run hooks (prestart/createRuntime) or hand state to createContainer hooks */
  syncForHooks: boolean;
  /** with a user namespace: the rootfs is an idmapped mount of itself (kernel >= 5.12) */
  idmapRootfs?: boolean;
  /** the maps are written by newuidmap/newgidmap (an unprivileged caller) */
  idmapTools?: IdmapTools;
  /** `--preserve-fds N`: the caller's fds 3..3+N-1 reach the process as 3.. */
  preserveFds?: number;
}

export interface MonitorPlan {
  socket: string;
  exitFile: string;
  consoleLog?: string;
  /** proxy the console to the monitor's own stdio (lxc-start -F) */
  foreground: boolean;
  /** the command the monitor runs once init has exited (cleanup, reboot) */
  postExit: string[];
  /** a /dev/console pty held by the monitor */
  console: boolean;
  /** /dev/tty1..N ptys held by the monitor */
  ttys: number;
}

function monitorOp(m: MonitorPlan): PlanOp {
  return { op: 'MONITOR', args: [m.socket, m.exitFile, m.consoleLog ?? '', m.foreground ? 1 : 0, m.postExit.length, ...m.postExit] };
}

function monitorTtyOps(m: MonitorPlan | undefined): PlanOp[] {
  if (!m) return [];
  const ops: PlanOp[] = [];
  if (m.console) ops.push({ op: 'CONSOLE', args: ['/dev/console'] });
  for (let n = 1; n <= m.ttys; n++) ops.push({ op: 'TTY', args: [`/dev/tty${n}`] });
  return ops;
}

export function buildCreatePlan(input: CreatePlanInput): Plan {
  const { spec } = input;
  const linux = spec.linux ?? {};
  const proc = spec.process;
  if (!proc) throw new Error('process is required');
  const rootfs = spec.root?.path ?? '';
  const ns = planNamespaces(linux, input.idmapTools);
  const mounts = spec.mounts ?? [];

  const parent: PlanOp[] = [...ns.beforeClone];
  if (input.monitor) parent.push(monitorOp(input.monitor));
  else if (proc.terminal && input.consoleSocket) parent.push({ op: 'CONSOLE_SOCKET', args: [input.consoleSocket] });
  else if (proc.terminal && input.foreground) parent.push({ op: 'TTY_PROXY', args: [] });
  parent.push({ op: 'STATE_DIR', args: [input.stateDir] });
  if (input.foreground && !input.monitor) parent.push({ op: 'FOREGROUND', args: [] });
  const { unifiedDir } = input.cgroup;
  const v1Dirs = input.cgroup.joinDirs.filter((d) => d !== unifiedDir);
  if (unifiedDir) parent.push({ op: 'CLONE_INTO_CGROUP', args: [unifiedDir] });
  parent.push({ op: 'CLONE', args: [ns.cloneFlags] });
  parent.push(...ns.afterClone);
  const idmapped = input.idmapRootfs === true && ns.newUser;
  if (idmapped) parent.push({ op: 'IDMAP_MOUNT', args: [rootfs, '', 1] });
  // Without a user namespace the child can move itself into the v1 hierarchies, which
  // avoids the global lock (and RCU wait) of a move done by another process.
  if (ns.newUser) for (const dir of v1Dirs) parent.push({ op: 'CGROUP_JOIN', args: [dir] });
  if (input.cgroup.devicesProgram && input.cgroup.unifiedDir) {
    parent.push({ op: 'BPF_DEVICES', args: [input.cgroup.unifiedDir, input.cgroup.devicesProgram] });
  }

  const child: PlanOp[] = [];
  if (!ns.newUser) for (const dir of v1Dirs) child.push({ op: 'CGROUP_ENTER', args: [`${dir}/tasks`] });
  if (ns.newUser) child.push({ op: 'BECOME_ROOT', args: [] });
  if (ns.childUnshare) child.push({ op: 'UNSHARE', args: [ns.childUnshare] });
  if (ns.newCgroup) child.push({ op: 'UNSHARE', args: [CLONE.NEWCGROUP] });
  // a new network namespace gets its loopback up, as runc does
  if (ns.newNet) child.push({ op: 'LINK_UP', args: ['lo'] });
  if (input.syncForHooks) child.push({ op: 'SYNC', args: ['createRuntime'] });
  child.push(...rootfsPrepOps(rootfs, linux.rootfsPropagation, idmapped));
  child.push(
    ...mountOps(mounts, {
      bundle: input.bundle,
      rootfs,
      newNetNs: ns.newNet,
      newCgroupNs: ns.newCgroup,
      cgroups: input.cgroup.view,
      writablePaths: input.writablePaths,
    }),
  );
  child.push(...devOps(deviceNodes(linux.devices), { userNamespace: ns.newUser, mounts }));
  child.push(...devReadonlyOps(mounts));
  child.push({ op: 'MKDIR_IN_ROOT', args: [proc.cwd, 0o755] });
  child.push(...hookOps(spec.hooks?.createContainer));
  child.push({ op: input.noPivot ? 'MOVE_ROOT' : 'PIVOT_ROOT', args: [] });
  child.push(...hardeningOps(spec));
  // a bind copies the read-only flag of the mount it comes from: bind, then remount rw
  for (const p of input.writablePaths ?? []) {
    child.push({ op: 'MOUNT', args: [p, p, '', MS.BIND | MS.REC, ''] });
    child.push({ op: 'MOUNT', args: ['', p, '', MS.REMOUNT | MS.BIND | MS.NOSUID | MS.NODEV | MS.NOEXEC, ''] });
  }
  child.push({ op: 'SETSID', args: [] });
  if (proc.terminal && !input.monitor) child.push({ op: 'CONSOLE', args: ['/dev/console'] });
  child.push(...monitorTtyOps(input.monitor));
  // Last of the mounts: nothing can be bound out of an unbindable tree (masks, /dev/console).
  const prop = propagationFlag(linux.rootfsPropagation);
  if (prop !== undefined && (prop & AFTER_ROOT_SWITCH) !== 0) child.push({ op: 'MOUNT', args: ['', '/', '', prop, ''] });
  child.push(...rlimitOps(proc.rlimits), ...oomOps(proc));
  const argv = proc.args ?? [];
  const env = proc.env ?? [];
  child.push({ op: 'CHECK_EXEC', args: [argv.length, ...argv, env.length, ...env] });
  // startContainer hooks get the state as it is at `start` ("created"), not the one of the
  // createRuntime SYNC ("creating"): a second SYNC hands it over before the wait.
  if (input.syncForHooks && spec.hooks?.startContainer?.length) child.push({ op: 'SYNC', args: ['startContainer'] });
  child.push({ op: 'WAIT_START', args: [] });
  child.push(...hookOps(spec.hooks?.startContainer));
  child.push(...processOps(proc, linux.seccomp, input.home, input.preserveFds));
  return { debug: input.debug, ops: [...parent, ...child] };
}

function hardeningOps(spec: Spec): PlanOp[] {
  const linux = spec.linux ?? {};
  const ops: PlanOp[] = [];
  // sysctls first: /proc/sys is about to become read-only.
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) {
    // A key written with slashes is a path already (its dots may be part of a name, as in
    // net/ipv4/conf/eth0.100/forwarding), as runc reads it.
    ops.push({ op: 'SYSCTL', args: [key.includes('/') ? key : key.replace(/\./g, '/'), value] });
  }
  for (const path of linux.readonlyPaths ?? []) ops.push({ op: 'READONLY_PATH', args: [path] });
  for (const path of linux.maskedPaths ?? []) ops.push({ op: 'MASK_PATH', args: [path] });
  if (spec.hostname !== undefined) ops.push({ op: 'HOSTNAME', args: [spec.hostname] });
  if (spec.domainname !== undefined) ops.push({ op: 'DOMAINNAME', args: [spec.domainname] });
  if (spec.root?.readonly) ops.push({ op: 'MOUNT', args: ['', '/', '', MS.REMOUNT | MS.BIND | MS.RDONLY, ''] });
  return ops;
}
