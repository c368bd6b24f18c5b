import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCreatePlan } from '../../src/runtime/plan/create-plan.js';
import { deviceNodes, deviceRules, devOps } from '../../src/runtime/plan/devices.js';
import { buildExecPlan } from '../../src/runtime/plan/exec-plan.js';
import { capMask, dropPrivilegeOps, rlimitOps } from '../../src/runtime/plan/identity.js';
import { CLONE } from '../../src/runtime/plan/linux-constants.js';
import { planNamespaces } from '../../src/runtime/plan/namespaces.js';
import { seccompAction, seccompOps } from '../../src/runtime/plan/seccomp.js';
import { defaultSpec } from '../../src/runtime/spec/default.js';

test('capability masks use the kernel numbers', () => {
  assert.equal(capMask(['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN']), (1n << 0n) | (1n << 5n) | (1n << 21n));
  assert.equal(capMask(undefined), 0n);
});

test('privilege drop: bounding before the uid change, capsets after, nnp last', () => {
  const { before, after } = dropPrivilegeOps({
    user: { uid: 1000, gid: 100, additionalGids: [5, 6], umask: 0o22 },
    cwd: '/',
    capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'] },
    noNewPrivileges: true,
  });
  assert.deepEqual(before.map((o) => o.op), ['CAPS_BOUNDING', 'SETGROUPS_IDS', 'SETUSER', 'UMASK']);
  assert.deepEqual(before[1]!.args, [2, 5, 6]);
  assert.deepEqual(after.map((o) => o.op), ['CAPS', 'NO_NEW_PRIVS']);
  assert.deepEqual(after[0]!.args, [1n << 5n, 0n, 0n, 0n]);
});

test('rlimits: resource numbers, huge values become infinity', () => {
  assert.deepEqual(rlimitOps([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2 ** 64 }]), [{ op: 'RLIMIT', args: [7, 1024, -1] }]);
});

test('namespaces: clone flags for new ones, user joined first, cgroup and time handled apart', () => {
  const ns = planNamespaces({
    namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: '/run/netns/x' }, { type: 'user', path: '/proc/9/ns/user' }, { type: 'cgroup' }, { type: 'time' }],
    timeOffsets: { monotonic: { secs: 10, nanosecs: 0 } },
  });
  assert.equal(ns.cloneFlags, CLONE.NEWPID | CLONE.NEWNS);
  assert.deepEqual(ns.beforeClone.map((o) => `${o.op} ${o.args.join(' ')}`), [
    `NS_JOIN ${CLONE.NEWUSER} /proc/9/ns/user`,
    `NS_JOIN ${CLONE.NEWNET} /run/netns/x`,
    `UNSHARE_PARENT ${CLONE.NEWTIME}`,
    'TIMENS_OFFSETS monotonic 10 0',
  ]);
  assert.equal(ns.newCgroup, true);
  const user = planNamespaces({ namespaces: [{ type: 'user' }], uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] });
  assert.deepEqual(user.afterClone, [
    { op: 'UID_MAP', args: ['0 100000 65536\n'] },
    { op: 'GID_MAP', args: ['0 100000 65536\n'] },
  ]);
  assert.equal(ns.childUnshare, 0);
  // with a new user namespace the others are made by the mapped root (pid only by clone)
  const all = planNamespaces({ namespaces: (['user', 'pid', 'mount', 'network', 'ipc', 'uts', 'cgroup'] as const).map((type) => ({ type })) });
  assert.equal(all.cloneFlags, CLONE.NEWUSER | CLONE.NEWPID);
  assert.equal(all.childUnshare, CLONE.NEWNS | CLONE.NEWNET | CLONE.NEWIPC | CLONE.NEWUTS);
});

test('seccomp: libseccomp action values and one rule per syscall name', () => {
  assert.equal(seccompAction('SCMP_ACT_ERRNO', undefined), 0x50001);
  assert.equal(seccompAction('SCMP_ACT_ERRNO', 38), 0x50026);
  assert.equal(seccompAction('SCMP_ACT_ALLOW', undefined), 0x7fff0000);
  assert.throws(() => seccompAction('SCMP_ACT_NOTIFY', undefined), /not supported/);
  const ops = seccompOps({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 2, op: 'SCMP_CMP_EQ' }] }],
  });
  assert.deepEqual(ops.map((o) => o.op), ['SECCOMP_INIT', 'SECCOMP_ARCH', 'SECCOMP_RULE', 'SECCOMP_RULE', 'SECCOMP_LOAD']);
  assert.deepEqual(ops[1]!.args, ['x86_64']);
  assert.deepEqual(ops[2]!.args, ['mkdir', 0x5000d, 1, 1, 4, 2n, 0n]);
});

test('devices: defaults plus spec devices; mknod normally, bind mounts in a user namespace', () => {
  const nodes = deviceNodes([{ type: 'c', path: '/dev/fuse', major: 10, minor: 229 }]);
  assert.deepEqual(nodes.map((n) => n.path), ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/fuse']);
  const ops = devOps(nodes, { userNamespace: false, mounts: [{ destination: '/dev/pts', type: 'devpts' }] });
  assert.deepEqual(ops[0], { op: 'MKNOD_IN_ROOT', args: ['/dev/null', 0o020666, 1, 3, 0, 0] });
  assert.deepEqual(ops.at(-1), { op: 'SYMLINK_IN_ROOT', args: ['pts/ptmx', '/dev/ptmx'] });
  const userOps = devOps(nodes, { userNamespace: true, mounts: [] });
  assert.equal(userOps[0]!.op, 'MOUNT_IN_ROOT');
  // linux.devices makes nodes only: access comes from linux.resources.devices (as in runc)
  const rules = deviceRules([{ allow: false, access: 'rwm' }]);
  assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
  assert.ok(!rules.some((r) => r.major === 10 && r.minor === 229));
});

test('create plan: parent ops first, then the child in runc order, exec last', () => {
  const spec = defaultSpec({ args: ['true'] });
  spec.root = { path: '/b/rootfs', readonly: true };
  const plan = buildCreatePlan({ spec, bundle: '/b', stateDir: '/run/x', cgroup: { joinDirs: ['/sys/fs/cgroup/memory/x'] }, syncForHooks: false });
  const names = plan.ops.map((o) => o.op);
  assert.deepEqual(names.slice(0, 3), ['STATE_DIR', 'CLONE', 'CGROUP_ENTER']);
  assert.deepEqual(plan.ops[2]!.args, ['/sys/fs/cgroup/memory/x/tasks']);
  const order = ['UNSHARE', 'ROOTFS', 'PIVOT_ROOT', 'MASK_PATH', 'HOSTNAME', 'SETSID', 'RLIMIT', 'WAIT_START', 'CAPS_BOUNDING', 'SETUSER', 'CAPS', 'NO_NEW_PRIVS', 'CHDIR', 'EXEC'];
  const positions = order.map((n) => names.indexOf(n as never));
  assert.ok(positions.every((p) => p >= 0), `missing ops: ${order.filter((_, i) => positions[i]! < 0)}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions);
  assert.deepEqual(plan.ops.at(-1), { op: 'EXEC', args: [1, 'true', 2, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'] });
});

test('cgroups: born into the cgroup2 dir, moved by stage 0 only with a user namespace', () => {
  const spec = defaultSpec({ args: ['true'] });
  spec.root = { path: '/b/rootfs' };
  const cgroup = { joinDirs: ['/cg/memory/x', '/cg/unified/x'], unifiedDir: '/cg/unified/x' };
  const plain = buildCreatePlan({ spec, bundle: '/b', stateDir: '/s', cgroup, syncForHooks: false });
  assert.deepEqual(plain.ops.slice(0, 4).map((o) => `${o.op} ${o.args.join(' ')}`.trim()), [
    'STATE_DIR /s',
    'CLONE_INTO_CGROUP /cg/unified/x',
    `CLONE ${CLONE.NEWPID | CLONE.NEWNET | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWNS}`,
    'CGROUP_ENTER /cg/memory/x/tasks',
  ]);
  spec.linux!.namespaces!.push({ type: 'user' });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  const user = buildCreatePlan({ spec, bundle: '/b', stateDir: '/s', cgroup, syncForHooks: false });
  const names = user.ops.map((o) => o.op);
  assert.ok(!names.includes('CGROUP_ENTER'));
  assert.deepEqual(user.ops[names.indexOf('CGROUP_JOIN')]!.args, ['/cg/memory/x']);
});

test('exec plan: joins in nsenter order, cgroup, same privileges as the container', () => {
  const spec = defaultSpec({ args: ['sh'] });
  const plan = buildExecPlan({
    spec,
    process: { ...spec.process!, args: ['ps'], terminal: false },
    joins: [{ type: 'mount', path: '/proc/5/ns/mnt' }, { type: 'pid', path: '/proc/5/ns/pid' }, { type: 'user', path: '/proc/5/ns/user' }],
    joinDirs: ['/sys/fs/cgroup/pids/x'],
    foreground: true,
    userNamespace: true,
  });
  assert.deepEqual(plan.ops.slice(0, 7).map((o) => o.op), ['NS_JOIN', 'NS_JOIN', 'NS_JOIN', 'FOREGROUND', 'CLONE', 'CGROUP_JOIN', 'BECOME_ROOT']);
  assert.deepEqual(plan.ops.slice(0, 3).map((o) => o.args[1]), ['/proc/5/ns/user', '/proc/5/ns/pid', '/proc/5/ns/mnt']);
});

test('exec plan: the cgroup moves first, then the child enters the cgroup namespace', () => {
  const spec = defaultSpec();
  const input = {
    spec,
    process: { ...spec.process!, args: ['true'], terminal: false },
    joins: [{ type: 'cgroup', path: '/proc/5/ns/cgroup' }, { type: 'mount', path: '/proc/5/ns/mnt' }, { type: 'pid', path: '/proc/5/ns/pid' }],
    joinDirs: ['/sys/fs/cgroup/pids/x', '/sys/fs/cgroup/unified/x'],
    unifiedDir: '/sys/fs/cgroup/unified/x',
    foreground: true,
    userNamespace: false,
  };
  const show = (ops: { op: string; args: unknown[] }[]) => ops.map((o) => `${o.op} ${o.args.join(' ')}`.trim());
  // born in the cgroup namespace's root, moving itself into v1: no migration by stage 0
  assert.deepEqual(show(buildExecPlan(input).ops.slice(0, 7)), [
    `NS_JOIN ${CLONE.NEWPID} /proc/5/ns/pid`,
    `NS_JOIN ${CLONE.NEWNS} /proc/5/ns/mnt`,
    'FOREGROUND',
    'CLONE_INTO_CGROUPNS /proc/5/ns/cgroup',
    'CLONE 0',
    'CGROUP_ENTER /sys/fs/cgroup/pids/x/tasks',
    `NS_ENTER ${CLONE.NEWCGROUP} /proc/5/ns/cgroup`,
  ]);
  // a user namespace: stage 0 moves the child
  const userns = buildExecPlan({ ...input, userNamespace: true }).ops;
  assert.deepEqual(show(userns.slice(3, 7)), ['CLONE 0', 'CGROUP_JOIN /sys/fs/cgroup/pids/x', 'CGROUP_JOIN /sys/fs/cgroup/unified/x', `NS_ENTER ${CLONE.NEWCGROUP} /proc/5/ns/cgroup`]);
  // no cgroup namespace of its own: stage 0 moves the child
  const noCgroupNs = buildExecPlan({ ...input, joins: input.joins.filter((j) => j.type !== 'cgroup') }).ops;
  assert.ok(!noCgroupNs.some((o) => o.op === 'CLONE_INTO_CGROUPNS' || o.op === 'CGROUP_ENTER'));
  assert.equal(noCgroupNs.filter((o) => o.op === 'CGROUP_JOIN').length, 2);
});
