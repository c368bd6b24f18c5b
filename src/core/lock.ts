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

const lockPath = (runRoot: string, name: string) => join(runRoot, `.${name}.lock`);
const privatePath = (runRoot: string, name: string, why: string) => join(runRoot, `.${name}.${why}.${process.pid}.${++serial}`);

function ownerText(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'owner'), 'utf8');
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

/** The lock under a private name, owner written. */
function prepare(runRoot: string, name: string, owner: string): string {
  for (let attempt = 0; ; attempt++) {
    const dir = privatePath(runRoot, name, 'new');
    try {
      mkdirSync(runRoot, { recursive: true, mode: 0o711 });
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      // another command's release removed the runtime root as empty during our mkdirs
      if (errnoCode(err) === 'ENOENT' && attempt < 50) continue;
      throw err;
    }
    writeFileSync(join(dir, 'owner'), owner);
    return dir;
  }
}

/** Move a stale lock aside and remove it, unless another command took it over first. */
function takeOver(runRoot: string, name: string, staleOwner: string): void {
  const aside = privatePath(runRoot, name, 'stale');
  try {
    renameSync(lockPath(runRoot, name), aside);
  } catch {
    return; // released or taken over meanwhile: try again
  }
  if (ownerText(aside) !== staleOwner) {
    // a live lock, made after we read the stale one: put it back (if that fails a third
    // command holds the lock, and this one's owner will find its lock gone at release)
    try {
      renameSync(aside, lockPath(runRoot, name));
      return;
    } catch {
      // fall through: remove it
    }
  }
  rmSync(aside, { recursive: true, force: true });
}

function busy(name: string, pid?: number): CorralError {
  return new CorralError('BAD_STATE', `container "${name}" is busy: another command${pid ? ` (pid ${pid})` : ''} is changing it`, {
    hint: 'wait for it to finish and try again',
  });
}

export function lockContainer(runRoot: string, name: string, action: string): Lock {
  const dir = lockPath(runRoot, name);
  const owner = `${process.pid} ${processStartTime(process.pid) ?? ''} ${action}`;
  const mine = prepare(runRoot, name, owner);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        renameSync(mine, dir);
        return { release: () => release(runRoot, name, owner) };
      } catch (err) {
        if (errnoCode(err) !== 'ENOTEMPTY' && errnoCode(err) !== 'EEXIST') throw err;
      }
      const held = ownerText(dir);
      if (held === undefined) continue; // released just now
      const [pid, start] = held.split(' ');
      if (isSameProcessAlive(Number(pid), start || undefined)) throw busy(name, Number(pid));
      takeOver(runRoot, name, held);
    }
    throw busy(name);
  } catch (err) {
    rmSync(mine, { recursive: true, force: true });
    throw err;
  }
}

/** Only a lock still ours goes; it is moved aside first, so no new lock is emptied by our rm. */
function release(runRoot: string, name: string, owner: string): void {
  const dir = lockPath(runRoot, name);
  if (ownerText(dir) !== owner) return;
  const aside = privatePath(runRoot, name, 'old');
  try {
    renameSync(dir, aside);
  } catch {
    return;
  }
  rmSync(aside, { recursive: true, force: true });
  removeIfEmpty(runRoot);
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
