// Run the built CLI as a user would, capturing output and exit status.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CORRAL = join(REPO, 'bin', 'corral');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Output goes to files, not pipes: a container created by the command inherits its stdio
 * (as with runc), and a pipe would stay open as long as the container lives.
 */
export function corral(args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Result {
  const dir = mkdtempSync(join(tmpdir(), 'corral-cli-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  try {
    const r = spawnSync(process.execPath, [CORRAL, ...args], {
      input: opts.input,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err],
      timeout: opts.timeoutMs ?? 30_000,
      env: { ...cliEnv(), ...opts.env },
    });
    return { code: r.status ?? 128, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function corralAsync(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CORRAL, ...args], { env: cliEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/** NODE_EXTRA_CA_CERTS costs ~30 ms per node start here and the CLI never needs it. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
