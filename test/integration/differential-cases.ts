// The bundles of the differential suite (differential.test.ts): each spec feature at least
// once. A case changes the default spec (`corral oci spec`, terminal off) and chooses what
// the probe prints. Known differences between runc 1.1.5 and corral are normalised away by
// the case, each with the reason.
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mount, SeccompOperator, Spec, Syscall } from '../../src/runtime/spec/types.js';
import type { RunContext, RunResult, RuntimeName } from '../support/differential.js';
import type { ProbeOptions } from '../support/probe.js';

export interface KnownDifference {
  why: string;
  apply: (text: string, runtime: RuntimeName) => string;
}

export interface DiffCase {
  name: string;
  probe: ProbeOptions;
  /** changes to the template bundle (rootfs files, host-side sources) before it is copied */
  prepare?: (template: string, env: CaseEnv) => void;
  adjust?: (spec: Spec, ctx: RunContext, env: CaseEnv) => void;
  chownRootfs?: number;
  collect?: (ctx: RunContext) => string;
  known?: KnownDifference[];
  /** runc cannot run this bundle: say why, check runc's refusal and corral's output alone */
  corralOnly?: { why: string; runcFails: RegExp; expect: (corral: RunResult, probe: string) => void };
  /** the bundle is expected to fail under both runtimes (else both must run it to the end) */
  bothFail?: string;
  /** a reason to skip the case on this host */
  skip?: (env: CaseEnv) => string | false;
  /** extra assertions after the comparison */
  check?: (runc: RunResult, corral: RunResult, env: CaseEnv) => void;
}

/** Host-side objects shared by the cases, created and removed by the test. */
export interface CaseEnv {
  /** a host directory with a tmpfs mounted at <dir>/sub (for rbind vs bind) */
  rbindSource: string;
  /** a host directory that a symlink in the image points to; must stay untouched */
  hostTarget: string;
  /** a network namespace made with `ip netns add`: its name and path */
  netnsPath: string;
  /** pid of a running container (started by runc) whose uts, ipc and pid namespaces are joined */
  holderPid: number;
  /** every syscall name of this architecture (for allow-lists) */
  syscalls: string[];
  /** the cgroup parent used by the cases (cgroupsPath = <parent>/<id>) */
  cgroupParent: string;
}

const BASIC: ProbeOptions['sections'] = ['id', 'umask', 'cwd', 'uts', 'status', 'idmap', 'limits', 'oom', 'env', 'pid1', 'ns'];

function ns(spec: Spec, types: string[]): void {
  spec.linux!.namespaces = types.map((type) => ({ type: type as never }));
}

function replaceMount(spec: Spec, dest: string, m: Mount | undefined): void {
  const mounts = (spec.mounts ?? []).filter((x) => x.destination !== dest);
  spec.mounts = m ? [...mounts, m] : mounts;
}

function seccompArchs(): string[] {
  return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
}

/** Lines of one probe section. */
export function sectionOf(probe: string, name: string): string[] {
  const out: string[] = [];
  let inside = false;
  for (const line of probe.split('\n')) {
    if (/^\[\w+\]$/.test(line)) inside = line === `[${name}]`;
    else if (inside && line) out.push(line);
  }
  return out;
}

const hookKinds = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;

const HOOK_SCRIPT = '#!/bin/sh\nkind=$1\nlog=$2\nstate=$(cat)\necho "$kind argv=[$*] state=$state" >> "$log"\n';

/** Hook log lines -> "kind argv=[...] state={sorted, normalised}". */
function renderHookLog(text: string, ctx: RunContext): string {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\w+) argv=\[(.*)\] state=(.*)$/.exec(line);
      if (!m) return `unparsable: ${line}`;
      let state: Record<string, unknown>;
      try {
        state = JSON.parse(m[3]!) as Record<string, unknown>;
      } catch {
        return `${m[1]} argv=[${m[2]}] state unparsable: ${m[3]}`;
      }
      if (typeof state.pid === 'number' && state.pid > 0) state.pid = '<pid>';
      if (state.id === ctx.id) state.id = '<id>';
      if (state.bundle === ctx.bundle) state.bundle = '<bundle>';
      const sorted = Object.fromEntries(Object.entries(state).sort(([a], [b]) => a.localeCompare(b)));
      return `${m[1]} argv=[${m[2]}] state=${JSON.stringify(sorted)}`;
    })
    .join('\n');
}

export const CASES: DiffCase[] = [
  {
    name: 'default spec',
    probe: {
      sections: [...BASIC, 'mounts', 'dev'],
      read: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/acpi', '/sys/firmware', '/proc/sys/kernel/ostype'],
      write: ['/proc/sys/kernel/hostname', '/proc/irq', '/sys/kernel', '/sys/fs/cgroup', '/sys/fs/cgroup/pids', '/tmp'],
      cgroupFiles: ['pids/pids.max', 'memory/memory.limit_in_bytes'],
    },
  },
  {
    name: 'process user: uid, gid, additionalGids, umask',
    probe: { sections: ['id', 'umask', 'status', 'cwd'], commands: ['touch /tmp/f && mkdir /tmp/d && stat -c "%n %a %u:%g" /tmp/f /tmp/d'] },
    adjust: (spec) => {
      spec.process!.user = { uid: 1000, gid: 1001, additionalGids: [10, 2000, 1001], umask: 0o027 };
    },
  },
  {
    name: 'capabilities: all five sets, ambient for a non-root user',
    probe: { sections: ['id', 'status'], commands: ['cat /proc/1/status | grep -E "^Cap" | tr -s "\\t " " "'] },
    adjust: (spec) => {
      spec.process!.user = { uid: 1000, gid: 1000 };
      spec.process!.noNewPrivileges = false;
      spec.process!.capabilities = {
        bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_TIME', 'CAP_SETUID'],
        effective: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETUID'],
        inheritable: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_TIME'],
        ambient: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
      };
    },
  },
  {
    name: 'capabilities: root with an empty set and a full bounding set',
    probe: { sections: ['status'], commands: ['chown 1:1 /tmp', 'mknod /tmp/n c 1 3'] },
    adjust: (spec) => {
      spec.process!.capabilities = { bounding: ['CAP_CHOWN', 'CAP_MKNOD', 'CAP_SYS_ADMIN'], effective: ['CAP_MKNOD'], permitted: ['CAP_MKNOD'] };
    },
  },
  {
    name: 'rlimits',
    probe: { sections: ['limits'], commands: ['ulimit -n', 'ulimit -Hn'] },
    adjust: (spec) => {
      spec.process!.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 },
        { type: 'RLIMIT_NPROC', soft: 100, hard: 200 },
        { type: 'RLIMIT_CORE', soft: 1024, hard: 4096 },
        { type: 'RLIMIT_MEMLOCK', soft: 65536, hard: 65536 },
        { type: 'RLIMIT_MSGQUEUE', soft: 8192, hard: 16384 },
        { type: 'RLIMIT_STACK', soft: 4194304, hard: 8388608 },
      ];
    },
  },
  {
    name: 'noNewPrivileges true',
    probe: { sections: ['status'] },
    adjust: (spec) => {
      spec.process!.noNewPrivileges = true;
    },
  },
  {
    name: 'noNewPrivileges false',
    probe: { sections: ['status'] },
    adjust: (spec) => {
      spec.process!.noNewPrivileges = false;
    },
  },
  {
    name: 'oomScoreAdj',
    probe: { sections: ['oom'] },
    adjust: (spec) => {
      spec.process!.oomScoreAdj = 123;
    },
  },
  {
    name: 'env and a cwd that does not exist yet',
    probe: { sections: ['env', 'cwd'] },
    adjust: (spec) => {
      spec.process!.env = ['PATH=/bin:/sbin', 'FOO=bar baz', 'EMPTY=', 'TERM=dumb'];
      spec.process!.cwd = '/work/new/dir';
    },
  },
  {
    name: 'cwd that does not exist yet, non-root user',
    probe: { sections: ['env', 'cwd', 'id'], commands: ['stat -c "%n %a %u:%g" /work /work/new'] },
    adjust: (spec) => {
      spec.process!.cwd = '/work/new/dir';
      spec.process!.user = { uid: 1000, gid: 1000, umask: 0o077 };
    },
  },
  {
    name: 'root readonly',
    probe: { sections: ['mounts'], write: ['/', '/tmp', '/etc/passwd', '/dev/shm', '/dev'] },
    adjust: (spec) => {
      spec.root!.readonly = true;
    },
  },
  {
    name: 'hostname and domainname',
    probe: { sections: ['uts'], sysctls: ['kernel.hostname', 'kernel.domainname'] },
    adjust: (spec) => {
      spec.hostname = 'difftest-host';
      spec.domainname = 'example.org';
    },
    known: [
      {
        // runc 1.1.5 implements runtime-spec 1.0.2 and ignores "domainname" (added to runc in
        // 1.2); corral sets it. The check below holds corral to the spec.
        why: 'runc 1.1.5 ignores domainname',
        apply: (text) => text.replace(/^((kernel\.)?domainname)=.*$/gm, '$1=<ignored by runc 1.1.5>'),
      },
    ],
    check: (runc, corral) => {
      if (!corral.stdout.includes('domainname=example.org')) throw new Error('corral did not set the domainname');
      if (!runc.stdout.includes('domainname=(none)')) throw new Error('runc 1.1.5 now sets the domainname: drop this known difference');
    },
  },
  {
    name: 'mounts: tmpfs with options',
    probe: {
      sections: ['mounts'],
      write: ['/mnt/a/b/c'],
      commands: ['stat -c "%n %a %u:%g" /mnt/t /mnt/a/b/c /opt/keep /opt/given', 'cp /bin/busybox /mnt/t/ && /mnt/t/busybox true'],
    },
    prepare: (template) => {
      mkdirSync(join(template, 'rootfs/opt/keep'), { recursive: true, mode: 0o750 });
      mkdirSync(join(template, 'rootfs/opt/given'), { recursive: true, mode: 0o700 });
      chmodSync(join(template, 'rootfs/opt/keep'), 0o750);
      chmodSync(join(template, 'rootfs/opt/given'), 0o700);
    },
    adjust: (spec) => {
      spec.mounts!.push(
        { destination: '/mnt/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=700', 'uid=1000', 'gid=1000', 'nr_inodes=100'] },
        { destination: '/mnt/a/b/c', type: 'tmpfs', source: 'other', options: ['ro', 'strictatime', 'mode=1777'] },
        { destination: '/opt/keep', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
        { destination: '/opt/given', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=1777'] },
      );
    },
    known: [
      {
        // A tmpfs over an existing directory keeps that directory's mode. runc 1.1.5 does it
        // with a chmod after mounting, so the tmpfs's options show no mode and an explicit
        // mode= is overridden; corral (like runc >= 1.2) puts mode=<the directory's> in front
        // of the options, so an explicit mode= wins. Without mode= both give the same mode.
        why: 'tmpfs over an existing directory: chmod (runc 1.1.5) vs mode= option (corral, runc >= 1.2)',
        apply: (text) =>
          text
            .replace(/^(\/opt\/(keep|given) .*),mode=\d+( \S+)$/gm, '$1$3')
            .replace(/^\/opt\/given (700|1777) /gm, '/opt/given <700 in runc 1.1.5, 1777 in corral> '),
      },
    ],
    check: (runc, corral) => {
      if (!runc.stdout.includes('/opt/given 700 ') || !corral.stdout.includes('/opt/given 1777 ')) {
        throw new Error('the known tmpfs mode difference changed: look again');
      }
    },
  },
  {
    name: 'mounts: /dev read-only tmpfs keeps its device nodes',
    probe: { sections: ['dev', 'mounts'], write: ['/dev', '/dev/null'] },
    adjust: (spec) => {
      spec.mounts!.find((m) => m.destination === '/dev')!.options!.push('ro');
    },
  },
  {
    name: 'mounts: bind ro file and dir, rbind and bind of a tree with a submount',
    probe: {
      sections: ['mounts'],
      read: ['/etc/data.conf', '/mnt/dir', '/mnt/rbind/sub', '/mnt/bind/sub'],
      write: ['/etc/data.conf', '/mnt/dir', '/mnt/rbind/sub', '/mnt/bind/sub', '/mnt/rw'],
      commands: ['ls /mnt/rbind/sub /mnt/bind/sub'],
    },
    prepare: (template) => {
      mkdirSync(join(template, 'data/dir'), { recursive: true });
      writeFileSync(join(template, 'data/data.conf'), 'key=value\n');
      writeFileSync(join(template, 'data/dir/file'), 'in dir\n');
    },
    adjust: (spec, ctx, env) => {
      spec.mounts!.push(
        { destination: '/etc/data.conf', type: 'bind', source: join(ctx.bundle, 'data/data.conf'), options: ['bind', 'ro'] },
        { destination: '/mnt/dir', type: 'none', source: join(ctx.bundle, 'data/dir'), options: ['rbind', 'ro', 'nosuid', 'nodev'] },
        { destination: '/mnt/rw', type: 'none', source: join(ctx.bundle, 'data/dir'), options: ['bind', 'rw'] },
        { destination: '/mnt/rbind', type: 'none', source: env.rbindSource, options: ['rbind'] },
        { destination: '/mnt/bind', type: 'none', source: env.rbindSource, options: ['bind'] },
      );
    },
  },
  {
    name: 'mounts: mqueue and devpts newinstance with ptmxmode',
    probe: { sections: ['mounts', 'dev'], commands: ['stat -c "%n %a %u:%g" /dev/pts/ptmx /dev/ptmx', 'ls /dev/mqueue'] },
    adjust: (spec) => {
      replaceMount(spec, '/dev/pts', {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0600', 'mode=0600', 'gid=5'],
      });
      replaceMount(spec, '/dev/mqueue', { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'nodev'] });
    },
  },
  {
    name: 'mounts: cgroup rw with a cgroup namespace',
    probe: { sections: ['mounts'], write: ['/sys/fs/cgroup', '/sys/fs/cgroup/pids/cgroup.procs'], cgroupFiles: ['pids/pids.max'] },
    adjust: (spec) => {
      replaceMount(spec, '/sys/fs/cgroup', { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev'] });
      spec.linux!.resources = { ...spec.linux!.resources, pids: { limit: 77 } };
    },
    known: [
      {
        // runc 1.1.5 chmods a tmpfs to the mode of the directory it covers: the tmpfs holding
        // the hierarchies gets sysfs's 0555 (its own mode=755 is overridden), so even root
        // cannot add to it without CAP_DAC_OVERRIDE. corral keeps mode=755 (as runc >= 1.2).
        why: 'the /sys/fs/cgroup tmpfs is 0555 under runc 1.1.5, 0755 under corral',
        apply: (text) => text.replace(/^write \/sys\/fs\/cgroup: .*$/m, 'write /sys/fs/cgroup: <runc 1.1.5: EACCES, corral: allowed>'),
      },
    ],
    check: (runc, corral) => {
      if (!/write \/sys\/fs\/cgroup: rc=1 .*Permission denied/.test(runc.stdout)) throw new Error('runc 1.1.5 no longer refuses: drop the known difference');
      if (!/write \/sys\/fs\/cgroup: rc=0/.test(corral.stdout)) throw new Error('corral refused a write to an rw cgroup tmpfs');
    },
  },
  {
    name: 'mounts: cgroup ro without a cgroup namespace',
    probe: { sections: ['mounts', 'ns'], write: ['/sys/fs/cgroup', '/sys/fs/cgroup/pids/pids.max'], cgroupFiles: ['pids/pids.max', 'memory/memory.limit_in_bytes'] },
    adjust: (spec) => {
      ns(spec, ['pid', 'network', 'ipc', 'uts', 'mount']);
      spec.linux!.resources = { ...spec.linux!.resources, pids: { limit: 55 } };
    },
  },
  {
    name: 'bind mount onto an image symlink that points to a host path',
    probe: { sections: ['mounts'], read: ['/evil'], commands: ['stat -c "%n %A %s %u:%g" /evil/*', 'ls -A /tmp /tmp/*'] },
    prepare: (template, env) => {
      mkdirSync(join(template, 'data/dir'), { recursive: true });
      writeFileSync(join(template, 'data/dir/payload'), 'payload\n');
      symlinkSync(env.hostTarget, join(template, 'rootfs/evil'));
    },
    adjust: (spec, ctx) => {
      spec.mounts!.push({ destination: '/evil', type: 'bind', source: join(ctx.bundle, 'data/dir'), options: ['bind'] });
    },
  },
  {
    name: 'namespaces: only a mount namespace (host pid, net, ipc, uts, cgroup)',
    probe: { sections: ['ns', 'pid1', 'uts'], cgroupFiles: [] },
    adjust: (spec) => {
      ns(spec, ['mount']);
      delete spec.hostname;
    },
  },
  {
    name: 'namespaces: a network namespace joined by path',
    probe: { sections: ['ns'], commands: ['ip -o link show | cut -d: -f2 | tr -d " "'] },
    adjust: (spec, _ctx, env) => {
      spec.linux!.namespaces = spec.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: env.netnsPath } : n));
    },
  },
  {
    name: "namespaces: another running container's uts, ipc and pid namespaces joined by path",
    probe: { sections: ['ns', 'pid1', 'uts'], commands: ['ps -o comm | grep -x sleep'] },
    adjust: (spec, _ctx, env) => {
      const join = new Map([['uts', 'uts'], ['ipc', 'ipc'], ['pid', 'pid']]);
      spec.linux!.namespaces = spec.linux!.namespaces!.map((n) => (join.has(n.type) ? { type: n.type, path: `/proc/${env.holderPid}/ns/${join.get(n.type)}` } : n));
      delete spec.hostname; // the holder's uts namespace is not ours to rename
    },
  },
  {
    name: 'namespaces: user namespace with uid/gid mappings',
    probe: {
      sections: ['id', 'status', 'idmap', 'ns', 'mounts', 'dev'],
      write: ['/proc/sys/kernel/hostname', '/tmp', '/'],
      commands: ['stat -c "%n %u:%g" / /bin/busybox', 'cat /dev/null && echo null-ok'],
    },
    chownRootfs: 100000,
    known: [
      {
        // Both create the ipc namespace (and so its mqueue filesystem, owned by its creator)
        // after becoming root in the new user namespace. runc 1.1.5 has switched only its
        // uid by then (nsexec: setresuid(0) then unshare), so /dev/mqueue's group is the
        // host's gid 0, unmapped (65534); corral has switched both (0:0).
        why: '/dev/mqueue group in a user namespace: 65534 under runc 1.1.5, 0 under corral',
        apply: (text) => text.replace(/^\/dev\/mqueue drwxrwxrwt 0:(0|65534)$/m, '/dev/mqueue drwxrwxrwt 0:<0|65534>'),
      },
    ],
    adjust: (spec) => {
      spec.linux!.namespaces!.push({ type: 'user' });
      spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    },
  },
  {
    name: 'namespaces: time namespace with offsets',
    probe: { sections: ['ns', 'timens'], commands: ['cut -d. -f1 /proc/uptime'] },
    adjust: (spec) => {
      spec.linux!.namespaces!.push({ type: 'time' });
      spec.linux!.timeOffsets = { monotonic: { secs: 86400, nanosecs: 0 }, boottime: { secs: 31536000, nanosecs: 500 } };
    },
    corralOnly: {
      why: 'runc 1.1.5 does not know the time namespace (added in runc 1.2), so only corral is checked, against the offsets',
      runcFails: /time/,
      expect: (r, probe) => {
        if (r.code !== 0) throw new Error(`corral failed: ${r.stderr}`);
        const timens = sectionOf(probe, 'timens');
        if (!timens.includes('monotonic 86400 0') || !timens.includes('boottime 31536000 500')) throw new Error(`timens_offsets: ${timens.join(' | ')}`);
        if (!sectionOf(probe, 'ns').includes('time=new')) throw new Error('not in a new time namespace');
        const uptime = Number(sectionOf(probe, 'commands')[1]);
        if (!(uptime >= 31536000)) throw new Error(`uptime ${uptime} does not include the boottime offset`);
      },
    },
  },
  {
    name: 'linux.devices and a device cgroup deny-all with allows',
    probe: {
      sections: ['dev'],
      commands: [
        'head -c 0 /dev/fuse && echo fuse-open',
        'head -c 0 /dev/hwrng-not-allowed && echo hwrng-open',
        'mknod /tmp/kmsg c 1 11 && head -c 0 /tmp/kmsg',
        'head -c 1 /dev/urandom >/dev/null && echo urandom-ok',
        'ls -l /dev/myfifo | cut -c1-10',
      ],
      cgroupFiles: ['devices/devices.list'],
    },
    adjust: (spec) => {
      spec.linux!.devices = [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o640, uid: 0, gid: 5 },
        { path: '/dev/hwrng-not-allowed', type: 'c', major: 10, minor: 183, fileMode: 0o600 },
        { path: '/dev/myfifo', type: 'p', fileMode: 0o600 },
      ];
      spec.linux!.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }] };
      const caps = ['CAP_MKNOD', 'CAP_DAC_OVERRIDE'];
      for (const set of ['bounding', 'effective', 'permitted'] as const) spec.process!.capabilities![set]!.push(...caps);
    },
    known: [
      {
        // runc 1.1.5's default device rules still allow /dev/net/tun (c 10:200 rwm); runc 1.2
        // dropped it from the defaults and corral never had it: a container that needs tun
        // says so in linux.resources.devices.
        why: 'runc 1.1.5 allows c 10:200 (tun) by default',
        apply: (text, runtime) => (runtime === 'runc' ? text.replace(/ c 10:200 rwm/, '') : text),
      },
    ],
  },
  {
    name: 'resources: memory limit, reservation and swap',
    probe: { sections: [], cgroupFiles: ['memory/memory.limit_in_bytes', 'memory/memory.soft_limit_in_bytes', 'memory/memory.memsw.limit_in_bytes', 'memory/memory.swappiness'] },
    adjust: (spec) => {
      spec.linux!.resources = { ...spec.linux!.resources, memory: { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20 } };
    },
  },
  {
    name: 'resources: cpu shares, quota, period, cpus, mems',
    probe: { sections: [], cgroupFiles: ['cpu/cpu.shares', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.cfs_period_us', 'cpuset/cpuset.cpus', 'cpuset/cpuset.mems'], commands: ['grep Cpus_allowed_list /proc/self/status | tr -s "\\t " " "'] },
    adjust: (spec) => {
      spec.linux!.resources = { ...spec.linux!.resources, cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' } };
    },
  },
  {
    name: 'resources: pids limit',
    probe: { sections: [], cgroupFiles: ['pids/pids.max'] },
    adjust: (spec) => {
      spec.linux!.resources = { ...spec.linux!.resources, pids: { limit: 42 } };
    },
  },
  {
    name: 'resources: blockIO weight',
    probe: { sections: [], cgroupFiles: ['blkio/blkio.weight'] },
    // Without CFQ/BFQ weights (as on this kernel) there is no weight file: runc 1.1.5 runs
    // the bundle without the limit and says nothing, and so does corral (the probe shows the
    // file missing for both). With a weight file both must show 500.

    adjust: (spec) => {
      spec.linux!.resources = { ...spec.linux!.resources, blockIO: { weight: 500 } };
    },
    check: (_runc, corral) => {
      const hasWeight = existsSync('/sys/fs/cgroup/blkio/blkio.weight');
      if (hasWeight && !corral.stdout.includes('blkio/blkio.weight=500')) throw new Error('blkio.weight not set');
    },
  },
  {
    name: 'maskedPaths and readonlyPaths',
    probe: {
      sections: ['mounts'],
      read: ['/etc/secret', '/opt/secretdir', '/etc/rofile', '/opt/rodir', '/proc/kcore', '/proc/keys', '/nonexistent'],
      write: ['/etc/secret', '/opt/secretdir', '/etc/rofile', '/opt/rodir', '/proc/sys/kernel/hostname', '/opt/rodir/sub'],
    },
    prepare: (template) => {
      const rootfs = join(template, 'rootfs');
      mkdirSync(join(rootfs, 'opt/secretdir'), { recursive: true });
      mkdirSync(join(rootfs, 'opt/rodir/sub'), { recursive: true });
      writeFileSync(join(rootfs, 'etc/secret'), 'secret\n');
      writeFileSync(join(rootfs, 'opt/secretdir/file'), 'secret\n');
      writeFileSync(join(rootfs, 'etc/rofile'), 'ro\n');
      chmodSync(join(rootfs, 'opt/rodir/sub'), 0o777);
    },
    adjust: (spec) => {
      spec.linux!.maskedPaths = ['/etc/secret', '/opt/secretdir', '/proc/kcore', '/proc/keys', '/nonexistent'];
      spec.linux!.readonlyPaths = ['/etc/rofile', '/opt/rodir', '/proc/sys', '/nonexistent-ro'];
    },
  },
  {
    name: 'sysctl',
    probe: { sections: [], sysctls: ['net.ipv4.ip_forward', 'kernel.shmmax', 'kernel.msgmax'], write: ['/proc/sys/net/ipv4/ip_forward'] },
    adjust: (spec) => {
      spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '123456789', 'kernel/msgmax': '4096' };
    },
  },
  ...(['unbindable', 'runbindable'] as const).map(
    (prop): DiffCase => ({
      name: `rootfsPropagation ${prop}`,
      probe: { sections: ['mounts'] },
      adjust: (spec) => {
        spec.linux!.rootfsPropagation = prop;
      },
      corralOnly: {
        // runc 1.1.5 makes the host's tree unbindable before binding the rootfs out of it,
        // which the kernel refuses (EINVAL); runc >= 1.3 (PR #4724) and corral apply it to
        // the new root after pivot_root.
        why: 'runc 1.1.5 cannot run an unbindable rootfsPropagation',
        runcFails: /invalid argument/,
        expect: (r, probe) => {
          if (r.code !== 0) throw new Error(`corral failed: ${r.stderr}`);
          const mounts = sectionOf(probe, 'mounts');
          const tag = (mp: string) => mounts.find((l) => l.startsWith(`${mp} root=`))?.split(' ').at(-1);
          if (tag('/') !== 'unbindable') throw new Error(`/ is ${tag('/')}`);
          if (tag('/proc') !== (prop === 'runbindable' ? 'unbindable' : 'private')) throw new Error(`/proc is ${tag('/proc')}`);
        },
      },
    }),
  ),
  ...(['rprivate', 'rslave', 'private', 'slave'] as const).map(
    (prop): DiffCase => ({
      name: `rootfsPropagation ${prop}`,
      probe: { sections: ['mounts'] },
      adjust: (spec) => {
        spec.linux!.rootfsPropagation = prop;
      },
    }),
  ),
  ...(['shared', 'rshared'] as const).map(
    (prop): DiffCase => ({
      name: `rootfsPropagation ${prop}`,
      probe: { sections: ['mounts'] },
      adjust: (spec) => {
        spec.linux!.rootfsPropagation = prop;
      },
      known: [
        {
          // runc < 1.3 never makes the container's root shared: it must bind the rootfs under
          // a private parent for pivot_root and does not re-apply the propagation afterwards
          // (runc issue #1755, fixed by PR #4724 in 1.3 and 1.2.7). corral applies it after
          // the root switch, as fixed runc does; here the host's mounts are private, so
          // "shared" means a new peer group of the container's own.
          why: 'runc 1.1.5 ignores a shared rootfsPropagation (runc#1755)',
          apply: (text) => text.replace(/ (shared|private)$/gm, ' <shared|private>'),
        },
      ],
      check: (runc, corral) => {
        const root = (out: string) => out.split('\n').find((l) => l.startsWith('/ root='));
        if (!root(corral.stdout)?.endsWith(' shared')) throw new Error(`corral's / is not shared: ${root(corral.stdout)}`);
        const sub = corral.stdout.split('\n').find((l) => l.startsWith('/proc root='));
        if (prop === 'rshared' ? !sub?.endsWith(' shared') : !sub?.endsWith(' private')) throw new Error(`corral's /proc: ${sub}`);
        if (!root(runc.stdout)?.endsWith(' private')) throw new Error('runc now shares the rootfs: drop the known difference');
      },
    }),
  ),
  {
    name: 'seccomp: default allow, rules with errnoRet',
    probe: { sections: ['status'], commands: ['mkdir /tmp/x', 'rmdir /tmp', 'ls / >/dev/null && echo ls-ok'] },
    adjust: (spec) => {
      spec.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: seccompArchs(),
        syscalls: [
          { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
          { names: ['rmdir'], action: 'SCMP_ACT_ERRNO' },
          { names: ['no_such_syscall'], action: 'SCMP_ACT_ERRNO' },
        ],
      };
    },
  },
  {
    name: 'seccomp: argument conditions',
    probe: {
      sections: ['status'],
      // busybox's chmod and mkdir -m call chmod(2) with the mode as the second argument
      commands: ['mkdir /tmp/b && echo b-made', 'chmod 700 /tmp/b', 'chmod 750 /tmp/b && echo 750-ok', 'chmod 1755 /tmp/b', 'mkdir -m 700 /tmp/c', 'stat -c "%n %a" /tmp/b /tmp/c'],
    },
    adjust: (spec) => {
      const rule = (names: string[], index: number, errnoRet: number, op: SeccompOperator, value: number, valueTwo?: number): Syscall => ({
        names,
        action: 'SCMP_ACT_ERRNO',
        errnoRet,
        args: [{ index, value, ...(valueTwo === undefined ? {} : { valueTwo }), op }],
      });
      spec.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: seccompArchs(),
        syscalls: [
          rule(['chmod'], 1, 1, 'SCMP_CMP_EQ', 0o700),
          rule(['fchmodat'], 2, 1, 'SCMP_CMP_EQ', 0o700),
          rule(['chmod'], 1, 28, 'SCMP_CMP_MASKED_EQ', 0o1000, 0o1000),
          rule(['fchmodat'], 2, 28, 'SCMP_CMP_MASKED_EQ', 0o1000, 0o1000),
        ],
      };
    },
  },
  {
    name: 'seccomp: default errno with defaultErrnoRet, allow-list, noNewPrivileges false',
    probe: { sections: ['status'], commands: ['mkdir /tmp/x', 'echo still-running'] },
    skip: (env) => (env.syscalls.length === 0 ? 'no syscall table (linux-libc-dev) to build the allow-list from' : false),
    adjust: (spec, _ctx, env) => {
      spec.process!.noNewPrivileges = false;
      spec.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 38,
        architectures: seccompArchs(),
        syscalls: [{ names: env.syscalls.filter((s) => s !== 'mkdir' && s !== 'mkdirat'), action: 'SCMP_ACT_ALLOW' }],
      };
    },
  },
  {
    name: 'hooks: all six kinds, order, argv and state',
    probe: { sections: [] },
    prepare: (template) => {
      mkdirSync(join(template, 'hooklog'));
      mkdirSync(join(template, 'hooks'));
      writeFileSync(join(template, 'hooks/hook.sh'), HOOK_SCRIPT, { mode: 0o755 });
      writeFileSync(join(template, 'rootfs/hook.sh'), HOOK_SCRIPT, { mode: 0o755 });
    },
    adjust: (spec, ctx) => {
      const env = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'];
      const host = join(ctx.bundle, 'hooks/hook.sh');
      const log = join(ctx.bundle, 'hooklog/log');
      const hook = (kind: string, path = host, logPath = log) => ({ path, args: [path, kind, logPath], env, timeout: 10 });
      spec.hooks = Object.fromEntries(hookKinds.map((k) => [k, [hook(k)]]));
      spec.hooks.startContainer = [hook('startContainer', '/hook.sh', '/hooklog/log')];
      spec.annotations = { 'org.example.difftest': 'yes' };
      spec.mounts!.push({ destination: '/hooklog', type: 'bind', source: join(ctx.bundle, 'hooklog'), options: ['bind'] });
    },
    known: [
      {
        // Each runtime reports the runtime-spec version it implements.
        why: 'state.ociVersion is the runtime\'s own spec version',
        apply: (text) => text.replace(/"ociVersion":"[^"]*"/g, '"ociVersion":"<version>"'),
      },
      {
        // runc 1.1.5 hands poststart hooks the status it reads while its init may still be
        // on its way to exec: "created". The hooks run after the start, when the container
        // is running (runtime-spec: "called after the user-specified process is executed"),
        // which is what corral reports.
        why: 'poststart state status: "created" from runc 1.1.5, "running" from corral',
        apply: (text) => text.replace(/^(poststart .*"status":)"(created|running)"/m, '$1"<created|running>"'),
      },
      {
        // startContainer runs in the container right after the start signal, while the
        // runtime runs poststart at the same time: in both runtimes their order is a race.
        why: 'poststart and startContainer run concurrently',
        apply: (text) => {
          const lines = text.split('\n');
          const i = lines.findIndex((l) => l.startsWith('poststart '));
          const j = lines.findIndex((l) => l.startsWith('startContainer '));
          if (i >= 0 && j === i + 1) [lines[i], lines[j]] = [lines[j]!, lines[i]!];
          return lines.join('\n');
        },
      },
    ],
    collect: (ctx) => {
      try {
        return renderHookLog(readFileSync(join(ctx.bundle, 'hooklog/log'), 'utf8'), ctx);
      } catch (err) {
        return `no hook log: ${(err as Error).message}`;
      }
    },
  },
];
