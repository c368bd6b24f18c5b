// lxc-unshare: run a command in new namespaces of the chosen kinds, with no rootfs change
// (the plain-namespaces tool, not a container): a plan of a few ops for the helper.
import { CorralError } from '../util/errors.js';
import { runHelper } from '../runtime/helper.js';
import { CLONE, MS } from '../runtime/plan/linux-constants.js';
import type { PlanOp } from '../runtime/plan/ops.js';

const FLAGS: Record<string, number> = {
  MOUNT: CLONE.NEWNS,
  PID: CLONE.NEWPID,
  UTSNAME: CLONE.NEWUTS,
  IPC: CLONE.NEWIPC,
  USER: CLONE.NEWUSER,
  NETWORK: CLONE.NEWNET,
  CGROUP: CLONE.NEWCGROUP,
};

export function parseNamespaceFlags(text: string): number {
  let flags = 0;
  for (const word of text.split('|').map((w) => w.trim().toUpperCase()).filter(Boolean)) {
    const f = FLAGS[word === 'UTS' ? 'UTSNAME' : word === 'NET' ? 'NETWORK' : word];
    if (f === undefined) throw new CorralError('INVALID_ARGUMENT', `unknown namespace "${word}"`, { hint: `use ${Object.keys(FLAGS).join('|')}` });
    flags |= f;
  }
  if (flags === 0) throw new CorralError('INVALID_ARGUMENT', 'which namespaces? give -s', { hint: 'e.g. -s "UTSNAME|MOUNT|PID"' });
  return flags;
}

export interface UnshareOptions {
  flags: number;
  command: string[];
  hostname?: string;
  uid?: number;
  /** -M: a fresh /proc (and /sys with a new network namespace) for the new namespaces */
  remountProcSys?: boolean;
}

export function unsharePlan(opts: UnshareOptions): PlanOp[] {
  const cgroup = opts.flags & CLONE.NEWCGROUP;
  const ops: PlanOp[] = [{ op: 'FOREGROUND', args: [] }, { op: 'CLONE', args: [opts.flags & ~cgroup] }];
  if (opts.flags & CLONE.NEWUSER) {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    ops.push({ op: 'SETGROUPS', args: ['deny'] }, { op: 'UID_MAP', args: [`0 ${uid} 1\n`] }, { op: 'GID_MAP', args: [`0 ${gid} 1\n`] });
    ops.push({ op: 'BECOME_ROOT', args: [] });
  }
  if (cgroup) ops.push({ op: 'UNSHARE', args: [CLONE.NEWCGROUP] });
  if (opts.flags & CLONE.NEWNS) {
    // our mounts must not propagate back to the host
    ops.push({ op: 'MOUNT', args: ['', '/', '', MS.REC | MS.SLAVE, ''] });
    if (opts.remountProcSys || opts.flags & CLONE.NEWPID) ops.push({ op: 'MOUNT', args: ['proc', '/proc', 'proc', MS.NOSUID | MS.NODEV | MS.NOEXEC, ''] });
    if (opts.remountProcSys && opts.flags & CLONE.NEWNET) ops.push({ op: 'MOUNT', args: ['sysfs', '/sys', 'sysfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, ''] });
  }
  if (opts.hostname !== undefined) {
    if (!(opts.flags & CLONE.NEWUTS)) throw new CorralError('INVALID_ARGUMENT', '-H needs a new UTSNAME namespace', { hint: 'add UTSNAME to -s' });
    ops.push({ op: 'HOSTNAME', args: [opts.hostname] });
  }
  if (opts.uid !== undefined) ops.push({ op: 'SETUSER', args: [opts.uid, opts.uid] });
  const env = Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
  ops.push({ op: 'CHDIR', args: [process.cwd()] });
  ops.push({ op: 'EXEC', args: [opts.command.length, ...opts.command, env.length, ...env] });
  return ops;
}

export async function unshareRun(opts: UnshareOptions, onForeground?: (pid: number) => void): Promise<number> {
  const session = runHelper({ ops: unsharePlan(opts) }, { context: 'unshare' });
  await session.pid;
  await session.settled;
  if (session.child.pid) onForeground?.(session.child.pid);
  const code = await session.exit;
  const late = await session.lateFailure;
  if (late) throw late;
  return code;
}
