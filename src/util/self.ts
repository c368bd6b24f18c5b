// How to run this very CLI again (the monitor runs `corral internal post-stop` when a
// container exits): node plus bin/corral, found from this file whether bundled or not.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bin/corral of this installation. */
export function corralBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = join(dir, 'bin', 'corral');
    if (existsSync(bin)) return bin;
    dir = dirname(dir);
  }
  return process.argv[1] ?? 'corral';
}

/**
 * The command line that runs the CLI: through env(1) the way bin/corral's shebang starts it,
 * so that this Node does not parse NODE_EXTRA_CA_CERTS at start-up either (bin/corral puts
 * the variable back for what it runs), with the node binary of this process.
 */
export function corralCommand(): string[] {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const env = extra ? ['/usr/bin/env', '-u', 'NODE_EXTRA_CA_CERTS', `CORRAL_EXTRA_CA_CERTS=${extra}`] : [];
  return [...env, process.execPath, corralBin()];
}
