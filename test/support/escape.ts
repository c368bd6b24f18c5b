// The escape suite's shared parts: the attacker probe (a static C program built from
// test/support/escape-probe.c), a guard that proves the host untouched (binary hashes, a
// marker file, core_pattern and release_agent contents), and the two kinds of target: a
// system container (corral create/start/attach) and an OCI container (corral oci run/exec).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Spec } from '../../src/runtime/spec/types.js';
import { makeBundle, type TestBundle } from './bundle.js';
import { hasBusybox, tempDir } from './busybox.js';
import { CORRAL, corral, isRoot, REPO, type Result } from './cli.js';
import { lxcEnv, type LxcEnv } from './lxc.js';

export const PROBE_IN_CONTAINER = '/probe';

/** An unprivileged system container: a user namespace without host root in it. */
export const UNPRIVILEGED = ['lxc.idmap = u 0 100000 65536', 'lxc.idmap = g 0 100000 65536'];

function hasCompiler(): boolean {
  return spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
}

export const escapeSkip: string | false = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : !hasCompiler() ? 'needs cc (static libc)' : false;

let probeBinary: string | undefined;

/** cc -static of the probe, once per process. */
export function probe(): string {
  if (probeBinary) return probeBinary;
  const out = join(tempDir('probe'), 'probe');
  execFileSync('cc', ['-static', '-O1', '-o', out, join(REPO, 'test/support/escape-probe.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
  probeBinary = out;
  return out;
}

export function installProbe(rootfs: string): void {
  copyFileSync(probe(), join(rootfs, PROBE_IN_CONTAINER.slice(1)));
  chmodSync(join(rootfs, PROBE_IN_CONTAINER.slice(1)), 0o755);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return `unreadable: ${(err as NodeJS.ErrnoException).code}`;
  }
}

/** Everything an escape would change on the host, read before and compared after. */
export class HostGuard {
  readonly dir = tempDir('host');
  readonly marker = join(this.dir, 'marker');
  private before: Record<string, string> = {};

  constructor() {
    writeFileSync(this.marker, `host marker ${process.pid}\n`, { mode: 0o600 });
    this.before = this.snapshot();
  }

  snapshot(): Record<string, string> {
    const files = ['native/corral-helper', 'bin/corral', 'dist/corral.cjs', 'native/init/corral-init'].map((f) => join(REPO, f));
    const snap: Record<string, string> = {};
    for (const f of files) if (existsSync(f)) snap[f] = sha256(f);
    snap[this.marker] = readFileSync(this.marker, 'utf8');
    snap['marker dir'] = readdirSync(this.dir).sort().join(',');
    snap['/proc/sys/kernel/core_pattern'] = readOr('/proc/sys/kernel/core_pattern');
    for (const h of readdirSync('/sys/fs/cgroup')) {
      const agent = join('/sys/fs/cgroup', h, 'release_agent');
      if (existsSync(agent)) snap[agent] = readOr(agent);
    }
    return snap;
  }

  assertUntouched(): void {
    assert.deepEqual(this.snapshot(), this.before, 'the host changed');
  }
}

/** A busybox system container in a store of its own, with the probe in its rootfs. */
export class SystemTarget {
  readonly lxc: LxcEnv;
  readonly name: string;

  constructor(prefix: string, config: string[] = []) {
    this.lxc = lxcEnv(prefix);
    this.name = `${prefix}-${process.pid}`;
    // the container's root (a mapped host uid) reaches its rootfs by path, as with LXC
    if (config.some((l) => l.startsWith('lxc.idmap'))) chmodSync(dirname(this.lxc.lxcpath), 0o711);
    const r = this.lxc.run('lxc-create', ['-n', this.name, '-t', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    if (config.length > 0) writeFileSync(this.configPath, `${readFileSync(this.configPath, 'utf8')}\n${config.join('\n')}\n`);
    installProbe(this.rootfs);
  }

  get rootfs(): string {
    return join(this.lxc.lxcpath, this.name, 'rootfs');
  }

  get configPath(): string {
    return join(this.lxc.lxcpath, this.name, 'config');
  }

  start(): void {
    const r = this.lxc.run('lxc-start', ['-n', this.name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(this.lxc.run('lxc-wait', ['-n', this.name, '-s', 'RUNNING', '-t', '10']).code, 0);
  }

  attach(command: string[], opts: { timeoutMs?: number } = {}): Result {
    return this.lxc.run('lxc-attach', ['-n', this.name, '--', ...command], opts);
  }

  /** `lxc-attach` without waiting, for attacks that race it. */
  attachAsync(command: string[]): Promise<Result> {
    return runAsync(join(this.lxc.bin, 'lxc-attach'), ['-n', this.name, '--', ...command], { CORRAL_LXCPATH: this.lxc.lxcpath });
  }

  execute(command: string[]): Result {
    return this.lxc.run('lxc-execute', ['-n', this.name, '--', ...command]);
  }

  initPid(): number {
    return Number(/PID:\s+(\d+)/.exec(this.lxc.run('lxc-info', ['-n', this.name]).stdout)?.[1]);
  }

  destroy(): void {
    this.lxc.run('lxc-stop', ['-n', this.name, '-k']);
    this.lxc.run('lxc-destroy', ['-n', this.name, '-f']);
    this.lxc.cleanup();
  }
}

/** An OCI container from a busybox bundle (the default spec, as `corral oci spec` writes it). */
export class OciTarget {
  readonly root = tempDir('oci-root');
  readonly bundle: TestBundle;
  readonly id: string;
  private started = false;

  constructor(prefix: string, args: string[] = ['sleep', '3600'], adjust: (spec: Spec) => void = () => {}) {
    this.id = `${prefix}-${process.pid}`;
    this.bundle = makeBundle(args, adjust);
    installProbe(join(this.bundle.dir, 'rootfs'));
  }

  get rootfs(): string {
    return join(this.bundle.dir, 'rootfs');
  }

  oci(args: string[], opts: { timeoutMs?: number } = {}): Result {
    return corral(['oci', '--root', this.root, ...args], opts);
  }

  /** A detached container running the bundle's process. */
  start(): void {
    const r = this.oci(['run', '-d', '-b', this.bundle.dir, this.id]);
    assert.equal(r.code, 0, r.stderr);
    this.started = true;
  }

  /** The bundle's process in the foreground: its output. */
  run(): Result {
    return this.oci(['run', '-b', this.bundle.dir, this.id]);
  }

  exec(command: string[], extra: string[] = []): Result {
    return this.oci(['exec', ...extra, this.id, ...command]);
  }

  execAsync(command: string[]): Promise<Result> {
    return runAsync(process.execPath, [CORRAL, 'oci', '--root', this.root, 'exec', this.id, ...command], {});
  }

  destroy(): void {
    if (this.started) this.oci(['kill', this.id, 'KILL']);
    this.oci(['delete', '-f', this.id]);
  }
}

function runAsync(cmd: string, args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const e = { ...process.env, ...env };
    delete e.NODE_EXTRA_CA_CERTS;
    const child = spawn(cmd, args, { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/** "key value..." lines of the probe whose key is `key`. */
export function lines(out: string, key: string): string[][] {
  return out.split('\n').map((l) => l.trim().split(' ')).filter((w) => w[0] === key).map((w) => w.slice(1));
}
