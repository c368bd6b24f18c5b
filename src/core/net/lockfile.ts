// A lock for the network's shared files (a bridge's leases, the choice of a subnet): the
// lock directory of ../lock.ts (owner's pid and start time inside before it appears, taken
// over when the owner is gone), waited for (bounded) when held. Node has no flock().
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { ownerLine, tryLockDir, unlockDir } from '../lock.js';

export interface FileLock {
  release(): void;
}

function tryLock(dir: string): FileLock | undefined {
  const owner = ownerLine('network');
  if (tryLockDir(dir, owner) !== undefined) return undefined;
  return { release: () => void unlockDir(dir, owner) };
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
