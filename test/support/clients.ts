// Shared by the client tests (podman, containerd): the runtimes under test, busybox image
// archives, commands with their output in files, a pty driver, and checks for what a run
// may leave behind (processes, cgroups, mounts, host directories).
import { spawnSync, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { makeBusyboxRootfs } from './busybox.js';
import { REPO, type Result } from './cli.js';
import { hostMountsUnder } from './leftovers.js';

export interface RuntimeUnderTest {
  name: 'runc' | 'corral';
  /** the binary a client is told to use */
  path: string;
  /** where it keeps container state when the client passes no --root */
  defaultRoot: string;
}

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

/** runc and Corral, each as a client sees it: an absolute path to a runc-compatible binary. */
export function runtimesUnderTest(): RuntimeUnderTest[] {
  const out: RuntimeUnderTest[] = [];
  const runc = which('runc');
  if (runc) out.push({ name: 'runc', path: runc, defaultRoot: '/run/runc' });
  out.push({ name: 'corral', path: join(REPO, 'bin', 'corral-runtime'), defaultRoot: '/run/corral/oci' });
  return out;
}

export interface RunOpts {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** fds of ours that become the command's fds 3, 4, ... */
  extraFds?: number[];
}

/**
 * Output goes to files, not pipes: a client's long-lived helpers (conmon, shims) may keep
 * a copy of what they inherited, and a pipe would then never reach EOF.
 */
export function runIn(dir: string, cmd: string, args: string[], opts: RunOpts = {}): Result {
  const out = openSync(join(dir, 'cmd.out'), 'w+');
  const err = openSync(join(dir, 'cmd.err'), 'w+');
  try {
    const stdio: StdioOptions = [opts.input === undefined ? 'ignore' : 'pipe', out, err, ...(opts.extraFds ?? [])];
    const r = spawnSync(cmd, args, { input: opts.input, stdio, timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env });
    const code = r.status ?? (r.signal ? 128 : 255);
    return { code, stdout: readFileSync(join(dir, 'cmd.out'), 'utf8'), stderr: readFileSync(join(dir, 'cmd.err'), 'utf8') + (r.error ? `\n${r.error.message}` : '') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/** Runs a shell command line on a new pty (util-linux `script`), typing `input` into it. */
export function inPty(dir: string, commandLine: string, input: string, env?: NodeJS.ProcessEnv, timeoutMs = 30_000): Result {
  return runIn(dir, 'script', ['-qec', commandLine, '/dev/null'], { input, env, timeoutMs });
}

/** A busybox root filesystem as a plain tarball (what `podman import` takes). */
export function busyboxTarball(dir: string): string {
  const rootfs = makeBusyboxRootfs(join(dir, 'image-rootfs'));
  const tar = join(dir, 'busybox-rootfs.tar');
  const r = spawnSync('tar', ['-C', rootfs, '--numeric-owner', '-cf', tar, '.'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  rmSync(rootfs, { recursive: true, force: true });
  return tar;
}

/** A docker-archive image (`docker save` layout) of a busybox rootfs, for `ctr image import`. */
export function busyboxImageArchive(dir: string, ref: string): string {
  const work = join(dir, 'image');
  mkdirSync(work, { recursive: true });
  const layer = busyboxTarball(work);
  const diffId = createHash('sha256').update(readFileSync(layer)).digest('hex');
  const config = {
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    os: 'linux',
    config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
  };
  writeFileSync(join(work, 'config.json'), JSON.stringify(config));
  writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [ref], Layers: ['busybox-rootfs.tar'] }]));
  const archive = join(dir, 'busybox-image.tar');
  const r = spawnSync('tar', ['-C', work, '-cf', archive, 'manifest.json', 'config.json', 'busybox-rootfs.tar'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  rmSync(work, { recursive: true, force: true });
  return archive;
}

/** A synchronous sleep (tests that poll between spawnSync calls). */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Pids of the processes whose command line contains `text` (never our own). */
export function processesWith(text: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmdline.includes(text)) found.push({ pid, cmdline });
    } catch {
      // gone
    }
  }
  return found;
}

/** SIGKILL the processes (ours: found by a path only this test uses) and wait for them. */
export function killProcessesWith(text: string): void {
  for (const p of processesWith(text)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + 5000;
  while (processesWith(text).length > 0 && Date.now() < deadline) sleepMs(50);
}

/** Unmounts whatever is still mounted under dir (deepest first): cleanup after a failure. */
export function unmountUnder(dir: string): void {
  for (const mp of hostMountsUnder(dir).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
}

/**
 * Host paths a client creates on first use and cannot be told to put elsewhere (podman's
 * netavark IPAM db, containerd's shim socket dir...): those absent now are removed by
 * `restore()`, with everything in them.
 */
export function hostDirsGuard(paths: string[]): { created(): string[]; restore(): void } {
  const absent = paths.filter((p) => !existsSync(p));
  return {
    created: () => absent.filter((p) => existsSync(p)),
    restore() {
      for (const p of absent) rmSync(p, { recursive: true, force: true });
    },
  };
}

/** rmdir (never rm -r: a cgroup with processes stays, and is reported) of a cgroup dir and its children. */
export function removeCgroupTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const name of entries) removeCgroupTree(join(dir, name));
  try {
    rmdirSync(dir);
  } catch {
    // busy
  }
}

/** The directory <name> (and below it) in every cgroup hierarchy, if present. */
export function cgroupDirsNamed(relative: string): string[] {
  const found: string[] = [];
  if (!existsSync('/sys/fs/cgroup')) return found;
  const roots = existsSync('/sys/fs/cgroup/cgroup.controllers') ? ['/sys/fs/cgroup'] : readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h));
  for (const root of roots) {
    const dir = join(root, relative);
    if (existsSync(dir)) found.push(dir);
  }
  return found;
}
