import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CgroupError, detectCgroups, v1KeyFor } from '../../src/runtime/cgroup/index.js';

// this development machine (hybrid: v1 controllers, cgroup2 with almost nothing)
const HYBRID = `22 27 0:21 / /proc rw,relatime - proc proc rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// a systemd host in unified mode (Debian 11+, Fedora 31+, Ubuntu 21.10+)
const PURE_V2 = `21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
30 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
31 21 0:27 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:8 - bpf bpf rw,mode=700
`;

// CentOS 7 style legacy layout with combined hierarchies
const PURE_V1 = `25 18 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
26 25 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
28 25 0:24 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,net_cls,net_prio
29 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct
30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory
31 25 0:27 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,blkio
32 25 0:28 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids
33 25 0:29 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,devices
34 25 0:30 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,freezer
35 25 0:31 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,cpuset
36 25 0:32 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,hugetlb
37 25 0:33 / /sys/fs/cgroup/perf_event rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,perf_event
`;

test('detects this machine: hybrid, one key per v1 hierarchy, cgroup2 at unified', () => {
  const s = detectCgroups(HYBRID);
  assert.equal(s.layout, 'hybrid');
  assert.equal(s.unified, '/sys/fs/cgroup/unified');
  assert.deepEqual(s.v1, {
    cpu: '/sys/fs/cgroup/cpu',
    cpuacct: '/sys/fs/cgroup/cpuacct',
    cpuset: '/sys/fs/cgroup/cpuset',
    memory: '/sys/fs/cgroup/memory',
    devices: '/sys/fs/cgroup/devices',
    freezer: '/sys/fs/cgroup/freezer',
    blkio: '/sys/fs/cgroup/blkio',
    pids: '/sys/fs/cgroup/pids',
    'name=systemd': '/sys/fs/cgroup/systemd',
  });
  assert.equal(s.roots, undefined);
});

test('detects pure v2 at /sys/fs/cgroup', () => {
  assert.deepEqual(detectCgroups(PURE_V2), { layout: 'v2', v1: {}, unified: '/sys/fs/cgroup' });
});

test('detects pure v1 with combined cpu,cpuacct and net_cls,net_prio hierarchies', () => {
  const s = detectCgroups(PURE_V1);
  assert.equal(s.layout, 'v1');
  assert.equal(s.unified, undefined);
  assert.equal(s.v1['cpu,cpuacct'], '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(s.v1['net_cls,net_prio'], '/sys/fs/cgroup/net_cls,net_prio');
  assert.equal(s.v1['name=systemd'], '/sys/fs/cgroup/systemd');
  assert.equal(Object.keys(s.v1).length, 11);
  assert.equal(v1KeyFor(s, 'cpu'), 'cpu,cpuacct');
  assert.equal(v1KeyFor(s, 'cpuacct'), 'cpu,cpuacct');
  assert.equal(v1KeyFor(s, 'io'), undefined);
});

test('a lone name=systemd v1 mount beside cgroup2 is still a v2 host', () => {
  const text = `${PURE_V2}40 30 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n`;
  assert.deepEqual(detectCgroups(text), { layout: 'v2', v1: {}, unified: '/sys/fs/cgroup' });
});

test('records mount roots of a sub-tree view and decodes octal escapes', () => {
  const text = '30 21 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n'
    + '31 21 0:27 /docker/abc /mnt/my\\040cg rw - cgroup cgroup rw,memory\n';
  const s = detectCgroups(text);
  assert.equal(s.layout, 'hybrid');
  assert.equal(s.v1.memory, '/mnt/my cg');
  assert.deepEqual(s.roots, { memory: '/docker/abc', unified: '/docker/abc' });
});

test('the first mount of a hierarchy wins over later bind mounts', () => {
  const text = `${PURE_V1}50 25 0:26 /x /var/lib/other rw - cgroup cgroup rw,memory\n`;
  assert.equal(detectCgroups(text).v1.memory, '/sys/fs/cgroup/memory');
});

test('no cgroup mount at all is a CgroupError with a hint', () => {
  assert.throws(() => detectCgroups('22 27 0:21 / /proc rw - proc proc rw\n'), (err: unknown) =>
    err instanceof CgroupError && err.code === 'CGROUP' && /no cgroup filesystem/.test(err.message) && !!err.hint);
});

test('reads /proc/self/mountinfo when no text is given', () => {
  const s = detectCgroups();
  assert.ok(['v1', 'v2', 'hybrid'].includes(s.layout));
});
