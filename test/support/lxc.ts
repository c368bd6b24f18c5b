// Running the LXC-style commands as a user would: through lxc-* symlinks to bin/corral,
// against a store of the test's own.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORRAL, type Result } from './cli.js';

export interface LxcEnv {
  lxcpath: string;
  bin: string;
  run(tool: string, args: string[], opts?: { input?: string; timeoutMs?: number; env?: Record<string, string> }): Result;
  /** As run, without blocking: many commands at once. Killed (SIGKILL, code 137) after timeoutMs. */
  runAsync(tool: string, args: string[], opts?: { timeoutMs?: number }): Promise<Result>;
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
  let serial = 0;
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
    runAsync(tool, args, opts = {}) {
      // files, not pipes, as in run: a daemonised monitor must not hold our pipe open
      const outPath = join(base, `out.${++serial}`);
      const errPath = `${outPath}.err`;
      const out = openSync(outPath, 'w+');
      const err = openSync(errPath, 'w+');
      return new Promise<Result>((resolve) => {
        const child = spawn(join(bin, tool), args, { stdio: ['ignore', out, err], env });
        closeSync(out);
        closeSync(err);
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
        let settled = false;
        const done = (code: number) => {
          if (settled) return; // 'error' and 'exit' may both come
          settled = true;
          clearTimeout(timer);
          const r = { code, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
          rmSync(outPath, { force: true });
          rmSync(errPath, { force: true });
          resolve(r);
        };
        child.on('error', () => done(127));
        child.on('exit', (code, sig) => done(code ?? (sig === 'SIGKILL' ? 137 : 128)));
      });
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true });
    },
  };
}
