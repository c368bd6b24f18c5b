import { openSync, writeSync, fsyncSync, closeSync, renameSync } from 'node:fs';

/**
 * Write a file so that readers see either the old or the new content, never a torn one.
 * `durable` adds an fsync, for files that must survive a crash; runtime state lives on
 * tmpfs (/run) where an fsync buys nothing and costs milliseconds on a disk-backed --root.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, durable = false): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
