// Random configs built from real keys, plausible values and junk (seeded, so a failure
// reproduces): reading, converting and editing them either succeeds or throws a
// ConfigError, never anything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigDocument, ConfigError, KEYS, memoryFs, parseConfig, toOciSpec } from '../../src/core/config/index.js';
import { mulberry32, pick } from '../support/prng.js';

const SUBS: Record<string, string[]> = {
  'lxc.cgroup': ['memory.limit_in_bytes', 'cpu.shares', 'devices.allow', 'devices.deny', 'pids.max', 'freezer.state', 'blkio.weight', 'hugetlb.2MB.limit_in_bytes', 'x'],
  'lxc.cgroup2': ['memory.max', 'memory.swap.max', 'cpu.max', 'cpu.weight', 'io.max', 'io.weight', 'devices.allow', 'memory.high', 'pids.max'],
  'lxc.prlimit': ['nofile', 'nproc', 'core', 'bogus'],
  'lxc.sysctl': ['net.ipv4.ip_forward', 'kernel.shmmax', 'x'],
  'lxc.proc': ['oom_score_adj', 'personality'],
  'lxc.hook': ['pre-start', 'mount', 'start', 'stop', 'post-stop', 'clone', 'autodev', 'bogus'],
  'lxc.net': ['0.type', '0.link', '0.hwaddr', '0.ipv4.address', '0.ipv6.gateway', '1.type', '1.link', '0', '2.mtu', '0.flags', 'x.type'],
};

const VALUES = [
  '', '0', '1', '-1', '2', '4096', 'max', 'unlimited', '10:20', '20:10', 'none', 'veth', 'empty', 'up', 'a', 'c 1:3 rwm', 'b *:* m',
  'sys_admin', 'mknod sys_time', 'SIGPWR', 'SIGRTMIN+3', '/sbin/init', '/bin/sh -c "x"', 'dir:/r', '/r', 'relative', 'u 0 100000 65536',
  'g 0 100000 65536', 'u 0 0 1', 'proc:mixed sys:ro cgroup:mixed', 'cgroup-full:rw:force', '/lib lib none ro,bind 0 0',
  'shm dev/shm tmpfs defaults,create=dir 0 0', '10.0.3.5/24', 'fd00::1/64', '00:16:3e:xx:xx:xx', '512M', '50000 100000', '8:0 rbps=1',
  'A=b', 'PATH', '"quoted"', "'x", 'x'.repeat(300), '\u00ff\u2603', '%s%n', '../../etc/passwd', '/dev/zero', '/inc/a.conf', '/inc/',
];

const FILES = {
  '/inc/a.conf': 'lxc.include = /inc/b.conf\nlxc.tty.max = 2\n',
  '/inc/b.conf': 'lxc.include = /inc/a.conf\n',
  '/inc/c.conf': 'lxc.cap.drop = sys_module\nlxc.mount.fstab = /inc/fstab\n',
  '/inc/fstab': 'proc proc proc defaults 0 0\nbad\n',
  '/etc/corral/default.conf': 'lxc.net.0.type = veth\nlxc.net.0.link = lxcbr0\n',
};

// lines that are valid alone, so that "clean" cases reach toOciSpec with many combinations
const VALID_LINES = [
  'lxc.uts.name = fz', 'lxc.tty.max = 4', 'lxc.pty.max = 0', 'lxc.autodev = 0', 'lxc.cap.drop = sys_module', 'lxc.cap.drop =',
  'lxc.cap.keep = none', 'lxc.cap.keep = sys_admin', 'lxc.idmap = u 0 100000 65536', 'lxc.idmap = g 0 100000 65536', 'lxc.idmap =',
  'lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed', 'lxc.mount.auto = cgroup-full:ro', 'lxc.mount.entry = /lib lib none ro,bind 0 0',
  'lxc.mount.entry = /x /abs/target none bind,optional 0 0', 'lxc.cgroup.memory.limit_in_bytes = 1G', 'lxc.cgroup2.memory.max = 2G',
  'lxc.cgroup2.memory.swap.max = 1G', 'lxc.cgroup2.memory.high = 1G', 'lxc.cgroup.freezer.state = FROZEN', 'lxc.cgroup.devices.deny = a',
  'lxc.cgroup2.devices.allow = c 1:3 rwm', 'lxc.cgroup.devices.allow = c *:* m', 'lxc.cgroup2.devices.deny = c 1:3 m', 'lxc.cgroup =',
  'lxc.prlimit.nofile = 1024:4096', 'lxc.sysctl.net.ipv4.ip_forward = 1', 'lxc.net.0.type = none', 'lxc.net.0.type = veth',
  'lxc.net.1.type = phys', 'lxc.net =', 'lxc.hook.pre-start = /bin/true', 'lxc.hook.start = run me', 'lxc.hook.version = 1',
  'lxc.environment = HOME', 'lxc.environment = A=b', 'lxc.init.uid = 1000', 'lxc.init.cmd = /lib/systemd/systemd', 'lxc.arch = i686',
  'lxc.signal.halt = SIGRTMIN+3', 'lxc.rootfs.options = ro', 'lxc.apparmor.profile = generated', 'lxc.include = /inc/c.conf',
];

function junk(rand: () => number, max = 40): string {
  const n = Math.floor(rand() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rand() < 0.8 ? 32 + Math.floor(rand() * 95) : Math.floor(rand() * 0x3000));
  return s;
}

function randomKey(rand: () => number): string {
  const def = pick(rand, KEYS);
  if (def.kind !== 'prefix') return rand() < 0.05 ? `${def.name}x` : def.name;
  if (rand() < 0.1) return def.name;
  return `${def.name}.${pick(rand, SUBS[def.name] ?? ['x'])}`;
}

function randomLine(rand: () => number): string {
  const r = rand();
  if (r < 0.55) return `${randomKey(rand)} = ${pick(rand, VALUES)}`;
  if (r < 0.7) return `${randomKey(rand)} = ${junk(rand)}`;
  if (r < 0.75) return `lxc.include = ${pick(rand, ['/inc/a.conf', '/inc/c.conf', '/inc/', '/nope', '/inc/fstab', junk(rand, 10)])}`;
  if (r < 0.8) return `# ${junk(rand)}`;
  if (r < 0.85) return '';
  if (r < 0.9) return `${junk(rand, 12)}=${junk(rand, 12)}`;
  return junk(rand, 80);
}

function expectOnlyConfigErrors(what: string, fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new assert.AssertionError({ message: `${what}: ${err instanceof Error ? err.stack : String(err)}` });
    return false;
  }
}

test('fuzz: only success or ConfigError', () => {
  const rand = mulberry32(0xc0ffee);
  const fs = memoryFs(FILES);
  let ok = 0;
  for (let i = 0; i < 3000; i++) {
    const clean = rand() < 0.5;
    const lines = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => (clean ? pick(rand, VALID_LINES) : randomLine(rand)));
    const text = lines.join(rand() < 0.1 ? '\r\n' : '\n');
    const where = `case ${i}:\n${text}`;
    let cfg: ReturnType<typeof parseConfig> | undefined;
    expectOnlyConfigErrors(where, () => {
      cfg = parseConfig(text, { file: '/c/config', fs, defaults: rand() < 0.3 ? '/etc/corral/default.conf' : undefined });
    });
    if (cfg) {
      const layout = pick(rand, ['v1', 'v2', 'hybrid'] as const);
      if (expectOnlyConfigErrors(where, () => toOciSpec(cfg!, { name: 'fz', rootfs: '/nonexistent/rootfs', cgroupLayout: layout, hostEnv: {} }))) ok++;
    }
    const doc = ConfigDocument.parse(text);
    assert.equal(doc.toString(), text, where);
    expectOnlyConfigErrors(where, () => doc.set(randomKey(rand), pick(rand, VALUES)));
  }
  // the generator must reach the conversion often enough to mean something
  assert.ok(ok > 300, `only ${ok} configs were valid`);
});

test('fuzz: random bytes', () => {
  const rand = mulberry32(42);
  for (let i = 0; i < 1000; i++) {
    const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
    const text = bytes.toString('utf8');
    expectOnlyConfigErrors(`bytes ${bytes.toString('hex')}`, () => parseConfig(text, { fs: memoryFs({}) }));
    expectOnlyConfigErrors(`bytes ${bytes.toString('hex')}`, () => parseConfig(`lxc.mount.entry = ${text.replace(/\n/g, ' ')}`, { fs: memoryFs({}) }));
  }
});
