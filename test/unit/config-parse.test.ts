// The LXC config format: lines, comments, quoting, clearing, legacy keys, suggestions,
// positions, and problems collected into one ConfigError.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, memoryFs, parseConfig, type LxcConfig } from '../../src/core/config/index.js';
import { lexConfig } from '../../src/core/config/lexer.js';

const parse = (text: string): LxcConfig => parseConfig(text, { file: '/c/config' });

function problems(text: string): string[] {
  try {
    parse(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, 'INVALID_CONFIG');
    return err.problems.map((p) => `${p.pos?.line ?? '-'} ${p.key ?? '-'}: ${p.message}`);
  }
  assert.fail('expected a ConfigError');
}

describe('config lexer', () => {
  test('comments, blanks, whitespace around =, quotes, CRLF', () => {
    const lines = lexConfig('# c\n\n  lxc.a=1\nlxc.b   =   two words  \r\nlxc.c = "quoted "\nlxc.d = \'x\'\nlxc.e = "unbalanced\nlxc.f = a # not a comment\n');
    assert.deepEqual(lines.map((l) => l.kind), ['comment', 'blank', 'entry', 'entry', 'entry', 'entry', 'entry', 'entry']);
    assert.deepEqual(lines.filter((l) => l.kind === 'entry').map((l) => [l.key, l.value]), [
      ['lxc.a', '1'], ['lxc.b', 'two words'], ['lxc.c', 'quoted '], ['lxc.d', 'x'], ['lxc.e', '"unbalanced'], ['lxc.f', 'a # not a comment'],
    ]);
    assert.equal(lines[3]!.line, 4);
  });

  test('a line without "=" or with a NUL is invalid', () => {
    const [a, b, c] = lexConfig('lxc.uts.name foo\n= x\nlxc.a = \0');
    assert.equal(a!.kind, 'invalid');
    assert.equal(b!.kind, 'invalid');
    assert.equal(c!.kind, 'invalid');
  });
});

describe('config parsing', () => {
  test('values land in the typed config with their positions', () => {
    const cfg = parse('# header\nlxc.uts.name = web\n\nlxc.tty.max = 4\n');
    assert.equal(cfg.utsName, 'web');
    assert.equal(cfg.ttyMax, 4);
    assert.deepEqual(cfg.entries.map((e) => [e.key, e.pos.line]), [['lxc.uts.name', 2], ['lxc.tty.max', 4]]);
    assert.equal(cfg.entries[0]!.pos.file, '/c/config');
  });

  test('a later single value replaces an earlier one; an empty value resets it', () => {
    assert.equal(parse('lxc.uts.name = a\nlxc.uts.name = b').utsName, 'b');
    assert.equal(parse('lxc.uts.name = a\nlxc.uts.name =').utsName, undefined);
    assert.equal(parse('lxc.autodev = 0\nlxc.autodev =').autodev, true);
  });

  test('repeated list keys accumulate; an empty value clears the earlier ones', () => {
    const cfg = parse('lxc.cap.drop = sys_time\nlxc.cap.drop = sys_module mknod\n');
    assert.deepEqual(cfg.capDrop, ['CAP_SYS_TIME', 'CAP_SYS_MODULE', 'CAP_MKNOD']);
    const cleared = parse('lxc.cap.drop = sys_time\nlxc.cap.drop =\nlxc.cap.drop = mknod\n');
    assert.deepEqual(cleared.capDrop, ['CAP_MKNOD']);
    assert.ok(cleared.touched.has('lxc.cap.drop'));
  });

  test('clearing a prefix clears everything under it, and only that', () => {
    const cfg = parse([
      'lxc.cgroup.memory.limit_in_bytes = 1G', 'lxc.cgroup.cpu.shares = 512', 'lxc.cgroup2.pids.max = 10', 'lxc.cgroup.dir = mine',
      'lxc.cgroup =', 'lxc.cgroup.pids.max = 20',
    ].join('\n'));
    assert.deepEqual(cfg.cgroup.map((s) => `${s.version}:${s.key}=${s.value}`), ['2:pids.max=10', '1:pids.max=20']);
    assert.equal(cfg.cgroupDir, 'mine');
  });

  test('clearing one cgroup key keeps the others', () => {
    const cfg = parse('lxc.cgroup.devices.allow = c 1:3 rwm\nlxc.cgroup.cpu.shares = 5\nlxc.cgroup.devices.allow =\n');
    assert.deepEqual(cfg.cgroup.map((s) => s.key), ['cpu.shares']);
  });

  test('lxc.net.0 = clears that network, lxc.net = clears all', () => {
    const nets = 'lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.1.type = empty\n';
    assert.deepEqual([...parse(`${nets}lxc.net.0 =\n`).network.keys()], [1]);
    assert.deepEqual([...parse(`${nets}lxc.net =\n`).network.keys()], []);
    assert.equal(parse(`${nets}lxc.net.0.link =\n`).network.get(0)!.link, undefined);
  });

  test('lxc.hook = clears hooks, lxc.prlimit.X = clears one limit', () => {
    const cfg = parse('lxc.hook.start = /a\nlxc.hook.mount = /b\nlxc.hook.version = 1\nlxc.hook.start =\n');
    assert.deepEqual([...cfg.hooks.keys()], ['mount']);
    assert.equal(cfg.hookVersion, 1);
    assert.equal(parse('lxc.hook.start = /a\nlxc.hook =\n').hooks.size, 0);
    const lim = parse('lxc.prlimit.nofile = 10\nlxc.prlimit.nproc = 5\nlxc.prlimit.nofile =\n');
    assert.deepEqual([...lim.prlimits.keys()], ['nproc']);
  });

  test('a prefix alone with a value is refused', () => {
    assert.match(problems('lxc.cgroup = x')[0]!, /only takes an empty value/);
    assert.match(problems('lxc.net.0 = veth')[0]!, /takes no value/);
  });

  test('legacy LXC 2.x keys name their replacement', () => {
    const got = problems([
      'lxc.utsname = a', 'lxc.rootfs = /x', 'lxc.network.type = veth', 'lxc.network.1.ipv4 = 10.0.0.1/24', 'lxc.tty = 4', 'lxc.pts = 1',
      'lxc.id_map = u 0 1 1', 'lxc.aa_profile = x', 'lxc.haltsignal = SIGPWR', 'lxc.init_cmd = /x', 'lxc.loglevel = 1', 'lxc.limit.nofile = 1', 'lxc.pivotdir = x',
    ].join('\n'));
    assert.equal(got.length, 13);
    assert.equal(got[0], '1 lxc.utsname: lxc.utsname was renamed lxc.uts.name in LXC 3.0');
    assert.match(got[1]!, /lxc\.rootfs was renamed lxc\.rootfs\.path/);
    assert.match(got[2]!, /renamed lxc\.net\.<i>\.type .*numbered/);
    assert.match(got[3]!, /renamed lxc\.net\.1\.ipv4\.address/);
    assert.match(got[4]!, /lxc\.tty\.max/);
    assert.match(got[5]!, /lxc\.pty\.max/);
    assert.match(got[6]!, /lxc\.idmap/);
    assert.match(got[7]!, /lxc\.apparmor\.profile/);
    assert.match(got[8]!, /lxc\.signal\.halt/);
    assert.match(got[9]!, /lxc\.init\.cmd/);
    assert.match(got[10]!, /lxc\.log\.level/);
    assert.match(got[11]!, /lxc\.prlimit\.nofile/);
    assert.match(got[12]!, /removed in LXC 3\.0/);
  });

  test('unknown keys get a "did you mean" for near misses', () => {
    assert.match(problems('lxc.uts.nmae = x')[0]!, /unknown configuration key; did you mean "lxc\.uts\.name"/);
    assert.match(problems('lxc.cgrop.memory.max = 1')[0]!, /did you mean "lxc\.cgroup\.memory\.max"/);
    assert.match(problems('lxc.net.0.tpye = veth')[0]!, /did you mean "lxc\.net\.0\.type"/);
    assert.match(problems('lxc.prlimit.nofil = 1')[0]!, /did you mean "lxc\.prlimit\.nofile"/);
    assert.match(problems('lxc.hook.prestart = /x')[0]!, /did you mean "lxc\.hook\.pre-start"/);
    assert.equal(problems('lxc.zzzzzzzzzz = 1')[0], '1 lxc.zzzzzzzzzz: unknown configuration key');
    assert.match(problems('hostname = x')[0]!, /unknown configuration key/);
  });

  test('unsupported LXC keys are refused, not ignored', () => {
    assert.match(problems('lxc.namespace.keep = net')[0]!, /does not support/);
  });

  test('bad values name the value and suggest', () => {
    assert.match(problems('lxc.cap.drop = sys_admn')[0]!, /unknown capability "sys_admn"/);
    const err = (() => { try { parse('lxc.cap.drop = CAP_SYS_ADMIN'); } catch (e) { return e as ConfigError; } })();
    assert.match(err!.problems[0]!.hint ?? '', /did you mean "sys_admin"/);
    assert.match(problems('lxc.signal.halt = SIGPWER')[0]!, /not a signal/);
  });

  test('every problem is reported at once, each with file and line', () => {
    try {
      parse('lxc.uts.name = ok\nlxc.tty.max = many\nbogus line\nlxc.autodev = 2\n');
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 3);
      assert.match(err.message, /\/c\/config:2: lxc\.tty\.max: "many" is not a non-negative integer/);
      assert.match(err.message, /\/c\/config:3: not a "key = value" line/);
      assert.match(err.message, /\/c\/config:4: lxc\.autodev: "2" must be 0 or 1/);
      assert.ok(err.hint);
    }
  });

  test('a bad value is reported even if a later line overrides it', () => {
    assert.equal(problems('lxc.tty.max = x\nlxc.tty.max = 2').length, 1);
  });

  test('the global defaults file is applied first', () => {
    const fs = memoryFs({ '/etc/corral/default.conf': 'lxc.uts.name = default\nlxc.net.0.type = veth\nlxc.cap.drop = mknod\n' });
    const cfg = parseConfig('lxc.uts.name = mine\nlxc.cap.drop =\n', { file: '/c/config', fs, defaults: '/etc/corral/default.conf' });
    assert.equal(cfg.utsName, 'mine');
    assert.equal(cfg.network.get(0)!.type, 'veth');
    assert.deepEqual(cfg.capDrop, []);
    assert.equal(cfg.entries[0]!.pos.file, '/etc/corral/default.conf');
    // a missing defaults file is not an error
    assert.equal(parseConfig('', { fs, defaults: '/nope.conf' }).entries.length, 0);
  });

  test('the container name appears in the error', () => {
    try {
      parseConfig('lxc.tty.max = x', { name: 'web1' });
    } catch (err) {
      assert.match((err as Error).message, /^container "web1": invalid configuration/);
    }
  });
});
