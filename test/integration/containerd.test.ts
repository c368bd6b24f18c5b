// containerd through Corral: containerd started by the test with its own config, root, state
// and socket under a temp dir (CRI off, loopback only: no network is involved), `ctr` driving
// the runc v2 shim told to use bin/corral-runtime (`--runc-binary`, the shim's BinaryName),
// and the very same scenarios under runc. Afterwards nothing may be left: tasks, containers,
// shims, runtime state, cgroups, mounts.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasBusybox, tempDir } from '../support/busybox.js';
import { isRoot, REPO, type Result } from '../support/cli.js';
import {
  busyboxImageArchive,
  cgroupDirsNamed,
  hostDirsGuard,
  inPty,
  killProcessesWith,
  processesWith,
  removeCgroupTree,
  runIn,
  runtimesUnderTest,
  unmountUnder,
  which,
  type RuntimeUnderTest,
} from '../support/clients.js';
import { hostMountsUnder } from '../support/leftovers.js';

const skip = !isRoot()
  ? 'needs root'
  : !hasBusybox()
    ? 'needs busybox-static'
    : !which('containerd') || !which('ctr') || !which('containerd-shim-runc-v2')
      ? 'needs containerd (scripts/setup installs it)'
      : !which('script')
        ? 'needs util-linux (script)'
        : false;

const IMAGE = 'docker.io/library/corral-busybox:latest';

/** Plugins that would touch the host or need things this test does not set up. */
const DISABLED = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.internal.v1.opt',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

class Containerd {
  readonly dir = tempDir('containerd');
  readonly ns = `corral-test-${process.pid}`;
  readonly socket = join(this.dir, 'containerd.sock');
  private daemon?: ChildProcess;
  // the shim's socket dir and ctr's fifo dir are fixed host paths in containerd 1.6
  private readonly hostDirs = hostDirsGuard(['/run/containerd', '/var/lib/containerd', '/opt/containerd']);
  private readonly nsCgroups = new Set(cgroupDirsNamed(`corral-test-${process.pid}`));

  async start(): Promise<void> {
    const config = join(this.dir, 'config.toml');
    writeFileSync(
      config,
      [
        'version = 2',
        `root = "${this.dir}/root"`,
        `state = "${this.dir}/state"`,
        `disabled_plugins = [${DISABLED.map((p) => `"${p}"`).join(', ')}]`,
        '[grpc]',
        `  address = "${this.socket}"`,
        '[ttrpc]',
        `  address = "${this.socket}.ttrpc"`,
        '[debug]',
        '  address = ""',
        '[metrics]',
        '  address = ""',
        '',
      ].join('\n'),
    );
    const log = openSync(join(this.dir, 'containerd.log'), 'a');
    // stopped with us even if this process dies without cleaning up (parent-death signal)
    this.daemon = spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'containerd', '--config', config], { stdio: ['ignore', log, log] });
    closeSync(log);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (existsSync(this.socket) && this.ctr(['version']).code === 0) return;
      if (this.daemon.exitCode !== null || Date.now() > deadline) {
        assert.fail(`containerd did not start:\n${readFileSync(join(this.dir, 'containerd.log'), 'utf8').slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  ctr(args: string[], timeoutMs = 60_000): Result {
    return runIn(this.dir, 'ctr', ['--address', this.socket, '--namespace', this.ns, ...args], { timeoutMs });
  }

  ctrLine(args: string[]): string {
    return ['ctr', '--address', this.socket, '--namespace', this.ns, ...args].join(' ');
  }

  /** The shim's options: runc v2 with this runtime binary (BinaryName) and a state root of ours. */
  runtimeFlags(rt: RuntimeUnderTest): string[] {
    return ['--runtime', 'io.containerd.runc.v2', '--runc-binary', rt.path, '--runc-root', this.runtimeRoot(rt)];
  }

  runtimeRoot(rt: RuntimeUnderTest): string {
    return join(this.dir, `runtime-${rt.name}`);
  }

  tasks(): Map<string, { pid: number; status: string }> {
    const out = new Map<string, { pid: number; status: string }>();
    for (const line of this.ctr(['task', 'ls']).stdout.split('\n').slice(1)) {
      const [id, pid, status] = line.trim().split(/\s+/);
      if (id) out.set(id, { pid: Number(pid), status: status ?? '' });
    }
    return out;
  }

  leftovers(rt: RuntimeUnderTest): string[] {
    const out: string[] = [];
    const tasks = this.ctr(['task', 'ls', '--quiet']).stdout.trim();
    if (tasks) out.push(`tasks: ${tasks}`);
    const containers = this.ctr(['container', 'ls', '--quiet']).stdout.trim();
    if (containers) out.push(`containers: ${containers}`);
    for (const p of processesWith(this.dir)) if (p.pid !== this.daemon?.pid) out.push(`process ${p.pid}: ${p.cmdline}`);
    const state = join(this.runtimeRoot(rt), this.ns);
    if (existsSync(state) && readdirSync(state).length > 0) out.push(`runtime state: ${readdirSync(state).join(' ')}`);
    for (const d of cgroupDirsNamed(this.ns)) {
      const children = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory());
      for (const c of children) out.push(`cgroup ${join(d, c.name)}`);
    }
    for (const m of hostMountsUnder(this.dir)) out.push(`mount ${m}`);
    return out;
  }

  async cleanup(): Promise<void> {
    if (this.daemon && this.daemon.exitCode === null) {
      for (const id of this.tasks().keys()) {
        this.ctr(['task', 'kill', '--all', '--signal', 'SIGKILL', id]);
        this.ctr(['task', 'delete', '--force', id]);
      }
      for (const id of this.ctr(['container', 'ls', '--quiet']).stdout.split('\n').filter(Boolean)) this.ctr(['container', 'delete', id]);
      this.ctr(['image', 'remove', IMAGE]);
      const exited = new Promise((r) => this.daemon!.once('exit', r));
      this.daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    if (this.daemon?.exitCode === null) this.daemon.kill('SIGKILL');
    killProcessesWith(this.dir); // shims of a failed run
    unmountUnder(this.dir);
    for (const d of cgroupDirsNamed(this.ns)) if (!this.nsCgroups.has(d)) removeCgroupTree(d);
    rmSync(this.dir, { recursive: true, force: true });
    this.hostDirs.restore();
  }
}

function ok(r: Result, what: string): Result {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** ctr's default spec has no /sys/fs/cgroup: the limits are read through this mount. */
const CGROUP_MOUNT = ['--mount', 'type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:nodev:noexec'];

const LIMITS_SCRIPT = [
  'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
  'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"',
].join('; ');

describe('containerd', { skip }, () => {
  const cd = new Containerd();

  before(async () => {
    await cd.start();
    const archive = busyboxImageArchive(cd.dir, IMAGE);
    ok(cd.ctr(['image', 'import', archive]), 'ctr image import');
    rmSync(archive);
  });

  after(() => cd.cleanup());

  for (const rt of runtimesUnderTest()) {
    describe(`ctr with the runc v2 shim, BinaryName = ${rt.name}`, () => {
      const flags = cd.runtimeFlags(rt);
      const id = (what: string) => `${what}-${rt.name}`;

      test('run --rm: output, and the exit status comes back', () => {
        const r = cd.ctr(['run', '--rm', ...flags, IMAGE, id('rm'), 'sh', '-c', 'echo hello; exit 7']);
        assert.equal(r.code, 7, r.stderr);
        assert.equal(r.stdout, 'hello\n');
      });

      test('run: a missing executable fails the create with the runtime\'s message', () => {
        const r = cd.ctr(['run', '--rm', ...flags, IMAGE, id('missing'), '/no/such/thing']);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /OCI runtime create failed: .*no such file or directory/i);
        assert.equal(cd.ctr(['container', 'ls', '--quiet']).stdout.trim(), '');
      });

      test('run -d, task exec, ps, pause/resume, update, kill, delete: exit statuses', async () => {
        const c = id('life');
        const script = 'trap "exit 42" TERM; while true; do sleep 0.1; done';
        ok(cd.ctr(['run', '-d', ...flags, ...CGROUP_MOUNT, IMAGE, c, 'sh', '-c', script]), 'run -d');
        assert.equal(cd.tasks().get(c)?.status, 'RUNNING');
        const ex = cd.ctr(['task', 'exec', '--exec-id', 'e1', c, 'sh', '-c', 'echo in exec; exit 3']);
        assert.equal(ex.code, 3, ex.stderr);
        assert.equal(ex.stdout, 'in exec\n');
        const missing = cd.ctr(['task', 'exec', '--exec-id', 'e2', c, '/no/such/thing']);
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /OCI runtime exec failed: .*no such file or directory/i);
        const init = cd.tasks().get(c)!.pid;
        const ps = ok(cd.ctr(['task', 'ps', c]), 'task ps').stdout;
        assert.match(ps, new RegExp(`^${init}\\s`, 'm'));
        ok(cd.ctr(['task', 'pause', c]), 'task pause');
        assert.equal(cd.tasks().get(c)?.status, 'PAUSED');
        ok(cd.ctr(['task', 'resume', c]), 'task resume');
        assert.equal(cd.tasks().get(c)?.status, 'RUNNING');
        // what the shim runs for a CRI UpdateContainerResources (ctr has no command for it)
        const update = runIn(cd.dir, rt.path, ['--root', join(cd.runtimeRoot(rt), cd.ns), 'update', '--resources', '-', c], {
          input: JSON.stringify({ memory: { limit: 48 << 20 }, cpu: { quota: 25000, period: 100000 } }),
        });
        ok(update, 'update --resources -');
        const limits = ok(cd.ctr(['task', 'exec', '--exec-id', 'e3', c, 'sh', '-c', LIMITS_SCRIPT]), 'exec (limits)').stdout.split('\n');
        assert.deepEqual(limits.slice(0, 2), [String(48 << 20), '25000 100000']);
        ok(cd.ctr(['task', 'kill', c]), 'task kill');
        await waitUntil('the task to stop', () => cd.tasks().get(c)?.status === 'STOPPED');
        const del = ok(cd.ctr(['task', 'delete', c]), 'task delete');
        assert.match(del.stderr, /exit code 42/);
        ok(cd.ctr(['container', 'delete', c]), 'container delete');
      });

      test('run in the foreground: ctr returns the status of a task killed by task kill', async () => {
        const c = id('fg');
        const ctr = spawn('ctr', ['--address', cd.socket, '--namespace', cd.ns, 'run', '--rm', ...flags, IMAGE, c, 'sh', '-c', 'trap "exit 43" TERM; while true; do sleep 0.1; done'], {
          stdio: 'ignore',
        });
        const exited = new Promise<number | null>((r) => ctr.once('exit', (code) => r(code)));
        await waitUntil('the task to run', () => cd.tasks().get(c)?.status === 'RUNNING');
        ok(cd.ctr(['task', 'kill', c]), 'task kill');
        assert.equal(await exited, 43);
      });

      test('task kill --all: every process of the task, and 137', async () => {
        const c = id('all');
        ok(cd.ctr(['run', '-d', ...flags, IMAGE, c, 'sh', '-c', 'sleep 1000 & sleep 1000 & wait']), 'run -d');
        let pids: number[] = [];
        await waitUntil('three processes', () => {
          pids = cd.ctr(['task', 'ps', c]).stdout.split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter((n) => n > 0);
          return pids.length === 3;
        });
        ok(cd.ctr(['task', 'kill', '--all', '--signal', 'SIGKILL', c]), 'task kill --all');
        await waitUntil('the task to stop', () => cd.tasks().get(c)?.status === 'STOPPED');
        await waitUntil('every process to be gone', () => pids.every((p) => !alive(p)));
        assert.match(ok(cd.ctr(['task', 'delete', c]), 'task delete').stderr, /exit code 137/);
        ok(cd.ctr(['container', 'delete', c]), 'container delete');
      });

      test('run -t and task exec -t: a terminal, and the exit status', () => {
        const r = inPty(cd.dir, cd.ctrLine(['run', '--rm', '-t', ...flags, IMAGE, id('tty'), 'sh']), 'tty; exit 9\n');
        assert.equal(r.code, 9, r.stdout + r.stderr);
        assert.match(r.stdout, /\/dev\/pts\/0/);
        const c = id('ttyexec');
        ok(cd.ctr(['run', '-d', ...flags, IMAGE, c, 'sleep', '1000']), 'run -d');
        const e = inPty(cd.dir, cd.ctrLine(['task', 'exec', '-t', '--exec-id', 't1', c, 'sh']), 'tty; exit 8\n');
        assert.equal(e.code, 8, e.stdout + e.stderr);
        assert.match(e.stdout, /\/dev\/pts\/\d+/);
        ok(cd.ctr(['task', 'kill', '--signal', 'SIGKILL', c]), 'task kill');
        ok(cd.ctr(['task', 'delete', '--force', c]), 'task delete');
        ok(cd.ctr(['container', 'delete', c]), 'container delete');
      });

      test('--memory-limit and --cpus are applied (read from inside)', () => {
        const r = ok(cd.ctr(['run', '--rm', ...flags, ...CGROUP_MOUNT, '--memory-limit', String(64 << 20), '--cpus', '0.5', IMAGE, id('limits'), 'sh', '-c', LIMITS_SCRIPT]), 'run with limits');
        assert.deepEqual(r.stdout.split('\n').slice(0, 2), [String(64 << 20), '50000 100000']);
      });

      if (rt.name === 'corral') {
        test('SystemdCgroup and checkpoint: refused, with a reason the client shows', () => {
          const sd = cd.ctr(['run', '--rm', ...flags, '--runc-systemd-cgroup', '--cgroup', `system.slice:corral:${id('sd')}`, IMAGE, id('sd'), 'true']);
          assert.equal(sd.code, 1);
          assert.match(sd.stderr, /OCI runtime create failed: --systemd-cgroup is not supported/);
          const c = id('ckpt');
          ok(cd.ctr(['run', '-d', ...flags, IMAGE, c, 'sleep', '1000']), 'run -d');
          const ck = cd.ctr(['task', 'checkpoint', c]);
          assert.notEqual(ck.code, 0);
          assert.match(ck.stderr, /checkpoint is not supported/);
          ok(cd.ctr(['task', 'kill', '--signal', 'SIGKILL', c]), 'task kill');
          ok(cd.ctr(['task', 'delete', '--force', c]), 'task delete');
          ok(cd.ctr(['container', 'delete', c]), 'container delete');
        });
      }

      test('nothing is left: tasks, containers, shims, runtime state, cgroups, mounts', () => {
        assert.deepEqual(cd.leftovers(rt), []);
      });
    });
  }

  test('docs/clients.md: the Kubernetes containerd configuration loads', () => {
    const doc = readFileSync(join(REPO, 'docs', 'clients.md'), 'utf8');
    const m = /<!-- containerd-cri-config -->\s*```toml\n([\s\S]*?)```/.exec(doc);
    assert.ok(m, 'docs/clients.md has no containerd CRI config block');
    const dir = join(cd.dir, 'doc-config');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.toml'), m[1]!);
    const dump = ok(runIn(dir, 'containerd', ['--config', join(dir, 'config.toml'), 'config', 'dump']), 'containerd config dump').stdout;
    assert.match(dump, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.corral\]/);
    assert.match(dump, /runtime_type = "io\.containerd\.runc\.v2"/);
    assert.match(dump, /BinaryName = "\/usr\/local\/bin\/corral-runtime"/);
  });
});
