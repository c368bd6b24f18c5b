// Cross-field rules for a process (config.json `process`, or an `exec --process` file).
// Runs after the structural pass, so the value is known to be well-typed.
import { isAbsolute } from 'node:path';
import type { Ctx } from './schema.js';
import type { Process } from './types.js';

/** Environment entries must be KEY=VALUE with a non-empty key: execve would pass anything
 *  through, but getenv() can never find an entry without '=', so it is certainly a mistake. */
export function checkEnv(env: string[] | undefined, path: string, ctx: Ctx): void {
  env?.forEach((entry, i) => {
    if (entry.indexOf('=') < 1) ctx.issues.push({ path: `${path}[${i}]`, message: `must be KEY=VALUE, got ${JSON.stringify(entry)}` });
  });
}

function checkRlimits(proc: Process, path: string, ctx: Ctx): void {
  const seen = new Map<string, number>();
  proc.rlimits?.forEach((rl, i) => {
    const at = `${path}.rlimits[${i}]`;
    if (rl.soft > rl.hard) ctx.issues.push({ path: at, message: `soft limit ${rl.soft} exceeds hard limit ${rl.hard}` });
    const first = seen.get(rl.type);
    // setrlimit would silently apply the last one; the spec requires an error.
    if (first !== undefined) ctx.issues.push({ path: `${at}.type`, message: `duplicate rlimit ${rl.type} (also at index ${first})` });
    else seen.set(rl.type, i);
  });
}

export function checkProcess(proc: Process, path: string, ctx: Ctx): void {
  if (!proc.args || proc.args.length === 0) {
    ctx.issues.push({ path: `${path}.args`, message: 'must contain at least one entry (the program to run)' });
  } else if (proc.args[0] === '') {
    ctx.issues.push({ path: `${path}.args[0]`, message: 'the program to run must not be empty' });
  }
  // The container's cwd is resolved inside the rootfs; a relative one has no defined base.
  if (!isAbsolute(proc.cwd)) ctx.issues.push({ path: `${path}.cwd`, message: `must be an absolute path, got ${JSON.stringify(proc.cwd)}` });
  checkEnv(proc.env, `${path}.env`, ctx);
  checkRlimits(proc, path, ctx);
  if (proc.consoleSize && !proc.terminal) {
    ctx.warnings.push({ path: `${path}.consoleSize`, message: 'ignored because terminal is false' });
  }
}
