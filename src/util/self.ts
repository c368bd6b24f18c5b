// How to run this very CLI again (the monitor runs `corral internal post-stop` when a
// container exits): node plus bin/corral, found from this file whether bundled or not.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function corralCommand(): string[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = join(dir, 'bin', 'corral');
    if (existsSync(bin)) return [process.execPath, bin];
    dir = dirname(dir);
  }
  return [process.execPath, process.argv[1] ?? 'corral'];
}
