// Every key of the table with a value it accepts and one it refuses. The test fails when
// a key is added to keys.ts without samples here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, KEYS, parseConfig } from '../../src/core/config/index.js';

// key (or a key under a prefix) -> [valid values, invalid values]
const SAMPLES: Record<string, [string, string[], string[]][]> = {
  'lxc.include': [['lxc.include', [], []]], // covered by config-include.test.ts
  'lxc.arch': [['lxc.arch', ['x86_64', 'i686', 'arm64'], ['sparc9', 'X86_64']]],
  'lxc.uts.name': [['lxc.uts.name', ['web', 'a.b-c'], ['has space', 'x'.repeat(65)]]],
  'lxc.rootfs.path': [['lxc.rootfs.path', ['/var/lib/r', 'dir:/r', 'overlay:/lo:/up', 'zfs:pool/c1'], ['relative', 'dir:rel', 'foo:/x']]],
  'lxc.rootfs.options': [['lxc.rootfs.options', ['ro', 'idmap=container,ro'], []]],
  'lxc.rootfs.mount': [['lxc.rootfs.mount', ['/mnt'], ['mnt']]],
  'lxc.rootfs.managed': [['lxc.rootfs.managed', ['0', '1'], ['yes']]],
  'lxc.mount.auto': [['lxc.mount.auto', ['proc sys cgroup', 'proc:rw sys:ro cgroup-full:rw:force', 'cgroup:mixed', 'shmounts:/a:/b'], ['proc:ro', 'sys:mixed:force', 'cgroups', 'cgroup:rx']]],
  'lxc.mount.entry': [['lxc.mount.entry', ['/lib lib none ro,bind 0 0', 'shm dev/shm tmpfs defaults,create=dir', 'proc proc proc'], ['/only/two fields', '/a b none create=link 0 0', '/a b none bind x y', '/a b none ro,,bind']]],
  'lxc.mount.fstab': [['lxc.mount.fstab', [], []]], // covered by config-include.test.ts
  'lxc.autodev': [['lxc.autodev', ['0', '1'], ['true', '2']]],
  'lxc.autodev.tmpfs.size': [['lxc.autodev.tmpfs.size', ['1000000'], ['1M']]],
  'lxc.tty.max': [['lxc.tty.max', ['0', '4', '1024'], ['-1', '1025', 'four']]],
  'lxc.tty.dir': [['lxc.tty.dir', ['lxc'], ['a/b', '..']]],
  'lxc.pty.max': [['lxc.pty.max', ['0', '1024'], ['-5']]],
  'lxc.console.path': [['lxc.console.path', ['none', '/dev/tty1'], ['tty1']]],
  'lxc.console.logfile': [['lxc.console.logfile', ['/var/log/c.log'], []]],
  'lxc.console.size': [['lxc.console.size', ['auto', '1MB', '64kb', '4096'], ['1 parsec', 'big']]],
  'lxc.console.buffer.size': [['lxc.console.buffer.size', ['auto', '128KB'], ['x']]],
  'lxc.console.rotate': [['lxc.console.rotate', ['1'], ['on']]],
  'lxc.init.cmd': [['lxc.init.cmd', ['/sbin/init', '/bin/sh -c "echo hi"'], ['"unclosed', '"   "']]],
  'lxc.init.uid': [['lxc.init.uid', ['0', '1000'], ['-1', 'root', '4294967295']]],
  'lxc.init.gid': [['lxc.init.gid', ['0', '100'], ['x']]],
  'lxc.init.cwd': [['lxc.init.cwd', ['/root'], ['root']]],
  'lxc.execute.cmd': [['lxc.execute.cmd', ['/bin/true'], ["'x"]]],
  'lxc.environment': [['lxc.environment', ['A=b', 'PATH', 'EMPTY='], ['=x', 'A B=c']]],
  'lxc.cap.drop': [['lxc.cap.drop', ['sys_module', 'mac_admin sys_time', '21'], ['none', 'SYS_ADMIN', 'sys_admn', '99']]],
  'lxc.cap.keep': [['lxc.cap.keep', ['none', 'sys_admin net_admin', 'none chown'], ['cap_chown']]],
  'lxc.cgroup.dir': [['lxc.cgroup.dir', ['lxc/mine', '/abs'], ['../up']]],
  'lxc.cgroup': [
    ['lxc.cgroup.memory.limit_in_bytes', ['512M', '1073741824', '-1', '2g'], ['lots', '1.5G', 'max']],
    ['lxc.cgroup.cpu.shares', ['1024'], ['1', '300000']],
    ['lxc.cgroup.devices.allow', ['c 1:3 rwm', 'a', 'b *:* m'], []],
    ['lxc.cgroup.freezer.state', ['FROZEN'], []],
    ['lxc.cgroup.pids.max', ['max', '100', '-1'], ['lots']],
  ],
  'lxc.cgroup2': [
    ['lxc.cgroup2.memory.max', ['max', '1G'], ['-1', 'x']],
    ['lxc.cgroup2.cpu.max', ['max', '50000 100000', 'max 100000'], ['50000 100000 1', 'half']],
    ['lxc.cgroup2.cpu.weight', ['1', '10000'], ['0', '10001']],
    ['lxc.cgroup2.io.max', ['8:0 rbps=1048576 wiops=max'], ['8:0', '8:0 speed=1', 'sda rbps=1']],
    ['lxc.cgroup2.io.weight', ['default 100', '200', '8:0 300'], ['0']],
    ['lxc.cgroup2.memory.high', ['1G'], []],
    ['lxc.cgroup2.hugetlb.2MB.max', ['max', '4M'], ['x']],
  ],
  'lxc.prlimit': [['lxc.prlimit.nofile', ['1024', '1024:4096', 'unlimited', '10:unlimited'], ['4096:1024', 'lots', '1:2:3', 'unlimited:10']]],
  'lxc.sysctl': [['lxc.sysctl.net.ipv4.ip_forward', ['1'], []], ['lxc.sysctl.kernel/msgmax', ['65536'], []]],
  'lxc.proc': [['lxc.proc.oom_score_adj', ['10', '-1000'], ['1001', 'x']], ['lxc.proc.personality', ['x'], []]],
  'lxc.signal.halt': [['lxc.signal.halt', ['SIGPWR', 'sigusr1', 'SIGRTMIN+3', 'SIGRTMAX-10', '30'], ['PWR', 'SIGFOO', '65', 'SIGRTMIN+40']]],
  'lxc.signal.reboot': [['lxc.signal.reboot', ['SIGINT'], ['0']]],
  'lxc.signal.stop': [['lxc.signal.stop', ['SIGKILL', '9'], ['kill']]],
  'lxc.seccomp.profile': [['lxc.seccomp.profile', ['/usr/share/lxc/config/common.seccomp'], []]],
  'lxc.seccomp.allow_nesting': [['lxc.seccomp.allow_nesting', ['1'], ['yes']]],
  'lxc.no_new_privs': [['lxc.no_new_privs', ['1'], ['y']]],
  'lxc.idmap': [['lxc.idmap', ['u 0 100000 65536\nlxc.idmap = g 0 100000 65536'], ['u 0 100000', 'x 0 1 1', 'u 0 1 0', 'u -1 1 1', 'u 4294967290 0 10']]],
  'lxc.hook': [['lxc.hook.pre-start', ['/bin/true', '/usr/bin/hook --flag'], []], ['lxc.hook.post-stop', ['/x'], []]],
  'lxc.hook.version': [['lxc.hook.version', ['0', '1'], ['2']]],
  'lxc.start.auto': [['lxc.start.auto', ['1'], ['x']]],
  'lxc.start.delay': [['lxc.start.delay', ['5'], ['-5']]],
  'lxc.start.order': [['lxc.start.order', ['-3', '10'], ['x']]],
  'lxc.group': [['lxc.group', ['onboot', 'web,db'], ['a/b']]],
  'lxc.ephemeral': [['lxc.ephemeral', ['0', '1'], ['2']]],
  'lxc.apparmor.profile': [['lxc.apparmor.profile', ['unconfined', 'generated'], []]],
  'lxc.apparmor.allow_nesting': [['lxc.apparmor.allow_nesting', ['1'], ['x']]],
  'lxc.apparmor.allow_incomplete': [['lxc.apparmor.allow_incomplete', ['0'], ['x']]],
  'lxc.apparmor.raw': [['lxc.apparmor.raw', ['mount,'], []]],
  'lxc.selinux.context': [['lxc.selinux.context', ['system_u:system_r:lxc_t:s0:c22'], []]],
  'lxc.selinux.context.keyring': [['lxc.selinux.context.keyring', ['x'], []]],
  'lxc.log.level': [['lxc.log.level', ['0', '8', 'DEBUG', 'warn'], ['9', 'loud']]],
  'lxc.log.file': [['lxc.log.file', ['/var/log/c.log'], []]],
  'lxc.log.syslog': [['lxc.log.syslog', ['daemon', 'local7'], ['local8']]],
  'lxc.keyring.session': [['lxc.keyring.session', ['0'], ['x']]],
  'lxc.monitor.unshare': [['lxc.monitor.unshare', ['1'], ['x']]],
  'lxc.net': [
    ['lxc.net.0.type', ['veth', 'none', 'empty', 'macvlan\nlxc.net.0.link = eth0', 'phys\nlxc.net.0.link = eth1', 'vlan\nlxc.net.0.link = eth0\nlxc.net.0.vlan.id = 5'], ['bridge', 'Veth']],
    ['lxc.net.0.link', ['lxcbr0\nlxc.net.0.type = veth'], ['a/b', 'averyveryverylongname']],
    ['lxc.net.0.flags', ['up\nlxc.net.0.type = veth'], ['down']],
    ['lxc.net.0.hwaddr', ['00:16:3e:xx:xx:xx\nlxc.net.0.type = veth', '4A:49:43:49:79:BF\nlxc.net.0.type = veth'], ['00:16:3e:xx:xx', '01:00:00:00:00:00', 'zz:16:3e:00:00:00']],
    ['lxc.net.0.mtu', ['1500\nlxc.net.0.type = veth'], ['10', 'x']],
    ['lxc.net.0.ipv4.address', ['10.0.3.5/24\nlxc.net.0.type = veth', '10.2.3.5/24 10.2.3.255\nlxc.net.0.type = veth', '10.0.0.1\nlxc.net.0.type = veth'], ['10.0.3.5/33', '10.0.3/24', 'fd00::1/64', '10.0.0.1/24 fd00::1']],
    ['lxc.net.0.ipv4.gateway', ['10.0.3.1\nlxc.net.0.type = veth', 'auto\nlxc.net.0.type = veth', 'dev\nlxc.net.0.type = veth'], ['10.0.3']],
    ['lxc.net.0.ipv6.address', ['fd00::5/64\nlxc.net.0.type = veth'], ['fd00::5/129', '10.0.0.1/8']],
    ['lxc.net.0.ipv6.gateway', ['fe80::1\nlxc.net.0.type = veth'], ['10.0.0.1']],
    ['lxc.net.0.veth.pair', ['vethweb\nlxc.net.0.type = veth'], ['a b']],
    ['lxc.net.0.veth.mode', ['router\nlxc.net.0.type = veth'], ['nat']],
    ['lxc.net.0.script.up', ['/usr/local/bin/up\nlxc.net.0.type = veth'], ['up.sh']],
    ['lxc.net.0.script.down', ['/usr/local/bin/down\nlxc.net.0.type = veth'], ['down.sh']],
    ['lxc.net.1.veth.ipv4.route', ['10.1.0.0/16\nlxc.net.1.type = veth'], ['10.1.0.0']],
    ['lxc.net.1.macvlan.mode', ['bridge\nlxc.net.1.type = macvlan\nlxc.net.1.link = eth0'], ['hub']],
    ['lxc.net.1.l2proxy', ['1\nlxc.net.1.type = veth'], ['2']],
  ],
};

function accepts(line: string): void {
  parseConfig(line, { file: '/c/config' });
}

function refuses(line: string): void {
  assert.throws(() => accepts(line), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `${line}: ${String(err)}`);
    assert.equal(err.problems[0]!.pos?.line, 1, line);
    return true;
  }, line);
}

describe('config keys: every key of the table', () => {
  test('each table entry has samples', () => {
    const missing = KEYS.map((k) => k.name).filter((n) => !(n in SAMPLES));
    assert.deepEqual(missing, []);
  });

  for (const [name, cases] of Object.entries(SAMPLES)) {
    test(name, () => {
      for (const [key, good, bad] of cases) {
        for (const v of good) accepts(`${key} = ${v}`);
        for (const v of bad) refuses(`${key} = ${v}`);
      }
    });
  }

  test('every key documents where it maps', () => {
    for (const k of KEYS) assert.ok(k.oci.length > 0, k.name);
  });
});
