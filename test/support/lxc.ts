// Running the LXC-style commands as a user would: through lxc-* symlinks to bin/corral,
// against a store of the test's own.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORRAL, type Result } from './cli.js';

export interface LxcEnv {
  lxcpath: string;
  bin: string;
  run(tool: string, args: string[], opts?: { input?: string; timeoutMs?: number; env?: Record<string, string> }): Result;
  cleanup(): void;
}

const TOOLS = ['attach', 'autostart', 'cgroup', 'checkconfig', 'console', 'create', 'destroy', 'execute', 'freeze', 'info', 'ls', 'start', 'stop', 'unfreeze', 'unshare', 'wait'];

export function lxcEnv(prefix: string): LxcEnv {
  const base = mkdtempSync(join(tmpdir(), `corral-${prefix}-`));
  const lxcpath = join(base, 'store');
  const bin = join(base, 'bin');
  mkdirSync(bin);
  for (const t of TOOLS) symlinkSync(CORRAL, join(bin, `lxc-${t}`));
  // containers without a network unless a test gives one: Corral's default (a veth on its
  // host bridge, with NAT) is not for tests
  writeFileSync(join(base, 'default.conf'), 'lxc.net.0.type = empty\n');
  const env: NodeJS.ProcessEnv = { ...process.env, CORRAL_LXCPATH: lxcpath, CORRAL_DEFAULT_CONF: join(base, 'default.conf'), PATH: `${bin}:${process.env.PATH ?? ''}` };
  delete env.NODE_EXTRA_CA_CERTS;
  return {
    lxcpath,
    bin,
    run(tool, args, opts = {}) {
      const out = openSync(join(base, 'out'), 'w+');
      const err = openSync(join(base, 'err'), 'w+');
      try {
        const r = spawnSync(join(bin, tool), args, {
          input: opts.input,
          stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err],
          timeout: opts.timeoutMs ?? 60_000,
          env: opts.env ? { ...env, ...opts.env } : env,
        });
        return { code: r.status ?? 128, stdout: readFileSync(join(base, 'out'), 'utf8'), stderr: readFileSync(join(base, 'err'), 'utf8') };
      } finally {
        closeSync(out);
        closeSync(err);
      }
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true });
    },
  };
}
