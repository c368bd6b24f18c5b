// toOciSpec: a busybox-like config against the spec LXC's behaviour implies, and each
// mapping (capabilities, id maps, env, rlimits, sysctls, hooks, network, signals) alone.
// Every produced spec must also pass the runtime's own validator.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, parseConfig, toOciSpec, type OciResult } from '../../src/core/config/index.js';
import { validateSpec } from '../../src/runtime/spec/validate.js';

// validateSpec wants root.path to exist
const tmp = mkdtempSync(join(tmpdir(), 'corral-oci-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ROOTFS = join(tmp, 'bb-rootfs');
mkdirSync(ROOTFS);

function oci(text: string, layout: 'v1' | 'v2' | 'hybrid' = 'v2', rootfs = ROOTFS): OciResult {
  const cfg = parseConfig(text, { file: '/var/lib/corral/bb/config' });
  const r = toOciSpec(cfg, { name: 'bb', rootfs, cgroupLayout: layout, hostEnv: { HOME: '/root', TERM: 'xterm' } });
  validateSpec(r.spec, { bundle: '/var/lib/corral/bb' });
  return r;
}

// What the busybox template writes (lxc-busybox, LXC 5), after the global defaults.
const BUSYBOX = `
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.flags = up
lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx
lxc.rootfs.path = dir:${ROOTFS}
lxc.signal.halt = SIGUSR1
lxc.signal.reboot = SIGTERM
lxc.uts.name = "bb"
lxc.autodev = 1
lxc.tty.max = 5
lxc.pty.max = 1
lxc.cap.drop = sys_module mac_admin mac_override sys_time
lxc.mount.auto = cgroup:mixed proc:mixed sys:ro
lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0
lxc.mount.entry = mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0
lxc.mount.entry = /lib lib none ro,bind 0 0
lxc.mount.entry = /sys/kernel/security sys/kernel/security none ro,bind,optional 0 0
`;

describe('toOciSpec: a busybox container', () => {
  const { spec, launch, warnings } = oci(BUSYBOX);

  test('process: init, env, identity, no terminal', () => {
    assert.deepEqual(spec.process!.args, ['/sbin/init']);
    assert.equal(spec.process!.terminal, false);
    assert.deepEqual(spec.process!.user, { uid: 0, gid: 0 });
    assert.equal(spec.process!.cwd, '/');
    assert.ok(spec.process!.env!.includes('container=lxc'));
    assert.equal(spec.process!.noNewPrivileges, undefined);
  });

  test('capabilities: all but the dropped ones, in every set but inheritable/ambient', () => {
    const caps = spec.process!.capabilities!;
    assert.ok(caps.bounding!.includes('CAP_SYS_ADMIN'));
    assert.ok(caps.bounding!.includes('CAP_SYS_RAWIO')); // not in the busybox drop list
    for (const c of ['CAP_SYS_MODULE', 'CAP_MAC_ADMIN', 'CAP_MAC_OVERRIDE', 'CAP_SYS_TIME']) assert.ok(!caps.bounding!.includes(c), c);
    assert.deepEqual(caps.effective, caps.bounding);
    assert.deepEqual(caps.permitted, caps.bounding);
    assert.deepEqual(caps.inheritable, []);
    assert.deepEqual(caps.ambient, []);
  });

  test('root, hostname, namespaces', () => {
    assert.deepEqual(spec.root, { path: ROOTFS });
    assert.equal(spec.hostname, 'bb');
    assert.deepEqual(spec.linux!.namespaces!.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
    assert.equal(spec.linux!.uidMappings, undefined);
  });

  test('mounts in LXC order, relative targets made absolute, LXC-only options removed', () => {
    assert.deepEqual(spec.mounts!.map((m) => `${m.destination} ${m.type} ${(m.options ?? []).join(',')}`), [
      '/proc proc nosuid,nodev,noexec',
      '/dev tmpfs nosuid,mode=755,size=500000',
      '/dev/pts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5,max=7',
      '/sys sysfs nosuid,nodev,noexec,ro',
      '/sys/fs/cgroup cgroup nosuid,nodev,noexec,rw',
      '/dev/shm tmpfs ',
      '/dev/mqueue mqueue ',
      '/lib none ro,bind',
      '/sys/kernel/security none ro,bind',
    ]);
    assert.deepEqual(spec.linux!.readonlyPaths, ['/proc/sys', '/proc/sysrq-trigger']);
    assert.ok(spec.linux!.maskedPaths!.includes('/proc/kcore'));
  });

  test('device cgroup: LXC default allow-list', () => {
    const devices = spec.linux!.resources!.devices!;
    assert.deepEqual(devices[0], { allow: false, type: 'a', access: 'rwm' });
    assert.ok(devices.some((d) => d.allow && d.type === 'c' && d.major === 136 && d.minor === undefined));
    assert.ok(devices.some((d) => d.allow && d.major === 10 && d.minor === 200));
  });

  test('launch options', () => {
    assert.equal(launch.ttys, 5);
    assert.deepEqual(launch.ttyPaths, ['/dev/tty1', '/dev/tty2', '/dev/tty3', '/dev/tty4', '/dev/tty5']);
    assert.equal(launch.ptys, 1);
    assert.equal(launch.haltSignal, 'SIGUSR1');
    assert.equal(launch.rebootSignal, 'SIGTERM');
    assert.equal(launch.stopSignal, 'SIGKILL');
    assert.deepEqual(launch.optionalMounts, ['/dev/mqueue', '/sys/kernel/security']);
    assert.deepEqual(launch.writablePaths, ['/proc/sys/net']);
    assert.deepEqual(launch.rootfs, { backend: 'dir', path: ROOTFS, options: [] });
    assert.equal(launch.network.length, 1);
    assert.equal(launch.network[0]!.hwaddr, '00:16:3e:xx:xx:xx');
    assert.deepEqual(warnings, []);
  });
});

describe('toOciSpec: single mappings', () => {
  test('no capability keys: LXC common.conf default drop list', () => {
    const caps = oci('').spec.process!.capabilities!.bounding!;
    for (const c of ['CAP_MAC_ADMIN', 'CAP_MAC_OVERRIDE', 'CAP_SYS_TIME', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO']) assert.ok(!caps.includes(c), c);
    assert.equal(caps.length, 41 - 5);
  });

  test('lxc.cap.drop = (cleared): the full set', () => {
    assert.equal(oci('lxc.cap.drop =').spec.process!.capabilities!.bounding!.length, 41);
  });

  test('lxc.cap.keep: exactly those; none: nothing', () => {
    assert.deepEqual(oci('lxc.cap.keep = sys_admin chown').spec.process!.capabilities!.bounding, ['CAP_CHOWN', 'CAP_SYS_ADMIN']);
    assert.deepEqual(oci('lxc.cap.keep = none').spec.process!.capabilities!.bounding, []);
    assert.deepEqual(oci('lxc.cap.keep = chown\nlxc.cap.keep = none\nlxc.cap.keep = kill').spec.process!.capabilities!.effective, ['CAP_KILL']);
  });

  test('cap.drop and cap.keep together are refused', () => {
    assert.throws(() => oci('lxc.cap.drop = mknod\nlxc.cap.keep = chown'), /cannot both be used/);
  });

  test('lxc.idmap: a user namespace and the mappings', () => {
    const { spec, warnings } = oci('lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.init.uid = 1000');
    assert.ok(spec.linux!.namespaces!.some((n) => n.type === 'user'));
    assert.deepEqual(spec.linux!.uidMappings, [{ containerID: 0, hostID: 100000, size: 65536 }]);
    assert.deepEqual(spec.linux!.gidMappings, [{ containerID: 0, hostID: 100000, size: 65536 }]);
    assert.equal(spec.process!.user.uid, 1000);
    assert.deepEqual(warnings, []);
    assert.ok(spec.mounts!.find((m) => m.type === 'devpts')!.options!.includes('gid=5'));
  });

  test('lxc.idmap without gid 5: devpts without gid=5', () => {
    const { spec } = oci('lxc.idmap = u 0 100000 1\nlxc.idmap = g 0 100000 1');
    assert.ok(!spec.mounts!.find((m) => m.type === 'devpts')!.options!.includes('gid=5'));
  });

  test('idmap checks: overlaps, missing u or g, unmapped init, host root', () => {
    assert.throws(() => oci('lxc.idmap = u 0 100000 1000\nlxc.idmap = u 500 300000 10\nlxc.idmap = g 0 1 1'), /container uids 500-509 overlap the mapping at line 1/);
    assert.throws(() => oci('lxc.idmap = u 0 100000 1000\nlxc.idmap = u 2000 100500 10\nlxc.idmap = g 0 1 1'), /host uids 100500-100509 overlap/);
    assert.throws(() => oci('lxc.idmap = u 0 100000 10'), /no "g" \(group\) mapping/);
    assert.throws(() => oci('lxc.idmap = u 0 100000 10\nlxc.idmap = g 0 100000 10\nlxc.init.uid = 50'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems[0]!.key, 'lxc.init.uid');
      assert.equal(err.problems[0]!.pos?.line, 3);
      return /init uid 50 is not mapped/.test(err.message);
    });
    assert.throws(() => oci('lxc.idmap = u 0 0 65536\nlxc.idmap = g 0 100000 65536'), /config:1: lxc\.idmap: host uid 0 is mapped into the container/);
    assert.throws(() => oci('lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 0 1\nlxc.idmap = g 1 100001 65535'), /config:2: lxc\.idmap: host gid 0 is mapped/);
  });

  test('environment: container=lxc, K=V, and K from the host', () => {
    const env = oci('lxc.environment = APP=1\nlxc.environment = TERM\nlxc.environment = container=corral\nlxc.environment = NOPE').spec.process!.env!;
    assert.ok(env.includes('APP=1'));
    assert.ok(env.includes('TERM=xterm'));
    assert.ok(env.includes('container=corral'));
    assert.ok(!env.some((e) => e.startsWith('NOPE')));
  });

  test('init command, cwd, gid, no_new_privs, oom_score_adj', () => {
    const p = oci('lxc.init.cmd = /bin/sh -c "sleep 1"\nlxc.init.cwd = /root\nlxc.init.gid = 7\nlxc.no_new_privs = 1\nlxc.proc.oom_score_adj = -100').spec.process!;
    assert.deepEqual(p.args, ['/bin/sh', '-c', 'sleep 1']);
    assert.equal(p.cwd, '/root');
    assert.equal(p.user.gid, 7);
    assert.equal(p.noNewPrivileges, true);
    assert.equal(p.oomScoreAdj, -100);
  });

  test('prlimits: soft:hard, one value, unlimited', () => {
    const r = oci('lxc.prlimit.nofile = 1024:4096\nlxc.prlimit.nproc = 100\nlxc.prlimit.core = unlimited').spec.process!.rlimits!;
    assert.deepEqual(r.slice(0, 2), [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_NPROC', soft: 100, hard: 100 }]);
    assert.equal(r[2]!.type, 'RLIMIT_CORE');
    assert.ok(r[2]!.soft >= 2 ** 53 && r[2]!.hard >= 2 ** 53);
  });

  test('sysctls; net sysctls refused when the host network is shared', () => {
    assert.deepEqual(oci('lxc.sysctl.net.ipv4.ip_forward = 1').spec.linux!.sysctl, { 'net.ipv4.ip_forward': '1' });
    assert.throws(() => oci('lxc.net.0.type = none\nlxc.sysctl.net.ipv4.ip_forward = 1'), /would change the host/);
  });

  test('lxc.net.0.type = none: no network namespace', () => {
    const { spec } = oci('lxc.net.0.type = none');
    assert.ok(!spec.linux!.namespaces!.some((n) => n.type === 'network'));
    assert.throws(() => oci('lxc.net.0.type = none\nlxc.net.1.type = veth'), /cannot be combined/);
    assert.throws(() => oci('lxc.net.0.link = br0'), /has no lxc\.net\.0\.type/);
    assert.throws(() => oci('lxc.net.0.type = phys'), /needs lxc\.net\.0\.link/);
  });

  test('hooks: OCI stages, LXC arguments and environment', () => {
    const { spec, launch } = oci([
      'lxc.hook.pre-start = /usr/local/bin/pre', 'lxc.hook.mount = /usr/local/bin/mnt', 'lxc.hook.start = /bin/hook --now',
      'lxc.hook.post-stop = /usr/local/bin/post', 'lxc.hook.stop = /usr/local/bin/stop', 'lxc.hook.clone = /c', 'lxc.hook.autodev = /ad',
    ].join('\n'));
    const pre = spec.hooks!.createRuntime![0]!;
    assert.equal(pre.path, '/usr/local/bin/pre');
    assert.deepEqual(pre.args, ['/usr/local/bin/pre', 'bb', 'lxc', 'pre-start']);
    for (const v of ['LXC_NAME=bb', `LXC_ROOTFS_MOUNT=${ROOTFS}`, 'LXC_CONFIG_FILE=/var/lib/corral/bb/config', 'LXC_HOOK_TYPE=pre-start', 'LXC_HOOK_SECTION=lxc']) {
      assert.ok(pre.env!.includes(v), v);
    }
    assert.deepEqual(spec.hooks!.createContainer!.map((h) => h.path), ['/usr/local/bin/mnt', '/ad']);
    assert.deepEqual(spec.hooks!.startContainer![0]!.args, ['/bin/sh', '-c', '/bin/hook --now "$@"', '/bin/hook', 'bb', 'lxc', 'start']);
    assert.equal(spec.hooks!.poststop![0]!.path, '/usr/local/bin/post');
    assert.equal(launch.hooks.stop[0]!.path, '/usr/local/bin/stop');
    assert.equal(launch.hooks.clone[0]!.path, '/c');
  });

  test('hook version 1: no arguments, type in the environment', () => {
    const hook = oci('lxc.hook.version = 1\nlxc.hook.pre-start = /p').spec.hooks!.createRuntime![0]!;
    assert.deepEqual(hook.args, ['/p']);
    assert.ok(hook.env!.includes('LXC_HOOK_VERSION=1'));
  });

  test('signals: LXC defaults, SIGRTMIN+3 when init is systemd', () => {
    const rootfs = join(tmp, 'rootfs');
    mkdirSync(join(rootfs, 'sbin'), { recursive: true });
    mkdirSync(join(rootfs, 'lib/systemd'), { recursive: true });
    writeFileSync(join(rootfs, 'lib/systemd/systemd'), '');
    symlinkSync('/lib/systemd/systemd', join(rootfs, 'sbin/init'));
    const sysd = oci('', 'v2', rootfs).launch;
    assert.deepEqual([sysd.haltSignal, sysd.rebootSignal, sysd.stopSignal], ['SIGRTMIN+3', 'SIGINT', 'SIGKILL']);
    assert.equal(oci('').launch.haltSignal, 'SIGPWR');
    assert.equal(oci('lxc.signal.halt = 37').launch.haltSignal, 'SIGRTMIN+3');
    assert.equal(oci('lxc.signal.halt = SIGRTMAX-10').launch.haltSignal, 'SIGRTMIN+20');
  });

  test('autostart, groups, arch, ephemeral, console, execute, seccomp, cgroup dir', () => {
    const profile = join(tmp, 'bb.seccomp');
    writeFileSync(profile, '2\ndenylist\n[all]\nkexec_load errno 1\n');
    const { spec, launch } = oci([
      'lxc.start.auto = 1', 'lxc.start.delay = 5', 'lxc.start.order = -1', 'lxc.group = onboot', 'lxc.group = web,db', 'lxc.arch = i686',
      'lxc.ephemeral = 1', 'lxc.console.path = none', 'lxc.console.logfile = /var/log/bb.log', 'lxc.console.size = 1MB',
      'lxc.execute.cmd = /bin/true', `lxc.seccomp.profile = ${profile}`, 'lxc.cgroup.dir = lxc', 'lxc.tty.dir = lxc', 'lxc.tty.max = 2',
      'lxc.rootfs.options = ro', 'lxc.log.level = debug',
    ].join('\n'));
    assert.deepEqual([launch.startAuto, launch.startDelay, launch.startOrder], [true, 5, -1]);
    assert.deepEqual(launch.groups, ['onboot', 'web', 'db']);
    assert.equal(launch.arch, 'i686');
    assert.deepEqual(spec.linux!.personality, { domain: 'LINUX32' });
    assert.equal(launch.ephemeral, true);
    assert.equal(launch.consolePath, 'none');
    assert.equal(launch.consoleLogfile, '/var/log/bb.log');
    assert.equal(launch.consoleLogSize, 1024 * 1024);
    assert.deepEqual(launch.executeCmd, ['/bin/true']);
    assert.equal(launch.seccompProfile, profile);
    assert.deepEqual(spec.linux!.seccomp!.syscalls, [{ names: ['kexec_load'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }]);
    assert.equal(spec.linux!.cgroupsPath, 'lxc/bb');
    assert.deepEqual(launch.ttyPaths, ['/dev/lxc/tty1', '/dev/lxc/tty2']);
    assert.equal(spec.root!.readonly, true);
    assert.equal(launch.log.level, 1);
  });

  test('LSM keys: a warning, except for "unconfined"', () => {
    const { warnings, spec } = oci('lxc.apparmor.profile = generated\nlxc.apparmor.allow_nesting = 1\nlxc.selinux.context = x');
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /config:1: lxc\.apparmor\.profile: no LSM/);
    const unconfined = oci('lxc.apparmor.profile = unconfined');
    assert.deepEqual(unconfined.warnings, []);
    assert.deepEqual(unconfined.spec.linux!.maskedPaths, []);
    assert.ok(spec.linux!.maskedPaths!.length > 0);
  });

  test('errors from toOciSpec are ConfigErrors naming the container', () => {
    assert.throws(() => oci('lxc.cgroup.freezer.state = FROZEN', 'v2'), (err: unknown) => err instanceof ConfigError && /^container "bb"/.test(err.message));
  });
});
