// A per-container lock for commands that change a container (start, stop, destroy): an
// atomic mkdir holding the owner's pid. A lock whose owner is gone is stale and taken
// over, so a killed CLI never blocks a container for good. Read-only commands take none.
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError, errnoCode } from '../util/errors.js';
import { isSameProcessAlive, processStartTime } from '../util/proc.js';

export interface Lock {
  release(): void;
}

function owner(dir: string): { pid: number; start?: string } | undefined {
  try {
    const [pid, start] = readFileSync(join(dir, 'owner'), 'utf8').trim().split(' ');
    return { pid: Number(pid), start };
  } catch {
    return undefined;
  }
}

/** A store's runtime directory goes once nothing runs from it (rmdir refuses otherwise). */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still in use, or already gone
  }
}

export function lockContainer(runRoot: string, name: string, action: string): Lock {
  mkdirSync(runRoot, { recursive: true, mode: 0o711 });
  const dir = join(runRoot, `${name}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, 'owner'), `${process.pid} ${processStartTime(process.pid) ?? ''} ${action}`);
      return {
        release: () => {
          rmSync(dir, { recursive: true, force: true });
          removeIfEmpty(runRoot);
        },
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const o = owner(dir);
      // no owner file yet: another command is between its mkdir and its write: busy
      if (o && !isSameProcessAlive(o.pid, o.start || undefined)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      throw new CorralError('BAD_STATE', `container "${name}" is busy: another command${o ? ` (pid ${o.pid})` : ''} is changing it`, {
        hint: 'wait for it to finish and try again',
      });
    }
  }
  throw new CorralError('BAD_STATE', `container "${name}" is busy`, { hint: 'try again' });
}

/** For the monitor's cleanup: the command that stopped the container may still hold it. */
export async function lockContainerWait(runRoot: string, name: string, action: string, timeoutMs: number): Promise<Lock> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return lockContainer(runRoot, name, action);
    } catch (err) {
      if (!(err instanceof CorralError) || err.code !== 'BAD_STATE' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

export async function withLock<T>(runRoot: string, name: string, action: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockContainer(runRoot, name, action);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
