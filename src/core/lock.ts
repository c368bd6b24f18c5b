// A per-container lock for commands that change a container (start, stop, destroy): a
// directory `.<name>.lock` in the store's runtime root holding an `owner` file (pid, start
// time, action). A lock whose owner is gone is stale and taken over, so a killed CLI never
// blocks a container for good. Read-only commands take none.
//
// The lock appears complete or not at all: it is made under a name of its own and renamed
// into place, and rename(2) refuses a non-empty target. (A mkdir followed by a write let a
// second command read the owner file while it was still empty, take the lock for stale and
// hold it at the same time.) The leading dot keeps it apart from the containers' state
// directories beside it: a container could be called "web.lock", never ".web.lock".
import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError, errnoCode } from '../util/errors.js';
import { isSameProcessAlive, processStartTime } from '../util/proc.js';

export interface Lock {
  release(): void;
}

let serial = 0;

/** A name of this process's own beside `dir`, for a lock being made or being removed. */
const privatePath = (dir: string, why: string) => `${dir}.${why}.${process.pid}.${++serial}`;

function ownerText(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'owner'), 'utf8');
  } catch {
    return undefined;
  }
}

/** The owner line of this process: pid, start time (pids are reused), what it does. */
export function ownerLine(action: string): string {
  return `${process.pid} ${processStartTime(process.pid) ?? ''} ${action}`;
}

/** A store's runtime directory goes once nothing runs from it (rmdir refuses otherwise). */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still in use, or already gone
  }
}

/** Move a stale lock aside and remove it, unless another command took it over first. */
function takeOver(dir: string, staleOwner: string): void {
  const aside = privatePath(dir, 'stale');
  try {
    renameSync(dir, aside);
  } catch {
    return; // released or taken over meanwhile: try again
  }
  if (ownerText(aside) !== staleOwner) {
    // a live lock, made after we read the stale one: put it back (if that fails a third
    // command holds the lock, and this one's owner will find its lock gone at release)
    try {
      renameSync(aside, dir);
      return;
    } catch {
      // fall through: remove it
    }
  }
  rmSync(aside, { recursive: true, force: true });
}

/**
 * One attempt to take the lock directory `dir` (its parent must exist): undefined once it
 * is ours, else the pid of the live command holding it (0 if it keeps changing hands).
 * A lock whose owner is gone is taken over.
 */
export function tryLockDir(dir: string, owner: string): number | undefined {
  const mine = privatePath(dir, 'new');
  mkdirSync(mine, { mode: 0o700 });
  try {
    writeFileSync(join(mine, 'owner'), owner);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        renameSync(mine, dir);
        return undefined;
      } catch (err) {
        if (errnoCode(err) !== 'ENOTEMPTY' && errnoCode(err) !== 'EEXIST') throw err;
      }
      const held = ownerText(dir);
      if (held === undefined) continue; // released just now
      const [pid, start] = held.split(' ');
      if (isSameProcessAlive(Number(pid), start || undefined)) return Number(pid);
      takeOver(dir, held);
    }
    return 0;
  } finally {
    rmSync(mine, { recursive: true, force: true }); // nothing left once renamed into place
  }
}

/** Release `dir` if it is still ours; moved aside first, so no new lock is emptied by our rm. */
export function unlockDir(dir: string, owner: string): boolean {
  if (ownerText(dir) !== owner) return false;
  const aside = privatePath(dir, 'old');
  try {
    renameSync(dir, aside);
  } catch {
    return false;
  }
  rmSync(aside, { recursive: true, force: true });
  return true;
}

export function lockContainer(runRoot: string, name: string, action: string): Lock {
  const dir = join(runRoot, `.${name}.lock`);
  const owner = ownerLine(action);
  for (let attempt = 0; ; attempt++) {
    let holder: number | undefined;
    try {
      mkdirSync(runRoot, { recursive: true, mode: 0o711 });
      holder = tryLockDir(dir, owner);
    } catch (err) {
      // another command's release removed the runtime root as empty during our mkdirs
      if (errnoCode(err) === 'ENOENT' && attempt < 50) continue;
      throw err;
    }
    if (holder !== undefined) {
      throw new CorralError('BAD_STATE', `container "${name}" is busy: another command${holder ? ` (pid ${holder})` : ''} is changing it`, {
        hint: 'wait for it to finish and try again',
      });
    }
    return {
      release: () => {
        if (unlockDir(dir, owner)) removeIfEmpty(runRoot);
      },
    };
  }
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
