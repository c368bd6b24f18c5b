// podman through Corral: `podman --runtime <bin/corral-runtime>` as a user types it, and the
// very same scenarios under runc. podman gets storage, state, config, events and lock files
// of the test's own, and runs inside a network namespace the test made (its default network's
// bridge and firewall rules live there, with no route out of it). Afterwards nothing may be
// left: containers, conmon processes, runtime state, cgroups, mounts.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasBusybox, tempDir } from '../support/busybox.js';
import { isRoot, type Result } from '../support/cli.js';
import {
  busyboxTarball,
  cgroupDirsNamed,
  hostDirsGuard,
  inPty,
  killProcessesWith,
  processesWith,
  removeCgroupTree,
  runIn,
  runtimesUnderTest,
  sleepMs,
  unmountUnder,
  which,
  type RuntimeUnderTest,
} from '../support/clients.js';
import { leftoverCgroups } from '../support/differential.js';
import { hostMountsUnder } from '../support/leftovers.js';

const skip = !isRoot()
  ? 'needs root'
  : !hasBusybox()
    ? 'needs busybox-static'
    : !which('podman') || !which('conmon')
      ? 'needs podman and conmon (scripts/setup installs them)'
      : !which('nsenter') || !which('unshare') || !which('script')
        ? 'needs util-linux (nsenter, unshare, script)'
        : false;

const IMAGE = 'localhost/corral-busybox:latest';

/** podman with everything of its own under one temp dir, in a network namespace of its own. */
class Podman {
  readonly dir = tempDir('podman');
  private holder?: ChildProcess;
  private readonly hostDirs = hostDirsGuard(['/run/containers', '/var/lib/containers', '/run/libpod', '/run/runc']);
  private readonly netnsDir = { existed: existsSync('/run/netns'), mounted: hostMountsUnder('/run/netns').includes('/run/netns') };
  private readonly parentCgroups = new Set(cgroupDirsNamed('libpod_parent'));

  start(): void {
    for (const d of ['root', 'runroot', 'tmp', 'libpod', 'networks']) mkdirSync(join(this.dir, d));
    // This machine may withhold CAP_SYS_RESOURCE: podman's default rlimits (1048576 files,
    // 4194304 processes) could not be set by any runtime; lower ones can.
    writeFileSync(
      join(this.dir, 'containers.conf'),
      [
        '[containers]',
        'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        // conmon passes --log-format=json --log FILE to these (docs/clients.md)
        'runtime_supports_json = ["crun", "runc", "corral-runtime"]',
        'events_logger = "file"',
        `events_logfile_path = "${this.dir}/events.log"`,
        `tmp_dir = "${this.dir}/libpod"`,
        'lock_type = "file"',
        '[network]',
        `network_config_dir = "${this.dir}/networks"`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(this.dir, 'registries.conf'), 'unqualified-search-registries = []\n');
    writeFileSync(join(this.dir, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${this.dir}/root"\nrunroot = "${this.dir}/runroot"\n`);
    // a network namespace held by a process (no /run/netns file, no mount): podman's bridge,
    // its firewall rules and its containers' traffic stay in it
    // (killed with us even if this process dies without cleaning up: parent-death signal)
    this.holder = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', '--net', '--', 'sleep', '100000'], { stdio: 'ignore' });
    const ns = `/proc/${this.holder.pid}/ns/net`;
    const deadline = Date.now() + 5000;
    while (readlinkSafe(ns) === readlinkSafe('/proc/self/ns/net') && Date.now() < deadline) sleepMs(20);
    assert.notEqual(readlinkSafe(ns), readlinkSafe('/proc/self/ns/net'), 'the network namespace holder did not start');
    assert.equal(runIn(this.dir, 'nsenter', [`--net=${ns}`, 'ip', 'link', 'set', 'lo', 'up']).code, 0);
  }

  env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CONTAINERS_CONF: join(this.dir, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: join(this.dir, 'storage.conf'),
      CONTAINERS_REGISTRIES_CONF: join(this.dir, 'registries.conf'),
      TMPDIR: join(this.dir, 'tmp'),
    };
    delete env.NODE_EXTRA_CA_CERTS;
    return env;
  }

  /** The full command line, as a user would type it (also used under `script`). */
  argv(runtime: RuntimeUnderTest | undefined, args: string[]): string[] {
    const global = [
      '--root', join(this.dir, 'root'),
      '--runroot', join(this.dir, 'runroot'),
      '--storage-driver', 'vfs',
      '--cgroup-manager', 'cgroupfs',
      '--events-backend', 'file',
      '--tmpdir', join(this.dir, 'libpod'),
      ...(runtime ? ['--runtime', runtime.path] : []),
    ];
    return ['nsenter', `--net=/proc/${this.holder!.pid}/ns/net`, 'podman', ...global, ...args];
  }

  run(runtime: RuntimeUnderTest | undefined, args: string[], opts: { extraFds?: number[]; timeoutMs?: number } = {}): Result {
    const [cmd, ...rest] = this.argv(runtime, args);
    return runIn(this.dir, cmd!, rest, { env: this.env(), extraFds: opts.extraFds, timeoutMs: opts.timeoutMs ?? 60_000 });
  }

  pty(runtime: RuntimeUnderTest, args: string[], input: string): Result {
    return inPty(this.dir, this.argv(runtime, args).join(' '), input, this.env());
  }

  /** What a run left behind: a non-empty list is a failure. */
  leftovers(runtime: RuntimeUnderTest): string[] {
    const out: string[] = [];
    const ps = this.run(runtime, ['ps', '-a', '-q', '--no-trunc']).stdout.trim();
    if (ps) out.push(`containers: ${ps.split('\n').join(' ')}`);
    for (const p of processesWith(this.dir)) if (p.pid !== this.holder?.pid) out.push(`process ${p.pid}: ${p.cmdline}`);
    const ids = this.containerIds();
    assert.ok(ids.length > 0, 'no container in the events log');
    for (const id of ids) {
      if (existsSync(join(runtime.defaultRoot, id))) out.push(`runtime state ${join(runtime.defaultRoot, id)}`);
    }
    for (const d of leftoverCgroups(ids.map((id) => `libpod-${id}`))) out.push(`cgroup ${d}`);
    for (const m of hostMountsUnder(this.dir)) out.push(`mount ${m}`);
    for (const f of existsSync('/run/netns') ? readdirSync('/run/netns') : []) if (f.startsWith('netns-')) out.push(`netns /run/netns/${f}`);
    return out;
  }

  cleanup(): void {
    if (this.holder?.pid) for (const rt of runtimesUnderTest()) this.run(rt, ['rm', '--all', '--force', '--time', '0']);
    killProcessesWith(this.dir); // conmon, if podman could not stop it
    unmountUnder(this.dir);
    this.holder?.kill('SIGKILL');
    for (const d of cgroupDirsNamed('libpod_parent')) if (!this.parentCgroups.has(d)) removeCgroupTree(d);
    rmSync(this.dir, { recursive: true, force: true });
    this.hostDirs.restore();
    // podman makes /run/netns a shared bind mount of itself when it is not a mount point
    const netnsEmpty = existsSync('/run/netns') && readdirSync('/run/netns').length === 0;
    if (netnsEmpty && !this.netnsDir.mounted && hostMountsUnder('/run/netns').includes('/run/netns')) spawnSync('umount', ['/run/netns'], { stdio: 'ignore' });
    if (netnsEmpty && !this.netnsDir.existed) rmdirSafe('/run/netns');
  }

  /** Every container podman made, from its events log (`run --rm` ones included). */
  containerIds(): string[] {
    const log = existsSync(join(this.dir, 'events.log')) ? readFileSync(join(this.dir, 'events.log'), 'utf8') : '';
    return [...new Set([...log.matchAll(/"ID":"([0-9a-f]{64})"/g)].map((m) => m[1]!))];
  }
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

function rmdirSafe(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not empty or gone
  }
}

function ok(r: Result, what: string): Result {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): void {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    sleepMs(100);
  }
}

/** v2 file, else the v1 one: what the container itself sees under /sys/fs/cgroup. */
const LIMITS_SCRIPT = [
  'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
  'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max',
  'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"',
].join('; ');

describe('podman', { skip }, () => {
  const podman = new Podman();

  before(() => {
    podman.start();
    const tar = busyboxTarball(podman.dir);
    ok(podman.run(undefined, ['import', tar, IMAGE]), 'podman import');
    rmSync(tar);
  });

  after(() => podman.cleanup());

  for (const rt of runtimesUnderTest()) {
    describe(`podman --runtime ${rt.name}`, () => {
      const pm = (args: string[], opts?: { extraFds?: number[] }) => podman.run(rt, args, opts);
      const name = (what: string) => `${what}-${rt.name}-${process.pid}`;

      test('podman info reads the runtime\'s --version', () => {
        const version = ok(pm(['info', '--format', '{{.Host.OCIRuntime.Version}}']), 'podman info').stdout;
        assert.match(version, new RegExp(`^${rt.name === 'corral' ? 'corral-runtime' : 'runc'} version \\S+\n(?:.+\n)*?spec: \\S+`));
      });

      test('run --rm: output, and the exit code passes through', () => {
        const r = pm(['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'echo hello from $(hostname); exit 3']);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stdout, /^hello from \w+/);
      });

      test('run: a missing or non-executable command gives 127 / 126, as podman maps runc errors', () => {
        const missing = pm(['run', '--rm', '--network', 'none', IMAGE, '/no/such/thing']);
        assert.equal(missing.code, 127, missing.stderr);
        // the runtime's own error line, read by conmon from the --log file (JSON)
        assert.match(missing.stderr, /^Error: .*\/no\/such\/thing.*: no such file or directory/im);
        assert.doesNotMatch(missing.stderr, /corral: error:/);
        const notExec = pm(['run', '--rm', '--network', 'none', IMAGE, '/etc/passwd']);
        assert.equal(notExec.code, 126, notExec.stderr);
      });

      test('run -d, exec, logs, top, pause/unpause, update, stop (exit status), rm', () => {
        const n = name('life');
        const script = 'echo started; trap "echo stopping; exit 42" TERM; while true; do sleep 0.1; done';
        const id = ok(pm(['run', '-d', '--name', n, IMAGE, 'sh', '-c', script]), 'run -d').stdout.trim();
        assert.match(id, /^[0-9a-f]{64}$/);
        waitUntil('the container to log', () => pm(['logs', n]).stdout.includes('started'));
        const ex = pm(['exec', n, 'sh', '-c', 'echo in exec; cat /proc/1/cmdline | tr "\\0" " "; exit 5']);
        assert.equal(ex.code, 5, ex.stderr);
        assert.match(ex.stdout, /in exec\nsh -c echo started/);
        const top = ok(pm(['top', n, 'pid', 'args']), 'top').stdout;
        assert.match(top, /^\s*1\s+sh -c echo started/m);
        ok(pm(['pause', n]), 'pause');
        assert.equal(pm(['inspect', '--format', '{{.State.Status}}', n]).stdout.trim(), 'paused');
        ok(pm(['unpause', n]), 'unpause');
        assert.equal(pm(['inspect', '--format', '{{.State.Status}}', n]).stdout.trim(), 'running');
        ok(pm(['update', '--memory', '48m', '--cpus', '0.25', n]), 'update');
        const limits = ok(pm(['exec', n, 'sh', '-c', LIMITS_SCRIPT]), 'exec (limits)').stdout.split('\n');
        assert.equal(limits[0], String(48 << 20));
        assert.equal(limits[2], '25000 100000');
        ok(pm(['stop', '--time', '10', n]), 'stop');
        assert.equal(pm(['inspect', '--format', '{{.State.ExitCode}}', n]).stdout.trim(), '42');
        assert.match(pm(['logs', n]).stdout, /started\nstopping/);
        ok(pm(['rm', n]), 'rm');
      });

      test('run -it: a terminal, and the exit code', () => {
        const r = podman.pty(rt, ['run', '-it', '--rm', '--network', 'none', IMAGE, 'sh'], 'tty; stty size; echo $((6*7)); exit 4\n');
        assert.equal(r.code, 4, r.stdout + r.stderr);
        assert.match(r.stdout, /\/dev\/pts\/0/);
        assert.match(r.stdout, /^42\r?$/m);
      });

      test('exec -it into a detached container', () => {
        const n = name('tty');
        ok(pm(['run', '-d', '--network', 'none', '--name', n, IMAGE, 'sleep', '1000']), 'run -d');
        const r = podman.pty(rt, ['exec', '-it', n, 'sh'], 'tty; echo pid=$$; exit 6\n');
        assert.equal(r.code, 6, r.stdout + r.stderr);
        assert.match(r.stdout, /\/dev\/pts\/\d+/);
        ok(pm(['rm', '--force', '--time', '0', n]), 'rm -f');
      });

      test('--memory, --pids-limit, --cpus are applied (read from inside)', () => {
        const r = ok(pm(['run', '--rm', '--network', 'none', '--memory', '64m', '--pids-limit', '50', '--cpus', '0.5', IMAGE, 'sh', '-c', LIMITS_SCRIPT]), 'run with limits');
        const [mem, pids, cpu] = r.stdout.split('\n');
        assert.equal(mem, String(64 << 20));
        assert.equal(pids, '50');
        assert.equal(cpu, '50000 100000');
      });

      test('--preserve-fds: the caller\'s fd 3 reaches run and exec processes', () => {
        const file = join(podman.dir, `fd3-${rt.name}`);
        writeFileSync(file, 'through fd 3\n');
        const fd = openSync(file, 'r');
        const fd2 = openSync(file, 'r'); // an offset of its own for exec
        try {
          const r = ok(pm(['run', '--rm', '--network', 'none', '--preserve-fds', '1', IMAGE, 'sh', '-c', 'cat <&3'], { extraFds: [fd] }), 'run --preserve-fds');
          assert.equal(r.stdout, 'through fd 3\n');
          const n = name('fds');
          ok(pm(['run', '-d', '--network', 'none', '--name', n, IMAGE, 'sleep', '1000']), 'run -d');
          const e = ok(pm(['exec', '--preserve-fds', '1', n, 'sh', '-c', 'cat <&3; ls /proc/self/fd | wc -l'], { extraFds: [fd2] }), 'exec --preserve-fds');
          // 0, 1, 2, 3 and ls's own directory fd: nothing else of podman's reached the process
          assert.equal(e.stdout, 'through fd 3\n5\n');
          ok(pm(['rm', '--force', '--time', '0', n]), 'rm -f');
        } finally {
          closeSync(fd);
          closeSync(fd2);
        }
      });

      test('--network none: only loopback', () => {
        const r = ok(pm(['run', '--rm', '--network', 'none', IMAGE, 'ls', '/sys/class/net']), 'run --network none');
        assert.equal(r.stdout.trim(), 'lo');
      });

      test('the default network: an address, and traffic between two containers (in the test\'s netns)', () => {
        const n = name('web');
        // busybox-static's wget crashes in glibc's static getaddrinfo; nc does not resolve
        const serve = 'while true; do echo pong | nc -l -p 8080; done';
        ok(pm(['run', '-d', '--name', n, IMAGE, 'sh', '-c', serve]), 'run -d (server)');
        const ip = pm(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', n]).stdout.trim();
        assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
        const get = `for i in 1 2 3 4 5 6 7 8 9 10; do r=$(nc -w 2 ${ip} 8080) && [ "$r" = pong ] && echo "$r" && exit 0; sleep 0.2; done; exit 1`;
        const r = pm(['run', '--rm', IMAGE, 'sh', '-c', `ip -4 addr show eth0 | grep -q inet && ${get}`]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'pong\n');
        ok(pm(['rm', '--force', '--time', '0', n]), 'rm -f (server)');
      });

      test('nothing is left: containers, conmon, runtime state, cgroups, mounts, netns', async () => {
        // podman's cleanup of the last container (its netns file) may still be under way
        let left = podman.leftovers(rt);
        for (let i = 0; i < 30 && left.length > 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          left = podman.leftovers(rt);
        }
        assert.deepEqual(left, []);
      });
    });
  }
});
