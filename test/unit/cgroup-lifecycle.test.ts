// Stats parsing, pids, freeze/thaw, killAll, destroy, and the hybrid layout, on a fake cgroupfs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CgroupError, openCgroupManager, recordingCgroupHost, type CgroupPaths, type CgroupSystem, type RecordingHost,
} from '../../src/runtime/cgroup/index.js';

const V1: CgroupSystem = { layout: 'v1', v1: { memory: '/cg/memory', 'cpu,cpuacct': '/cg/cpu,cpuacct', pids: '/cg/pids', blkio: '/cg/blkio', freezer: '/cg/freezer' } };
const V1_PATHS: CgroupPaths = {
  path: '/c',
  dirs: { memory: '/cg/memory/c', 'cpu,cpuacct': '/cg/cpu,cpuacct/c', pids: '/cg/pids/c', blkio: '/cg/blkio/c', freezer: '/cg/freezer/c' },
  joinDirs: ['/cg/memory/c', '/cg/cpu,cpuacct/c', '/cg/pids/c', '/cg/blkio/c', '/cg/freezer/c'],
};
const V2: CgroupSystem = { layout: 'v2', v1: {}, unified: '/cg2' };
const V2_PATHS: CgroupPaths = { path: '/c', dirs: {}, joinDirs: ['/cg2/c'], unifiedDir: '/cg2/c' };

test('stats from v1 files', async () => {
  const host = recordingCgroupHost({
    '/cg/memory/c/memory.usage_in_bytes': '1048576\n', '/cg/memory/c/memory.max_usage_in_bytes': '2097152\n',
    '/cg/memory/c/memory.limit_in_bytes': '67108864\n', '/cg/memory/c/memory.memsw.usage_in_bytes': '1572864\n',
    '/cg/memory/c/memory.stat': 'cache 100\nrss 200\ntotal_cache 300\ntotal_rss 400\n',
    '/cg/cpu,cpuacct/c/cpuacct.usage': '5000000\n', '/cg/cpu,cpuacct/c/cpuacct.usage_user': '3000000\n', '/cg/cpu,cpuacct/c/cpuacct.usage_sys': '2000000\n',
    '/cg/cpu,cpuacct/c/cpu.stat': 'nr_periods 10\nnr_throttled 2\nthrottled_time 12345\n',
    '/cg/pids/c/pids.current': '3\n', '/cg/pids/c/pids.max': 'max\n',
    '/cg/blkio/c/blkio.throttle.io_service_bytes_recursive': '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:16 Read 1\nTotal 12289\n',
  });
  assert.deepEqual(await openCgroupManager({ system: V1, host }).stats(V1_PATHS), {
    memory: { usage: 1048576, maxUsage: 2097152, limit: 67108864, swapUsage: 524288, cache: 300, rss: 400 },
    cpu: { usageNs: 5000000, userNs: 3000000, systemNs: 2000000, throttledPeriods: 2, throttledNs: 12345 },
    pids: { current: 3 },
    blkio: { readBytes: 4097, writeBytes: 8192 },
  });
});

test('stats from v1: unlimited memory has no limit; old kernels give cpu ticks; missing controllers are left out', async () => {
  const host = recordingCgroupHost({
    '/cg/memory/c/memory.usage_in_bytes': '10', '/cg/memory/c/memory.limit_in_bytes': '9223372036854771712',
    '/cg/cpu,cpuacct/c/cpuacct.usage': '7', '/cg/cpu,cpuacct/c/cpuacct.stat': 'user 150\nsystem 50\n',
  });
  assert.deepEqual(await openCgroupManager({ system: V1, host }).stats(V1_PATHS), {
    memory: { usage: 10 },
    cpu: { usageNs: 7, userNs: 1.5e9, systemNs: 0.5e9 },
  });
});

test('stats from v2 files', async () => {
  const host = recordingCgroupHost({
    '/cg2/c/memory.current': '1048576\n', '/cg2/c/memory.peak': '2097152\n', '/cg2/c/memory.max': 'max\n', '/cg2/c/memory.swap.current': '4096\n',
    '/cg2/c/memory.stat': 'anon 400\nfile 300\nkernel 12\n',
    '/cg2/c/cpu.stat': 'usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 10\nnr_throttled 2\nthrottled_usec 7\n',
    '/cg2/c/pids.current': '3\n', '/cg2/c/pids.max': '20\n',
    '/cg2/c/io.stat': '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n8:16 rbytes=1 wbytes=0 rios=1 wios=0\n',
  });
  assert.deepEqual(await openCgroupManager({ system: V2, host }).stats(V2_PATHS), {
    memory: { usage: 1048576, maxUsage: 2097152, swapUsage: 4096, cache: 300, rss: 400 },
    cpu: { usageNs: 5000000, userNs: 3000000, systemNs: 2000000, throttledPeriods: 2, throttledNs: 7000 },
    pids: { current: 3, limit: 20 },
    blkio: { readBytes: 4097, writeBytes: 8192 },
  });
});

test('stats from a v2 cgroup without controllers: only the core cpu.stat', async () => {
  const host = recordingCgroupHost({ '/cg2/c/cpu.stat': 'usage_usec 12\nuser_usec 10\nsystem_usec 2\n' });
  assert.deepEqual(await openCgroupManager({ system: V2, host }).stats(V2_PATHS), { cpu: { usageNs: 12000, userNs: 10000, systemNs: 2000 } });
});

test('pids: every process of the cgroup and its sub-cgroups, once', async () => {
  const host = recordingCgroupHost({
    '/cg2/c/cgroup.procs': '10\n11\n', '/cg2/c/sub/cgroup.procs': '12\n', '/cg2/c/sub/deeper/cgroup.procs': '13\n11\n', '/cg2/c/memory.max': 'max',
  });
  assert.deepEqual(await openCgroupManager({ system: V2, host }).pids(V2_PATHS), [10, 11, 12, 13]);
  // v1 reads one hierarchy (pids preferred)
  const v1 = recordingCgroupHost({ '/cg/pids/c/cgroup.procs': '5\n', '/cg/memory/c/cgroup.procs': '99\n' });
  assert.deepEqual(await openCgroupManager({ system: V1, host: v1 }).pids(V1_PATHS), [5]);
});

test('v1 freeze waits for FROZEN; thaw; isFrozen', async () => {
  const host = recordingCgroupHost({ '/cg/freezer/c/freezer.state': 'THAWED\n' });
  const mgr = openCgroupManager({ system: V1, host });
  await mgr.freeze(V1_PATHS);
  assert.equal(await mgr.isFrozen(V1_PATHS), true);
  await mgr.thaw(V1_PATHS);
  assert.equal(await mgr.isFrozen(V1_PATHS), false);
  assert.deepEqual(host.writes.map((w) => w.data), ['FROZEN', 'THAWED']);
});

test('v1 freeze stuck in FREEZING gives up thawed, with an error', async () => {
  const host = recordingCgroupHost({ '/cg/freezer/c/freezer.state': 'THAWED' });
  const read = host.readFile;
  host.readFile = async (p) => (p.endsWith('freezer.state') ? 'FREEZING\n' : read(p));
  await assert.rejects(openCgroupManager({ system: V1, host }).freeze(V1_PATHS), (e: unknown) => e instanceof CgroupError && /stayed FREEZING/.test(e.message));
  assert.equal(host.writes.at(-1)?.data, 'THAWED');
});

/** A v2 fake whose cgroup.events follows cgroup.freeze, as the kernel's does. */
function v2FreezerHost(files: Record<string, string> = {}, frozen = false): RecordingHost {
  const host = recordingCgroupHost({
    '/cg2/c/cgroup.freeze': frozen ? '1' : '0', '/cg2/c/cgroup.events': `populated 1\nfrozen ${frozen ? 1 : 0}\n`, '/cg2/c/cgroup.procs': '10\n11\n', ...files,
  });
  const write = host.writeFile;
  host.writeFile = async (p, d) => {
    await write(p, d);
    if (p === '/cg2/c/cgroup.freeze') host.files.set('/cg2/c/cgroup.events', `populated 1\nfrozen ${d}\n`);
  };
  return host;
}

test('v2 freeze writes cgroup.freeze and waits for cgroup.events; thaw likewise', async () => {
  const host = v2FreezerHost();
  const mgr = openCgroupManager({ system: V2, host });
  await mgr.freeze(V2_PATHS);
  assert.equal(await mgr.isFrozen(V2_PATHS), true);
  await mgr.thaw(V2_PATHS);
  assert.equal(await mgr.isFrozen(V2_PATHS), false);
  assert.deepEqual(host.writes.map((w) => `${w.path}=${w.data}`), ['/cg2/c/cgroup.freeze=1', '/cg2/c/cgroup.freeze=0']);
});

test('v2 freeze that never completes is undone and reported', async () => {
  const host = recordingCgroupHost({ '/cg2/c/cgroup.freeze': '0', '/cg2/c/cgroup.events': 'populated 1\nfrozen 0\n' });
  await assert.rejects(openCgroupManager({ system: V2, host }).freeze(V2_PATHS), (e: unknown) => e instanceof CgroupError && /never reported/.test(e.message));
  assert.deepEqual(host.writes.map((w) => w.data), ['1', '0']);
});

test('killAll SIGKILL on v2 is one write to cgroup.kill', async () => {
  const host = v2FreezerHost({ '/cg2/c/cgroup.kill': '' });
  await openCgroupManager({ system: V2, host }).killAll(V2_PATHS, 'SIGKILL');
  assert.deepEqual(host.writes.map((w) => `${w.path}=${w.data}`), ['/cg2/c/cgroup.kill=1']);
  assert.deepEqual(host.kills, []);
});

test('killAll with another signal: freeze, signal each pid, thaw', async () => {
  const host = v2FreezerHost({ '/cg2/c/cgroup.kill': '' });
  await openCgroupManager({ system: V2, host }).killAll(V2_PATHS, 'SIGTERM');
  assert.deepEqual(host.writes.map((w) => w.data), ['1', '0']);
  assert.deepEqual(host.kills, [{ pid: 10, signal: 'SIGTERM' }, { pid: 11, signal: 'SIGTERM' }]);
});

test('killAll leaves a paused container paused; exited pids are fine', async () => {
  const host = v2FreezerHost({}, true);
  host.kill = (pid, signal) => {
    if (pid === 10) throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    host.kills.push({ pid, signal });
  };
  await openCgroupManager({ system: V2, host }).killAll(V2_PATHS, 15);
  assert.deepEqual(host.writes, []);
  assert.deepEqual(host.kills, [{ pid: 11, signal: 15 }]);
});

test('killAll SIGKILL of a paused v1 container thaws it so the tasks can die', async () => {
  const host = recordingCgroupHost({ '/cg/freezer/c/freezer.state': 'FROZEN', '/cg/pids/c/cgroup.procs': '7\n' });
  await openCgroupManager({ system: V1, host }).killAll(V1_PATHS, 'SIGKILL');
  assert.deepEqual(host.kills, [{ pid: 7, signal: 'SIGKILL' }]);
  assert.deepEqual(host.writes.map((w) => w.data), ['THAWED']);
});

test('destroy removes sub-cgroups first, in every hierarchy, and ignores what is gone', async () => {
  const host = recordingCgroupHost({ '/cg/pids/c/sub/x/cgroup.procs': '', '/cg/memory/c/cgroup.procs': '', '/cg/freezer/c/cgroup.procs': '' });
  const mgr = openCgroupManager({ system: V1, host });
  await mgr.destroy(V1_PATHS);
  assert.deepEqual(host.rmdirs, ['/cg/memory/c', '/cg/pids/c/sub/x', '/cg/pids/c/sub', '/cg/pids/c', '/cg/freezer/c']);
  await mgr.destroy(V1_PATHS); // again: nothing left, no error
});

test('destroy retries EBUSY while tasks exit, then reports which dir stays', async () => {
  const host = recordingCgroupHost({ '/cg2/c/cgroup.procs': '' });
  const rmdir = host.rmdir;
  let busy = 2;
  host.rmdir = async (p) => {
    if (busy-- > 0) throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
    return rmdir(p);
  };
  await openCgroupManager({ system: V2, host }).destroy(V2_PATHS);
  assert.deepEqual(host.rmdirs, ['/cg2/c']);

  const stuck = recordingCgroupHost({ '/cg2/c/cgroup.procs': '1' }, { failRmdirs: { '/cg2/c': 'EBUSY' } });
  await assert.rejects(openCgroupManager({ system: V2, host: stuck }).destroy(V2_PATHS), (e: unknown) =>
    e instanceof CgroupError && e.file === '/cg2/c' && e.errno === 'EBUSY' && /killAll/.test(e.hint ?? ''));
});

const HYBRID: CgroupSystem = { layout: 'hybrid', v1: { memory: '/cg/memory', devices: '/cg/devices', freezer: '/cg/freezer', 'name=systemd': '/cg/systemd' }, unified: '/cgu' };

function hybridHost(): RecordingHost {
  return recordingCgroupHost({
    '/cg/memory/cgroup.procs': '', '/cg/devices/cgroup.procs': '', '/cg/freezer/cgroup.procs': '', '/cg/systemd/cgroup.procs': '',
    '/cgu/cgroup.controllers': 'hugetlb', '/cgu/cgroup.subtree_control': '', '/cgu/cgroup.procs': '1\n',
  }, {
    onMkdir: (d): Record<string, string> => (d.startsWith('/cgu/') ? { 'cgroup.controllers': 'hugetlb', 'cgroup.subtree_control': '', 'cgroup.kill': '' } : { 'devices.list': 'a *:* rwm' }),
  });
}

test('hybrid: v1 dirs plus the unified one, joined last; limits on v1; devices by v1', async () => {
  const host = hybridHost();
  const mgr = openCgroupManager({ system: HYBRID, host });
  const cg = await mgr.create('/corral/h', { memory: { limit: 1 << 20 }, devices: [{ allow: false }] });
  assert.deepEqual(cg.joinDirs, ['/cg/memory/corral/h', '/cg/devices/corral/h', '/cg/freezer/corral/h', '/cg/systemd/corral/h', '/cgu/corral/h']);
  assert.equal(cg.unifiedDir, '/cgu/corral/h');
  assert.equal(cg.devicesProgram, undefined);
  // the unified tree is left alone: nothing there needs a controller
  assert.deepEqual(host.writes.map((w) => `${w.path}=${w.data}`), ['/cg/devices/corral/h/devices.deny=a', '/cg/memory/corral/h/memory.limit_in_bytes=1048576']);
});

test('hybrid: a controller only cgroup2 has (hugetlb here) is enabled and used there', async () => {
  const host = hybridHost();
  const cg = await openCgroupManager({ system: HYBRID, host }).create('/corral/h', { hugepageLimits: [{ pageSize: '2MB', limit: 0 }] });
  assert.deepEqual(host.writes.map((w) => `${w.path}=${w.data}`), [
    '/cgu/cgroup.subtree_control=+hugetlb', '/cgu/corral/cgroup.subtree_control=+hugetlb', '/cgu/corral/h/hugetlb.2MB.max=0',
  ]);
  assert.equal(cg.unifiedDir, '/cgu/corral/h');
});

test('hybrid: freezer by v1, SIGKILL by cgroup.kill, destroy in both trees', async () => {
  const host = hybridHost();
  const mgr = openCgroupManager({ system: HYBRID, host });
  const cg = await mgr.create('/corral/h', undefined);
  host.files.set('/cg/freezer/corral/h/freezer.state', 'THAWED');
  host.writes.length = 0;
  await mgr.freeze(cg);
  await mgr.killAll(cg, 'SIGKILL');
  assert.deepEqual(host.writes.map((w) => `${w.path}=${w.data}`), ['/cg/freezer/corral/h/freezer.state=FROZEN', '/cgu/corral/h/cgroup.kill=1']);
  await mgr.destroy(cg);
  assert.deepEqual(host.rmdirs, ['/cg/memory/corral/h', '/cg/devices/corral/h', '/cg/freezer/corral/h', '/cg/systemd/corral/h', '/cgu/corral/h']);
  assert.equal(await host.exists('/cgu/corral'), true); // parents stay
});
