// A lock for the network's shared files (a bridge's leases, the choice of a subnet): an
// atomic mkdir holding the owner's pid and start time, taken over when the owner is gone,
// waited for (bounded) when held. Node has no flock(), and this is what lock.ts does too.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError, errnoCode } from '../../util/errors.js';
import { isSameProcessAlive, processStartTime } from '../../util/proc.js';

export interface FileLock {
  release(): void;
}

function tryLock(dir: string): FileLock | undefined {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    let owner: string[] = [];
    try {
      owner = readFileSync(join(dir, 'owner'), 'utf8').trim().split(' ');
    } catch {
      // between the owner's mkdir and its write: held
      return undefined;
    }
    if (owner[0] && !isSameProcessAlive(Number(owner[0]), owner[1] || undefined)) rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  writeFileSync(join(dir, 'owner'), `${process.pid} ${processStartTime(process.pid) ?? ''}`);
  return { release: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Sleep without giving the event loop away: callers hold other state meanwhile. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function lockFile(parent: string, name: string, timeoutMs = 10_000): FileLock {
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const dir = join(parent, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lock = tryLock(dir);
    if (lock) return lock;
    if (Date.now() > deadline) {
      throw new CorralError('BAD_STATE', `${dir} is held by another command for more than ${timeoutMs / 1000}s`, {
        hint: `if no corral command is running, remove ${dir}`,
      });
    }
    pause(10);
  }
}

export function withFileLock<T>(parent: string, name: string, fn: () => T): T {
  const lock = lockFile(parent, name);
  try {
    return fn();
  } finally {
    lock.release();
  }
}
