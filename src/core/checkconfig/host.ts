// The real host behind the Host seam: node:fs for reads, bounded child processes for probes.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { release } from 'node:os';
import { delimiter, join } from 'node:path';
import { idmapMountProbe } from './idmap-probe.js';
import { PROBE_TIMEOUT_MS, type FileInfo, type Host, type RunResult } from './types.js';

// root's tools (criu, ip) live in sbin, which a normal user's PATH often lacks
const EXTRA_PATH = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

async function which(cmd: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_PATH];
  for (const dir of new Set(dirs)) {
    const full = join(dir, cmd);
    try {
      await access(full, constants.X_OK);
      if ((await stat(full)).isFile()) return full;
    } catch {
      // not here: try the next directory
    }
  }
  return undefined;
}

/**
 * A probe must never hang the report: after timeoutMs the whole process group is killed
 * (a grandchild such as `unshare --fork`'s child could otherwise keep the pipes open) and
 * we answer without waiting for the pipes to close.
 */
function run(cmd: string, args: string[], timeoutMs = PROBE_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let done = false;
    const finish = (r: Omit<RunResult, 'stdout' | 'stderr'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...r, stdout, stderr });
    };
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, LC_ALL: 'C' } });
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      finish({ code: null, timedOut: true });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => finish({ code: null, timedOut: false, spawnError: `${cmd}: ${e.message}` }));
    child.on('close', (code) => finish({ code, timedOut: false }));
  });
}

export function realHost(): Host {
  const env = process.env;
  return {
    readFile: (path) => readFile(path).catch(() => undefined),
    async stat(path): Promise<FileInfo | undefined> {
      try {
        const s = await stat(path);
        return { mode: s.mode, uid: s.uid, gid: s.gid, isDirectory: s.isDirectory() };
      } catch {
        return undefined;
      }
    },
    writable: (path) => access(path, constants.W_OK).then(() => true, () => false),
    which: (cmd) => which(cmd, env),
    run,
    env,
    uid: process.getuid?.() ?? -1,
    gid: process.getgid?.() ?? -1,
    release: release(),
    idmapMount: (dir) => idmapMountProbe(dir),
  };
}
