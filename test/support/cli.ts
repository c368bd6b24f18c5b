// Run the built CLI as a user would, capturing output and exit status.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CORRAL = join(REPO, 'bin', 'corral');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function corral(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
  const r = spawnSync(process.execPath, [CORRAL, ...args], {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 30_000,
    env: cliEnv(),
  });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
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
