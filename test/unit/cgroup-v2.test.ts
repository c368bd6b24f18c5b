// cgroup v2: controller enabling, every resource mapping and conversion, unified keys,
// asserted as exact writes on a fake cgroupfs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  blkioWeightToIoWeight, CgroupError, decodeBpf, deviceProgramInsns, openCgroupManager, recordingCgroupHost, sharesToWeight, swapToV2,
  type CgroupResources, type CgroupSystem, type RecordingHost, type RecordingOptions,
} from '../../src/runtime/cgroup/index.js';

const V2: CgroupSystem = { layout: 'v2', v1: {}, unified: '/cg2' };
const C1 = '/corral/c1';
const LEAF = '/cg2/corral/c1';

/** A systemd-like root: everything available, the usual four enabled. */
function v2Host(opts: RecordingOptions & { rootControllers?: string; rootEnabled?: string; files?: Record<string, string> } = {}): RecordingHost {
  const host: RecordingHost = recordingCgroupHost({
    '/cg2/cgroup.controllers': opts.rootControllers ?? 'cpuset cpu io memory hugetlb pids rdma misc',
    '/cg2/cgroup.subtree_control': opts.rootEnabled ?? 'cpu io memory pids',
    '/cg2/cgroup.procs': '1\n',
    ...opts.files,
  }, {
    // the kernel shows a child what its parent enables, live; the fake offers what the root has
    onMkdir: () => ({
      'cgroup.controllers': opts.rootControllers ?? 'cpuset cpu io memory hugetlb pids rdma misc',
      'cgroup.subtree_control': '', 'cgroup.procs': '', 'cgroup.events': 'populated 0\nfrozen 0\n', 'cgroup.freeze': '0', 'cgroup.kill': '',
    }),
    ...opts,
  });
  return host;
}

const leafWrites = (host: RecordingHost): string[] =>
  host.writes.filter((w) => w.path.startsWith(LEAF + '/')).map((w) => `${w.path.slice(LEAF.length + 1)}=${w.data}`);

async function create(resources: CgroupResources | undefined, host = v2Host()) {
  const mgr = openCgroupManager({ system: V2, host });
  const cg = await mgr.create(C1, resources);
  return { mgr, cg, host };
}

test('create: one dir, joined alone; missing default controllers enabled in the new parent only', async () => {
  const { cg, host } = await create(undefined);
  assert.deepEqual(cg, { path: C1, dirs: {}, joinDirs: [LEAF], unifiedDir: LEAF });
  assert.deepEqual(host.mkdirs, ['/cg2/corral', LEAF]);
  // the root already enables cpu io memory pids: it is not written to
  assert.deepEqual(host.writes.map((w) => `${w.path}=${w.data}`), [
    '/cg2/corral/cgroup.subtree_control=+cpu', '/cg2/corral/cgroup.subtree_control=+io',
    '/cg2/corral/cgroup.subtree_control=+memory', '/cg2/corral/cgroup.subtree_control=+pids',
  ]);
});

test('create: default controllers the host lacks are skipped silently', async () => {
  const host = v2Host({ rootControllers: 'hugetlb', rootEnabled: '' });
  await create(undefined, host);
  assert.deepEqual(host.writes, []);
});

test('every resource, in runc order, unified last; devices become an eBPF program', async () => {
  const devices = [{ allow: false }, { allow: true, type: 'c' as const, major: 1, minor: 3 }];
  const { cg, host } = await create({
    devices,
    cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, idle: 1, cpus: '0-1', mems: '0' },
    memory: { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20, swappiness: 60, disableOOMKiller: true },
    pids: { limit: 20 },
    blockIO: {
      weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 600 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteBpsDevice: [{ major: 8, minor: 16, rate: 2097152 }],
      throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }],
    },
    hugepageLimits: [{ pageSize: '2MB', limit: 1 << 30 }],
    unified: { 'memory.high': '50000000', 'io.latency': '8:0 target=10\n8:16 target=20\n' },
  });
  assert.deepEqual(leafWrites(host), [
    'cpuset.cpus=0-1', 'cpuset.mems=0',
    'memory.swap.max=67108864', 'memory.max=67108864', 'memory.low=33554432',
    'cpu.weight=39', 'cpu.idle=1', 'cpu.max.burst=1000', 'cpu.max=50000 100000',
    'pids.max=20',
    'io.weight=4950', 'io.weight=8:0 5960', 'io.max=8:0 rbps=1048576 riops=100 wiops=max', 'io.max=8:16 wbps=2097152',
    'hugetlb.2MB.max=1073741824',
    'memory.high=50000000', 'io.latency=8:0 target=10', 'io.latency=8:16 target=20',
  ]);
  // cpuset and hugetlb are needed and not yet enabled: enabled from the root down
  assert.deepEqual(host.writes.filter((w) => w.path.endsWith('subtree_control') && w.path.startsWith('/cg2/cgroup')).map((w) => w.data), ['+cpuset', '+hugetlb']);
  assert.deepEqual(decodeBpf(cg.devicesProgram!), deviceProgramInsns(devices));
});

test('memory swap: OCI memory+swap becomes swap alone', () => {
  assert.equal(swapToV2(128, 64), 64);
  assert.equal(swapToV2(64, 64), 0);
  assert.equal(swapToV2(-1, 64), -1);
  assert.equal(swapToV2(0, 64), 0);
  assert.equal(swapToV2(undefined, -1), -1); // unlimited memory: unlimited swap
  assert.throws(() => swapToV2(128, undefined), /needs a memory limit/);
  assert.throws(() => swapToV2(32, 64), /at least/);
});

test('memory: swap equal to the limit disables swap; -1 is max', async () => {
  assert.deepEqual(leafWrites((await create({ memory: { limit: 1 << 20, swap: 1 << 20 } })).host), ['memory.swap.max=0', 'memory.max=1048576']);
  assert.deepEqual(leafWrites((await create({ memory: { limit: -1 } })).host), ['memory.swap.max=max', 'memory.max=max']);
  assert.deepEqual(leafWrites((await create({ memory: { limit: 1 << 20, swap: -1 } })).host), ['memory.swap.max=max', 'memory.max=1048576']);
});

test('memory: no swap accounting is fine for max/0, an error for a real swap limit', async () => {
  const missing = { failWrites: { [`${LEAF}/memory.swap.max`]: 'ENOENT' } };
  assert.deepEqual(leafWrites((await create({ memory: { limit: -1 } }, v2Host(missing))).host), ['memory.max=max']);
  await assert.rejects(create({ memory: { limit: 1 << 20, swap: 2 << 20 } }, v2Host(missing)), (e: unknown) =>
    e instanceof CgroupError && e.file === `${LEAF}/memory.swap.max`);
});

test('cpu.weight and io.weight follow runc\'s conversions', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(sharesToWeight(1), 1); // clamped, never 0
  assert.equal(blkioWeightToIoWeight(10), 1);
  assert.equal(blkioWeightToIoWeight(500), 4950);
  assert.equal(blkioWeightToIoWeight(100), 910);
  assert.equal(blkioWeightToIoWeight(1000), 10000);
});

test('cpu.max: quota -1 is max; quota alone keeps the period; period alone keeps the quota', async () => {
  assert.deepEqual(leafWrites((await create({ cpu: { quota: -1, period: 100000 } })).host), ['cpu.max=max 100000']);
  assert.deepEqual(leafWrites((await create({ cpu: { quota: 20000 } })).host), ['cpu.max=20000']);
  const { mgr, cg, host } = await create({ cpu: { quota: 30000, period: 100000 } });
  host.files.set(`${LEAF}/cpu.max`, '30000 100000');
  host.writes.length = 0;
  await mgr.update(cg, { cpu: { period: 50000 } });
  assert.deepEqual(leafWrites(host), ['cpu.max=30000 50000']);
});

test('cpu.max.burst refused before the quota is retried after it; missing burst is ignored', async () => {
  const once = v2Host({ failOnce: { [`${LEAF}/cpu.max.burst`]: 'EINVAL' } });
  assert.deepEqual(leafWrites((await create({ cpu: { quota: 50000, burst: 5000 } }, once)).host), ['cpu.max=50000', 'cpu.max.burst=5000']);
  const none = v2Host({ failWrites: { [`${LEAF}/cpu.max.burst`]: 'ENOENT' } });
  assert.deepEqual(leafWrites((await create({ cpu: { quota: 50000, burst: 5000 } }, none)).host), ['cpu.max=50000']);
});

test('io: BFQ takes v1 weights unconverted', async () => {
  const host = v2Host();
  const mgr = openCgroupManager({ system: V2, host });
  host.files.set(`${LEAF}/io.bfq.weight`, 'default 100'); // pre-existing dir with BFQ
  await mgr.create(C1, { blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 600 }] } });
  assert.deepEqual(leafWrites(host), ['io.bfq.weight=500', 'io.bfq.weight=8:0 600']);
});

test('realtime CPU limits are refused on v2', async () => {
  await assert.rejects(create({ cpu: { realtimeRuntime: 1000 } }), (e: unknown) => e instanceof CgroupError && /cgroup v2/.test(e.message));
});

test('a needed controller that is not available is an error naming cgroup.controllers; the create is undone', async () => {
  const host = v2Host({ rootControllers: 'cpu io memory pids' });
  await assert.rejects(create({ hugepageLimits: [{ pageSize: '2MB', limit: 0 }] }, host), (e: unknown) =>
    e instanceof CgroupError && e.file === '/cg2/cgroup.controllers' && /hugetlb/.test(e.message));
  assert.deepEqual(host.rmdirs, [LEAF, '/cg2/corral']);
});

test('enabling a needed controller in a cgroup with processes explains the no-internal-processes rule', async () => {
  const host = v2Host({ failWrites: { '/cg2/cgroup.subtree_control': 'EBUSY' } });
  await assert.rejects(create({ cpu: { cpus: '0' } }, host), (e: unknown) =>
    e instanceof CgroupError && e.errno === 'EBUSY' && /no internal processes/.test(e.hint ?? ''));
});

test('unified keys are validated before anything happens', async () => {
  for (const key of ['../memory.max', 'memory/high', 'cgroup.procs', 'cgroup.kill', 'nodot']) {
    const host = v2Host();
    await assert.rejects(create({ unified: { [key]: '1' } }, host), CgroupError, key);
    assert.deepEqual(host.mkdirs, [], key);
  }
});

test('a unified key needs its controller: enabled like any other, an error when the host lacks it', async () => {
  const ok = await create({ unified: { 'cgroup.max.depth': '3', 'rdma.max': 'mlx4_0 hca_handle=2' } });
  assert.ok(ok.host.writes.some((w) => w.path === '/cg2/cgroup.subtree_control' && w.data === '+rdma'));
  assert.deepEqual(leafWrites(ok.host), ['cgroup.max.depth=3', 'rdma.max=mlx4_0 hca_handle=2']);
  const host = v2Host({ rootControllers: 'cpu io memory pids' });
  await assert.rejects(create({ unified: { 'rdma.max': 'mlx4_0 hca_handle=2' } }, host), (e: unknown) =>
    e instanceof CgroupError && /rdma controller is not available in \/cg2 /.test(e.message));
});

test('update: needed controllers are enabled first; devices give a new program', async () => {
  const { mgr, cg, host } = await create(undefined);
  host.writes.length = 0;
  const res = await mgr.update(cg, { hugepageLimits: [{ pageSize: '1GB', limit: 0 }], devices: [{ allow: true }] });
  assert.deepEqual(host.writes.map((w) => `${w.path}=${w.data}`), [
    '/cg2/cgroup.subtree_control=+hugetlb', '/cg2/corral/cgroup.subtree_control=+hugetlb', `${LEAF}/hugetlb.1GB.max=0`,
  ]);
  assert.ok(res.devicesProgram instanceof Uint8Array);
  assert.deepEqual(await mgr.update(cg, { pids: { limit: 3 } }), {});
});
