// Random bytes from the kernel, for the few names and addresses that need some. Reading
// /dev/urandom directly spares a CLI start loading node:crypto (~7 ms) for a handful of bytes.
import { closeSync, openSync, readSync } from 'node:fs';

export function randomBytes(n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let off = 0; off < n; ) off += readSync(fd, buf, off, n - off, null);
  } finally {
    closeSync(fd);
  }
  return buf;
}
