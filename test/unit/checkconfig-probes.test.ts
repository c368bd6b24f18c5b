// Namespaces, cgroups and network probes, interpreted from a fake host's answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeHost, type FakeHostOptions } from '../../src/core/checkconfig/fake-host.js';
import { parseKernelConfig, type KernelConfig } from '../../src/core/checkconfig/kernel-config.js';
import { cgroupChecks, compactPaths, gatherCgroupFacts } from '../../src/core/checkconfig/probes-cgroups.js';
import { namespaceChecks } from '../../src/core/checkconfig/probes-namespaces.js';
import { networkChecks, parseLinkProbe } from '../../src/core/checkconfig/probes-network.js';
import type { CheckContext, CheckResult } from '../../src/core/checkconfig/types.js';

const CONFIG = parseKernelConfig(['NAMESPACES', 'UTS_NS', 'IPC_NS', 'PID_NS', 'NET_NS', 'USER_NS', 'CGROUPS', 'TIME_NS', 'VETH', 'BRIDGE', 'MACVLAN', 'CGROUP_BPF'].map((o) => `CONFIG_${o}=y`).join('\n') + '\n# CONFIG_VLAN_8021Q is not set\n', '/proc/config.gz');

// null: no kernel config at all (undefined would pick the default)
const ctx = (opts: FakeHostOptions = {}, config: KernelConfig | null = CONFIG): CheckContext => ({ host: fakeHost(opts), config: config ?? undefined, probes: true });
const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id)!;

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
34 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
35 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const PURE_V2 = '30 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n';
const PROC_CGROUPS = '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t6\t1\nmemory\t4\t81\t1\ndevices\t5\t6\t1\npids\t0\t1\t1\nfreezer\t0\t1\t1\ncpuset\t0\t1\t0\n';

test('namespaces: root, every unshare works', async () => {
  const c = ctx();
  const results = await namespaceChecks(c);
  assert.ok(results.every((r) => r.status === 'ok'), JSON.stringify(results.filter((r) => r.status !== 'ok')));
  const calls = (c.host as ReturnType<typeof fakeHost>).calls.map((a) => a.slice(1).join(' '));
  for (const probe of ['--uts true', '--ipc true', '--pid --fork true', '--net true', '--mount true', '--cgroup true', '--time true', '--user --map-root-user true']) assert.ok(calls.includes(probe), probe);
});

test('namespaces: a refused unshare as root is missing, and the config\'s opinion is kept', async () => {
  const results = await namespaceChecks(ctx({ run: (_c, a) => (a[0] === '--net' ? { code: 1, stderr: 'unshare: unshare failed: Operation not permitted\n' } : undefined) }));
  const net = byId(results, 'ns.net');
  assert.equal(net.status, 'missing');
  assert.equal(net.required, true);
  assert.match(net.detail, /unshare --net failed: unshare: unshare failed: Operation not permitted although the kernel config enables it/);
  assert.match(net.hint ?? '', /refused here/);
});

test('namespaces: a probe that works beats a config that says not set', async () => {
  const config = parseKernelConfig('# CONFIG_TIME_NS is not set\n', 'old.config');
  const time = byId(await namespaceChecks(ctx({}, config)), 'ns.time');
  assert.equal(time.status, 'ok');
  assert.match(time.detail, /live probe works, although the config says CONFIG_TIME_NS is not set/);
});

test('namespaces: without root, probes go through a user namespace and a refusal defers to the config', async () => {
  const c = ctx({ uid: 1000, gid: 1000, run: () => ({ code: 1, stderr: 'unshare: write failed /proc/self/uid_map: Operation not permitted' }) });
  const results = await namespaceChecks(c);
  assert.deepEqual((c.host as ReturnType<typeof fakeHost>).calls.find((a) => a.includes('--uts'))?.slice(1), ['--user', '--map-root-user', '--uts', 'true']);
  const uts = byId(results, 'ns.uts');
  assert.equal(uts.status, 'ok', 'the config says it is built');
  assert.match(uts.detail, /probe inconclusive: as uid 1000/);
});

test('namespaces: no unshare and no config: unknown, and that fails a required check', async () => {
  const results = await namespaceChecks(ctx({ bins: [] }, null));
  const pid = byId(results, 'ns.pid');
  assert.equal(pid.status, 'unknown');
  assert.match(pid.detail, /util-linux unshare not found/);
  assert.equal(byId(results, 'ns.mnt').status, 'ok', 'mount namespaces are always built in');
});

test('cgroups: hybrid host, controllers found where they are mounted', async () => {
  const c = ctx({ files: { '/proc/self/mountinfo': HYBRID, '/proc/cgroups': PROC_CGROUPS, '/sys/fs/cgroup/unified/cgroup.controllers': 'pids freezer\n' } });
  const results = await cgroupChecks(c, await gatherCgroupFacts(c.host));
  assert.equal(byId(results, 'cgroup.layout').detail, 'hybrid (v1: /sys/fs/cgroup/{cpu,memory,devices,systemd}; v2: /sys/fs/cgroup/unified, controllers: pids freezer)');
  assert.equal(byId(results, 'cgroup.memory').detail, 'enabled (v1 at /sys/fs/cgroup/memory)');
  assert.equal(byId(results, 'cgroup.pids').detail, 'enabled (v2 at /sys/fs/cgroup/unified)');
  assert.equal(byId(results, 'cgroup.devices').status, 'ok');
  const cpuset = byId(results, 'cgroup.cpuset');
  assert.equal(cpuset.status, 'missing');
  assert.match(cpuset.detail, /cgroup_disable=cpuset/);
  assert.equal(byId(results, 'cgroup.create').detail, 'yes (root, cgroupfs writable)');
});

test('cgroups: pure v2, devices through eBPF, freezer in the core', async () => {
  const c = ctx({ release: '6.1.0', files: { '/proc/self/mountinfo': PURE_V2, '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n' } });
  const results = await cgroupChecks(c, await gatherCgroupFacts(c.host));
  assert.match(byId(results, 'cgroup.layout').detail, /^v2 \(v2: \/sys\/fs\/cgroup, controllers: cpuset cpu io memory pids\)$/);
  assert.equal(byId(results, 'cgroup.devices').detail, 'enabled (v2, eBPF device programs)');
  assert.equal(byId(results, 'cgroup.freezer').detail, 'enabled (v2, built into every cgroup)');
  assert.equal(byId(results, 'cgroup.io').detail, 'enabled (v2 at /sys/fs/cgroup)');
});

test('cgroups: v2 devices without a kernel config is a warning, not a failure', async () => {
  const c = ctx({ files: { '/proc/self/mountinfo': PURE_V2, '/sys/fs/cgroup/cgroup.controllers': 'memory\n' } }, null);
  const devices = byId(await cgroupChecks(c, await gatherCgroupFacts(c.host)), 'cgroup.devices');
  assert.equal(devices.status, 'warning');
});

test('cgroups: a read-only cgroupfs blocks creation; nothing mounted at all says how to mount', async () => {
  const ro = PURE_V2.replace(' rw,nosuid', ' ro,nosuid');
  const asRoot = ctx({ files: { '/proc/self/mountinfo': ro }, readOnly: ['/sys/fs/cgroup'] });
  const create = byId(await cgroupChecks(asRoot, await gatherCgroupFacts(asRoot.host)), 'cgroup.create');
  assert.equal(create.status, 'missing');
  assert.equal(create.required, true);
  assert.match(create.hint ?? '', /remount,rw/);
  const asUser = ctx({ uid: 1000, files: { '/proc/self/mountinfo': ro } });
  assert.equal(byId(await cgroupChecks(asUser, await gatherCgroupFacts(asUser.host)), 'cgroup.create').status, 'missing', 'non-root reads ro from mountinfo');
  const none = ctx({ files: { '/proc/self/mountinfo': '' } });
  const [cg] = await cgroupChecks(none, await gatherCgroupFacts(none.host));
  assert.equal(cg!.status, 'missing');
  assert.match(cg!.hint ?? '', /mount -t cgroup2/);
});

test('compactPaths', () => {
  assert.equal(compactPaths(['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/memory']), '/sys/fs/cgroup/{cpu,memory}');
  assert.equal(compactPaths(['/a/x', '/b/y']), '/a/x, /b/y');
  assert.equal(compactPaths(['/sys/fs/cgroup']), '/sys/fs/cgroup');
});

test('network: probe output parsing, and macvlan/vlan are not blamed for a missing veth', () => {
  assert.deepEqual(parseLinkProbe('veth ok\nbridge fail RTNETLINK answers: Operation not supported\n'), {
    veth: { kind: 'ok' }, bridge: { kind: 'fail', why: 'ip link add type bridge failed: RTNETLINK answers: Operation not supported' },
  });
  const noVeth = parseLinkProbe('veth fail Error: Unknown device type.\nbridge ok\nmacvlan fail Cannot find device "cv0"\nvlan fail x\n');
  assert.equal(noVeth.macvlan?.kind, 'inconclusive');
  assert.equal(noVeth.vlan?.kind, 'inconclusive');
});

test('network: links created in a throwaway netns; vlan missing is not required', async () => {
  const c = ctx({ files: { '/proc/filesystems': 'nodev\tsysfs\nnodev\tfuse\n' }, run: (_c, a) => (a.includes('sh') ? { stdout: 'veth ok\nbridge ok\nmacvlan ok\nvlan fail Error: Unknown device type.\n' } : undefined) });
  const results = await networkChecks(c);
  const call = (c.host as ReturnType<typeof fakeHost>).calls[0]!;
  assert.deepEqual(call.slice(0, 4), ['/usr/bin/unshare', '--net', 'sh', '-c'], 'root needs no user namespace');
  assert.match(call[4]!, /\/usr\/bin\/ip link add cv0 type veth peer name cv1/);
  assert.equal(byId(results, 'net.veth').status, 'ok');
  assert.equal(byId(results, 'net.bridge').status, 'ok');
  const vlan = byId(results, 'net.vlan');
  assert.deepEqual([vlan.status, vlan.required], ['missing', false]);
  assert.equal(vlan.detail, 'missing: ip link add type vlan failed: Error: Unknown device type.');
  assert.equal(byId(results, 'net.fuse').status, 'ok');
});

test('network: no ip binary leaves the config to decide', async () => {
  const results = await networkChecks(ctx({ bins: ['unshare'] }));
  const veth = byId(results, 'net.veth');
  assert.equal(veth.status, 'ok');
  assert.match(veth.detail, /iproute2/);
});
