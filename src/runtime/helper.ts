// Runs a plan through the native helper and turns its status lines into events and typed
// errors. Protocol: docs/plan-format.md (fd 3 plan, fd 4 status, fd 5 control).
import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { CorralError } from '../util/errors.js';
import { helperPath } from './helper-path.js';
import { encodePlan } from './plan/encode.js';
import { CLONE } from './plan/linux-constants.js';
import type { Plan } from './plan/ops.js';

export interface HelperFailure {
  stage: string;
  step: number;
  op: string;
  errno: number;
  errname: string;
  message: string;
}

export class HelperError extends CorralError {
  readonly failure: HelperFailure;
  constructor(context: string, failure: HelperFailure, hint?: string) {
    super('HELPER', `${context}: ${failure.message} (step ${failure.step} ${failure.op}${failure.errname ? `, ${failure.errname}` : ''})`, {
      hint: hint ?? hintFor(failure),
    });
    this.failure = failure;
  }
}

function hintFor(f: HelperFailure): string | undefined {
  if (f.op === 'EXEC' && f.errname === 'ENOENT') return 'check process.args[0] and PATH in config.json: the executable is not in the rootfs';
  if (f.errname === 'EPERM' || f.errname === 'EACCES') return 'the operation was refused by the kernel; are you root, and does the host allow it?';
  return undefined;
}

type StatusLine =
  | { type: 'pid'; pid: number }
  | { type: 'sync'; name: string }
  | { type: 'ready' }
  | { type: 'debug'; stage: string; step: number; op: string }
  | ({ type: 'error' } & HelperFailure);

export type StdioSlot = IOType | number | 'inherit';

export interface HelperOptions {
  /** what the container's stdio (fds 0-2) is; defaults to inheriting ours */
  stdio?: [StdioSlot, StdioSlot, StdioSlot];
  /** answer a SYNC op: return the payload to pass on (or undefined) or throw to abort */
  onSync?: (name: string, pid: number) => Promise<string | undefined>;
  onDebug?: (line: string) => void;
  /** describes what is being run, for error messages ("create container x") */
  context: string;
  /** start the helper in a session of its own (setsid), for a daemonised monitor */
  detached?: boolean;
  /** our fds handed to the helper from PRESERVED_FDS_BASE on (for the plan's PRESERVE_FDS) */
  extraFds?: number[];
}

export interface HelperSession {
  child: ChildProcess;
  /** resolves with the pid of the container process once stage 0 reports it */
  pid: Promise<number>;
  /** resolves when the child reports ready (WAIT_START) or reaches exec (status EOF) */
  settled: Promise<'ready' | 'exec'>;
  /** resolves with the helper's (stage 0's) exit code */
  exit: Promise<number>;
  /**
   * Resolves once the status pipe closes: with the child's failure if it reported one after
   * `ready` (between `start` and exec: hooks, identity change, seccomp, exec itself).
   */
  lateFailure: Promise<HelperError | undefined>;
  /** stop listening (after ready) so that this process can exit */
  detach(): void;
}

/**
 * `--preserve-fds N` (runc's flag): our fds 3..3+N-1, as the caller (conmon, a shim, systemd
 * socket activation) passed them to us, checked to be open before anything is changed.
 */
export function preservedFds(count: number | undefined, context: string): number[] {
  if (count === undefined || count === 0) return [];
  if (!Number.isInteger(count) || count < 0 || count > 1024) {
    throw new CorralError('INVALID_ARGUMENT', `${context}: --preserve-fds ${count} is not a number of fds (0-1024)`);
  }
  const fds = Array.from({ length: count }, (_, i) => 3 + i);
  for (const fd of fds) {
    if (!inherited(fd)) {
      throw new CorralError('INVALID_ARGUMENT', `${context}: --preserve-fds ${count}: fd ${fd} was not passed to the runtime`, {
        hint: `pass fds 3..${2 + count} to the runtime, or a smaller --preserve-fds`,
      });
    }
  }
  return fds;
}

/**
 * An fd our caller passed us. Node marks every fd close-on-exec at start and opens its own
 * (event loop, wake-up fds) in the numbers the caller left free, so "open" is all that can be
 * checked (as runc does), plus that it is not one of Node's event-loop fds.
 */
function inherited(fd: number): boolean {
  try {
    return !/^anon_inode:\[(eventpoll|eventfd)\]$/.test(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return false;
  }
}

/**
 * A plan that joins a running pid namespace (exec, or a container sharing a pod's) makes the
 * helper visible to that container before it execs: run it from a sealed copy of itself
 * (docs/security.md, CVE-2019-5736). A new pid namespace has no one in it to look.
 */
export function needsSealedHelper(plan: Plan): boolean {
  return plan.ops.some((o) => o.op === 'NS_JOIN' && o.args[0] === CLONE.NEWPID);
}

export function runHelper(plan: Plan, opts: HelperOptions): HelperSession {
  const stdio: (StdioSlot | 'pipe')[] = [...(opts.stdio ?? ['inherit', 'inherit', 'inherit']), 'pipe', 'pipe', 'pipe', ...(opts.extraFds ?? [])];
  const args = needsSealedHelper(plan) ? ['spawn', '--sealed'] : ['spawn'];
  const child = spawn(helperPath(), args, { stdio, detached: opts.detached === true });
  const pipes = child.stdio as unknown as (Readable | Writable)[];
  const planOut = pipes[3] as Writable;
  const status = pipes[4] as Readable;
  const control = pipes[5] as Writable;
  planOut.on('error', () => {});
  control.on('error', () => {});
  planOut.end(encodePlan(plan));

  let pidValue = 0;
  let resolvePid!: (pid: number) => void;
  let rejectPid!: (err: Error) => void;
  const pid = new Promise<number>((res, rej) => {
    resolvePid = res;
    rejectPid = rej;
  });
  const exit = new Promise<number>((res, rej) => {
    child.on('error', (err) => rej(new CorralError('HELPER', `cannot run the native helper: ${err.message}`, { hint: 'run scripts/setup' })));
    child.on('exit', (code, signal) => res(code ?? 128 + (signal ? signalNumber(signal) : 0)));
  });

  let resolveLate!: (err: HelperError | undefined) => void;
  const lateFailure = new Promise<HelperError | undefined>((res) => {
    resolveLate = res;
  });
  const settled = new Promise<'ready' | 'exec'>((resolve, reject) => {
    let failure: HelperFailure | undefined;
    let ready = false;
    // Status lines are small and few: split them by hand rather than load node:readline.
    let pending = '';
    status.setEncoding('utf8');
    status.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line) onLine(line);
      }
    });
    const onLine = (line: string): void => {
      let msg: StatusLine;
      try {
        msg = JSON.parse(line) as StatusLine;
      } catch {
        failure ??= { stage: 'helper', step: -1, op: '', errno: 0, errname: '', message: `unreadable status line: ${line}` };
        return;
      }
      if (msg.type === 'pid') {
        pidValue = msg.pid;
        resolvePid(msg.pid);
      } else if (msg.type === 'sync') {
        answerSync(msg.name);
      } else if (msg.type === 'ready') {
        ready = true;
        resolve('ready');
      } else if (msg.type === 'debug') {
        opts.onDebug?.(line);
      } else if (msg.type === 'error') {
        failure ??= msg;
      }
    };
    status.on('close', () => {
      if (failure) {
        const err = new HelperError(opts.context, failure);
        rejectPid(err);
        reject(err);
        resolveLate(ready ? err : undefined);
        return;
      }
      resolveLate(undefined);
      if (ready) return;
      rejectPid(new CorralError('HELPER', `${opts.context}: the helper stopped before reporting a pid`));
      if (pidValue) resolve('exec');
      else exit.then(
        (code) => reject(new CorralError('HELPER', `${opts.context}: the native helper exited with status ${code} without a report`)),
        reject,
      );
    });

    function answerSync(name: string): void {
      const handler = opts.onSync ?? (async () => undefined);
      handler(name, pidValue).then(
        (payload) => control.write(payload === undefined ? 'go\n' : `go ${payload}\n`),
        (err: Error) => {
          failure ??= { stage: 'runtime', step: -1, op: `SYNC ${name}`, errno: 0, errname: '', message: err.message };
          control.write(`abort ${err.message.replace(/\n/g, ' ')}\n`);
        },
      );
    }
  });
  pid.catch(() => {});
  settled.catch(() => {});

  return {
    child,
    pid,
    settled,
    exit,
    lateFailure,
    detach() {
      status.destroy();
      control.destroy();
      child.unref();
    },
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
