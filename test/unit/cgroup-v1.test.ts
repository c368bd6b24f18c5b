// cgroup v1: directories, every resource mapping and update, asserted as exact writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CgroupError, openCgroupManager, recordingCgroupHost, type CgroupResources, type CgroupSystem, type RecordingOptions } from '../../src/runtime/cgroup/index.js';

const V1: CgroupSystem = {
  layout: 'v1',
  v1: {
    cpuset: '/cg/cpuset', 'cpu,cpuacct': '/cg/cpu,cpuacct', memory: '/cg/memory', devices: '/cg/devices', freezer: '/cg/freezer',
    blkio: '/cg/blkio', pids: '/cg/pids', hugetlb: '/cg/hugetlb', 'name=systemd': '/cg/systemd',
  },
};
const UNLIMITED = '9223372036854771712';
const C1 = '/corral/c1';

/** What the kernel puts in a new v1 cgroup directory (only what the code looks at). */
function template(dir: string, bfq = false): Record<string, string> {
  const files: Record<string, string> = { 'cgroup.procs': '' };
  if (dir.startsWith('/cg/cpuset/')) Object.assign(files, { 'cpuset.cpus': '', 'cpuset.mems': '' });
  if (dir.startsWith('/cg/memory/')) Object.assign(files, { 'memory.limit_in_bytes': UNLIMITED, 'memory.memsw.limit_in_bytes': UNLIMITED });
  if (dir.startsWith('/cg/devices/')) files['devices.list'] = 'a *:* rwm';
  if (dir.startsWith('/cg/blkio/') && bfq) files['blkio.bfq.weight'] = '100';
  return files;
}

function v1Host(extra: Record<string, string> = {}, opts: RecordingOptions & { bfq?: boolean } = {}) {
  const files: Record<string, string> = { '/cg/cpuset/cpuset.cpus': '0-3', '/cg/cpuset/cpuset.mems': '0' };
  for (const mount of Object.values(V1.v1)) files[`${mount}/cgroup.procs`] = '1\n';
  return recordingCgroupHost({ ...files, ...extra }, { onMkdir: (d) => template(d, opts.bfq), ...opts });
}

/** writes into one hierarchy's c1 dir, as "file=value" */
function writesIn(host: ReturnType<typeof v1Host>, mount: string): string[] {
  const prefix = `${mount}${C1}/`;
  return host.writes.filter((w) => w.path.startsWith(prefix)).map((w) => `${w.path.slice(prefix.length)}=${w.data}`);
}

async function create(resources: CgroupResources | undefined, host = v1Host()) {
  const mgr = openCgroupManager({ system: V1, host });
  const cg = await mgr.create(C1, resources);
  return { mgr, cg, host };
}

test('create makes the cgroup in every hierarchy, name=systemd included, and joins them all', async () => {
  const { cg, host } = await create(undefined);
  assert.equal(cg.path, C1);
  assert.equal(cg.unifiedDir, undefined);
  assert.equal(cg.devicesProgram, undefined);
  assert.deepEqual(Object.keys(cg.dirs).sort(), Object.keys(V1.v1).sort());
  assert.equal(cg.dirs['cpu,cpuacct'], '/cg/cpu,cpuacct/corral/c1');
  assert.deepEqual(cg.joinDirs, Object.values(cg.dirs));
  assert.equal(host.mkdirs.length, 18);
  assert.ok(host.mkdirs.includes('/cg/systemd/corral') && host.mkdirs.includes('/cg/systemd/corral/c1'));
  // the only writes: cpuset.cpus/mems copied down level by level, or nobody could join
  assert.deepEqual(host.writes.map((w) => `${w.path}=${w.data}`), [
    '/cg/cpuset/corral/cpuset.cpus=0-3', '/cg/cpuset/corral/cpuset.mems=0',
    '/cg/cpuset/corral/c1/cpuset.cpus=0-3', '/cg/cpuset/corral/c1/cpuset.mems=0',
  ]);
});

test('memory: limit, memsw, soft limit, oom_control, swappiness', async () => {
  const { host } = await create({ memory: { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20, swappiness: 10, disableOOMKiller: true, kernel: 1 << 20 } });
  assert.deepEqual(writesIn(host, '/cg/memory'), [
    'memory.limit_in_bytes=67108864', // lowering from unlimited: memory first
    'memory.memsw.limit_in_bytes=134217728',
    'memory.soft_limit_in_bytes=33554432',
    'memory.oom_control=1',
    'memory.swappiness=10',
  ]);
});

test('memory update: raising writes memsw first, lowering writes memory first', async () => {
  const { mgr, cg, host } = await create({ memory: { limit: 64 << 20, swap: 128 << 20 } });
  host.writes.length = 0;
  await mgr.update(cg, { memory: { limit: 256 << 20, swap: 512 << 20 } });
  assert.deepEqual(writesIn(host, '/cg/memory'), ['memory.memsw.limit_in_bytes=536870912', 'memory.limit_in_bytes=268435456']);
  host.writes.length = 0;
  await mgr.update(cg, { memory: { limit: 32 << 20, swap: 64 << 20 } });
  assert.deepEqual(writesIn(host, '/cg/memory'), ['memory.limit_in_bytes=33554432', 'memory.memsw.limit_in_bytes=67108864']);
  host.writes.length = 0;
  await mgr.update(cg, { memory: { limit: -1 } }); // unlimited memory lifts memsw too
  assert.deepEqual(writesIn(host, '/cg/memory'), ['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=-1']);
  host.writes.length = 0;
  await mgr.update(cg, { memory: { disableOOMKiller: false } }); // back to the default on a live cgroup
  assert.deepEqual(writesIn(host, '/cg/memory'), ['memory.oom_control=0']);
});

test('memory: swap without memsw is a clear error, and the create is undone', async () => {
  const host = recordingCgroupHost({ '/cg/memory/cgroup.procs': '' }, { onMkdir: () => ({ 'memory.limit_in_bytes': UNLIMITED }) });
  const mgr = openCgroupManager({ system: { layout: 'v1', v1: { memory: '/cg/memory' } }, host });
  await assert.rejects(mgr.create(C1, { memory: { limit: 64 << 20, swap: 128 << 20 } }), (err: unknown) =>
    err instanceof CgroupError && err.file === '/cg/memory/corral/c1/memory.memsw.limit_in_bytes' && /swapaccount=1/.test(err.hint ?? ''));
  assert.deepEqual(host.rmdirs, ['/cg/memory/corral/c1', '/cg/memory/corral']);
  assert.equal(await host.exists('/cg/memory/corral'), false);
  // swap -1 without memsw is what the kernel does anyway: no error, no write
  const ok = await mgr.create(C1, { memory: { limit: 64 << 20, swap: -1 } });
  assert.deepEqual(host.writes.filter((w) => w.path.startsWith(ok.dirs.memory!)).map((w) => w.data), ['67108864']);
});

test('memory: EBUSY names usage', async () => {
  const dir = '/cg/memory/corral/c1';
  const host = v1Host({ [`${dir}/memory.usage_in_bytes`]: '900', [`${dir}/memory.max_usage_in_bytes`]: '1000' }, { failWrites: { [`${dir}/memory.limit_in_bytes`]: 'EBUSY' } });
  await assert.rejects(create({ memory: { limit: 4096 } }, host), (err: unknown) =>
    err instanceof CgroupError && /uses 900 bytes \(peak 1000\)/.test(err.message) && err.errno === 'EBUSY');
});

test('cpu: shares, period, burst, quota, idle, realtime', async () => {
  const { host } = await create({ cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, idle: 0, realtimePeriod: 1000000, realtimeRuntime: 950000 } });
  assert.deepEqual(writesIn(host, '/cg/cpu,cpuacct'), [
    'cpu.shares=512', 'cpu.cfs_period_us=100000', 'cpu.cfs_burst_us=1000', 'cpu.cfs_quota_us=50000', 'cpu.idle=0',
    'cpu.rt_period_us=1000000', 'cpu.rt_runtime_us=950000',
  ]);
});

test('cpu: a period refused (EINVAL) before the new quota is retried after it', async () => {
  const host = v1Host({}, { failOnce: { '/cg/cpu,cpuacct/corral/c1/cpu.cfs_period_us': 'EINVAL' } });
  await create({ cpu: { quota: 20000, period: 50000 } }, host);
  assert.deepEqual(writesIn(host, '/cg/cpu,cpuacct'), ['cpu.cfs_quota_us=20000', 'cpu.cfs_period_us=50000']);
});

test('cpu: the same EINVAL without a quota to set is an error naming file and value', async () => {
  const host = v1Host({}, { failWrites: { '/cg/cpu,cpuacct/corral/c1/cpu.cfs_period_us': 'EINVAL' } });
  await assert.rejects(create({ cpu: { period: 50000 } }, host), (err: unknown) =>
    err instanceof CgroupError && err.message.includes('"50000"') && err.file === '/cg/cpu,cpuacct/corral/c1/cpu.cfs_period_us' && err.errno === 'EINVAL');
});

test('cpuset: the container values replace the copied parent values', async () => {
  const { host } = await create({ cpu: { cpus: '0-1', mems: '0' } });
  assert.deepEqual(writesIn(host, '/cg/cpuset'), ['cpuset.cpus=0-3', 'cpuset.mems=0', 'cpuset.cpus=0-1', 'cpuset.mems=0']);
});

test('pids: a positive limit, and max for 0 or less', async () => {
  assert.deepEqual(writesIn((await create({ pids: { limit: 20 } })).host, '/cg/pids'), ['pids.max=20']);
  assert.deepEqual(writesIn((await create({ pids: { limit: 0 } })).host, '/cg/pids'), ['pids.max=max']);
  assert.deepEqual(writesIn((await create({ pids: { limit: -1 } })).host, '/cg/pids'), ['pids.max=max']);
});

const BLOCK_IO = {
  weight: 500, leafWeight: 300,
  weightDevice: [{ major: 8, minor: 0, weight: 600, leafWeight: 100 }],
  throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
  throttleWriteBpsDevice: [{ major: 8, minor: 16, rate: 2097152 }],
  throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
  throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }],
};

test('blkio: legacy CFQ weight files and throttles', async () => {
  assert.deepEqual(writesIn((await create({ blockIO: BLOCK_IO })).host, '/cg/blkio'), [
    'blkio.weight=500', 'blkio.leaf_weight=300', 'blkio.weight_device=8:0 600', 'blkio.leaf_weight_device=8:0 100',
    'blkio.throttle.read_bps_device=8:0 1048576', 'blkio.throttle.write_bps_device=8:16 2097152',
    'blkio.throttle.read_iops_device=8:0 100', 'blkio.throttle.write_iops_device=8:0 0',
  ]);
});

test('blkio: BFQ weight files when the BFQ scheduler is there', async () => {
  const { host } = await create({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 600 }] } }, v1Host({}, { bfq: true }));
  assert.deepEqual(writesIn(host, '/cg/blkio'), ['blkio.bfq.weight=500', 'blkio.bfq.weight_device=8:0 600']);
});

test('hugetlb: one limit_in_bytes per page size', async () => {
  const { host } = await create({ hugepageLimits: [{ pageSize: '2MB', limit: 1 << 30 }, { pageSize: '1GB', limit: 0 }] });
  assert.deepEqual(writesIn(host, '/cg/hugetlb'), ['hugetlb.2MB.limit_in_bytes=1073741824', 'hugetlb.1GB.limit_in_bytes=0']);
});

test('devices: deny-all then the exceptions, from a fresh allow-all cgroup', async () => {
  const { host, cg } = await create({ devices: [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
    { allow: true, type: 'b', major: 8, minor: null, access: 'r' },
  ] });
  assert.equal(cg.devicesProgram, undefined); // v1 enforces in the kernel itself
  assert.deepEqual(writesIn(host, '/cg/devices'), ['devices.deny=a', 'devices.allow=c *:* m', 'devices.allow=c 1:3 rwm', 'devices.allow=b 8:* r']);
});

test('devices update: only the difference from devices.list is written, no deny-all', async () => {
  const { mgr, cg, host } = await create(undefined);
  host.files.set(`${cg.dirs.devices}/devices.list`, 'c *:* m\nc 1:3 rwm\nc 1:5 rwm\n');
  host.writes.length = 0;
  await mgr.update(cg, { devices: [
    { allow: false }, { allow: true, type: 'c', access: 'm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
    { allow: true, type: 'c', major: 1, minor: 9 },
  ] });
  assert.deepEqual(writesIn(host, '/cg/devices'), ['devices.deny=c 1:3 m', 'devices.deny=c 1:5 rwm', 'devices.allow=c 1:9 rwm']);
});

test('devices: allow-all leaves an allow-all cgroup with one reset write', async () => {
  const { host } = await create({ devices: [{ allow: true }] });
  assert.deepEqual(writesIn(host, '/cg/devices'), ['devices.allow=a']);
});

test('bad input is refused before anything is created', async () => {
  const bad: CgroupResources[] = [
    { devices: [{ allow: false }, { allow: true, type: 'c', major: 1, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3 }] },
    { devices: [{ allow: true, type: 'c', access: 'rx' }] },
    { memory: { limit: 128, swap: 64 } },
    { memory: { swappiness: 101 } },
    { cpu: { cpus: '0-3;rm' } },
    { blockIO: { weight: 5 } },
    { hugepageLimits: [{ pageSize: '2M', limit: 1 }] },
    { unified: { 'memory.high': '1G' } }, // v1 has no cgroup2
  ];
  for (const r of bad) {
    const host = v1Host();
    await assert.rejects(create(r, host), CgroupError, JSON.stringify(r));
    assert.deepEqual(host.mkdirs, [], JSON.stringify(r));
  }
});

test('a controller the host lacks is refused before anything is created', async () => {
  const host = recordingCgroupHost({ '/cg/memory/cgroup.procs': '' });
  const mgr = openCgroupManager({ system: { layout: 'v1', v1: { memory: '/cg/memory' } }, host });
  await assert.rejects(mgr.create(C1, { pids: { limit: 5 } }), (e: unknown) => e instanceof CgroupError && /pids controller/.test(e.message));
  assert.deepEqual(host.mkdirs, []);
});

test('a failed write names file and value and removes every directory made', async () => {
  const host = v1Host({}, { failWrites: { '/cg/pids/corral/c1/pids.max': 'EINVAL' } });
  await assert.rejects(create({ memory: { limit: 1 << 30 }, pids: { limit: 20 } }, host), (err: unknown) =>
    err instanceof CgroupError && err.message === 'cannot write "20" to /cg/pids/corral/c1/pids.max: EINVAL (invalid argument)'
    && err.file === '/cg/pids/corral/c1/pids.max');
  assert.equal(host.rmdirs.length, 18);
  for (const mount of Object.values(V1.v1)) assert.equal(await host.exists(`${mount}/corral`), false);
});

test('an existing cgroup that holds processes is not taken over', async () => {
  const host = v1Host({ '/cg/pids/corral/c1/cgroup.procs': '4242\n' });
  await assert.rejects(create(undefined, host), (e: unknown) => e instanceof CgroupError && /holds processes \(4242\)/.test(e.message));
  assert.equal(await host.exists('/cg/pids/corral/c1'), true); // not ours to remove
});

test('update writes only what is given', async () => {
  const { mgr, cg, host } = await create(undefined);
  host.writes.length = 0;
  assert.deepEqual(await mgr.update(cg, { pids: { limit: 50 }, cpu: { shares: 256 } }), {});
  assert.deepEqual(host.writes.map((w) => w.path.split('/').pop() + '=' + w.data), ['cpu.shares=256', 'pids.max=50']);
});
