import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CorralError } from '../util/errors.js';

/** The native helper: $CORRAL_HELPER, else native/corral-helper in the package. */
export function helperPath(): string {
  const fromEnv = process.env.CORRAL_HELPER;
  if (fromEnv) return fromEnv;
  // this file is dist/src/runtime/helper-path.js (or src/runtime when bundled differently)
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'native', 'corral-helper');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new CorralError('NOT_FOUND', 'the native helper native/corral-helper is not built', {
    hint: 'run scripts/setup (or: make -C native)',
  });
}
