// Rendering for humans or machines. The library never prints; commands go through here.
import { appendFileSync } from 'node:fs';

export interface LogTarget {
  file?: string;
  format: 'text' | 'json';
}

let logTarget: LogTarget = { format: 'text' };

export function setLogTarget(target: LogTarget): void {
  logTarget = target;
}

/** A log line in runc's shapes: logfmt-ish text, or one JSON object (what containerd parses). */
export function logLine(level: string, msg: string): void {
  const time = new Date().toISOString();
  const line =
    logTarget.format === 'json'
      ? JSON.stringify({ level, msg, time })
      : `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
  if (logTarget.file) {
    try {
      appendFileSync(logTarget.file, `${line}\n`);
      if (level !== 'error' && level !== 'warning') return;
    } catch {
      // an unwritable log file must not hide the message: fall through to stderr
    }
  }
  if (level === 'debug' && !logTarget.file) process.stderr.write(`${line}\n`);
  else if (level === 'warning') process.stderr.write(`corral: warning: ${msg}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function reportError(err: unknown): number {
  const e = err as { code?: string; message?: string; hint?: string; issues?: unknown };
  const expected = typeof e?.code === 'string' && /^[A-Z_]+$/.test(e.code);
  const message = e?.message ?? String(err);
  logLine('error', message);
  process.stderr.write(`corral: error: ${message}\n`);
  if (e?.hint) process.stderr.write(`  hint: ${e.hint}\n`);
  if (!expected && err instanceof Error && err.stack && process.env.CORRAL_DEBUG) process.stderr.write(`${err.stack}\n`);
  return 1;
}
