// Facts about host processes read from /proc.
import { readFileSync } from 'node:fs';

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined if gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** Process state letter (R, S, D, Z, T, ...) or undefined if the process is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** True when pid is alive (not a zombie) and is the same process that started at startTime. */
export function isSameProcessAlive(pid: number, startTime: string | undefined): boolean {
  if (pid <= 0) return false;
  const now = processStartTime(pid);
  if (now === undefined) return false;
  if (startTime !== undefined && now !== startTime) return false;
  const state = processState(pid);
  return state !== 'Z' && state !== 'X';
}
