// Real cgroups on this host: create with limits, read the kernel's files back, put a child
// we started into it, stats, freeze/thaw, kill, destroy. Everything lives under a unique
// /corral-test-<random> parent that after() removes, whatever happened.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { detectCgroups, openCgroupManager, v1KeyFor, CgroupError, type CgroupPaths, type CgroupSystem } from '../../src/runtime/cgroup/index.js';

const isRoot = process.getuid?.() === 0;
const system = detectCgroups();
const PARENT = `/corral-test-${randomBytes(4).toString('hex')}`;
const children: ChildProcess[] = [];
const made: { mgr: ReturnType<typeof openCgroupManager>; paths: CgroupPaths }[] = [];

function mounts(s: CgroupSystem): string[] {
  return [...Object.values(s.v1), ...(s.unified ? [s.unified] : [])];
}

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const { mgr, paths } of made) {
    await mgr.killAll(paths, 'SIGKILL').catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    await mgr.destroy(paths).catch((e) => console.error('cleanup:', e));
  }
  for (const m of mounts(system)) {
    try {
      rmdirSync(`${m}${PARENT}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') console.error('cleanup:', e);
    }
  }
});

function startSleep(): ChildProcess {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

function joinAll(dirs: string[], pid: number): void {
  for (const d of dirs) writeFileSync(`${d}/cgroup.procs`, String(pid));
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, sig) => resolve(sig ?? code)));
}

const read = (p: string): string => readFileSync(p, 'utf8').trim();

/** Where a controller's files are for this cgroup: [dir, isV1]. */
function at(paths: CgroupPaths, controller: string): [string, boolean] {
  const key = v1KeyFor(system, controller);
  return key ? [paths.dirs[key]!, true] : [paths.unifiedDir!, false];
}

test('detected layout: limits, join, pids, stats, freeze, kill, destroy', { skip: isRoot ? false : 'needs root to create cgroups' }, async () => {
  const mgr = openCgroupManager({ system });
  const cg = await mgr.create(`${PARENT}/c1`, {
    memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { quota: 50000, period: 100000, cpus: '0' },
  });
  made.push({ mgr, paths: cg });
  assert.deepEqual(cg.joinDirs.sort(), mounts(system).map((m) => `${m}${PARENT}/c1`).sort());

  const [mem, memV1] = at(cg, 'memory');
  assert.equal(read(`${mem}/${memV1 ? 'memory.limit_in_bytes' : 'memory.max'}`), String(64 << 20));
  assert.equal(read(`${at(cg, 'pids')[0]}/pids.max`), '20');
  const [cpu, cpuV1] = at(cg, 'cpu');
  if (cpuV1) {
    assert.equal(read(`${cpu}/cpu.cfs_quota_us`), '50000');
    assert.equal(read(`${cpu}/cpu.cfs_period_us`), '100000');
  } else {
    assert.equal(read(`${cpu}/cpu.max`), '50000 100000');
  }
  assert.equal(read(`${at(cg, 'cpuset')[0]}/cpuset.cpus`), '0');

  const child = startSleep();
  joinAll(cg.joinDirs, child.pid!);
  assert.deepEqual(await mgr.pids(cg), [child.pid]);

  const stats = await mgr.stats(cg);
  assert.equal(stats.pids?.current, 1);
  assert.equal(stats.pids?.limit, 20);
  assert.equal(stats.memory?.limit, 64 << 20);
  assert.ok((stats.memory?.usage ?? -1) >= 0);
  assert.ok((stats.cpu?.usageNs ?? -1) >= 0);

  await mgr.freeze(cg);
  assert.equal(await mgr.isFrozen(cg), true);
  await mgr.thaw(cg);
  assert.equal(await mgr.isFrozen(cg), false);

  // SIGTERM takes the freeze-signal-thaw path (SIGKILL would use cgroup.kill where there is one)
  await mgr.killAll(cg, 'SIGTERM');
  assert.equal(await exited(child), 'SIGTERM');
  assert.deepEqual(await mgr.pids(cg), []);

  await mgr.destroy(cg);
  for (const d of cg.joinDirs) assert.equal(existsSync(d), false, d);
});

test('v1 devices controller: the kernel list after create', { skip: !isRoot ? 'needs root' : !v1KeyFor(system, 'devices') ? 'no v1 devices hierarchy' : false }, async () => {
  const mgr = openCgroupManager({ system });
  const cg = await mgr.create(`${PARENT}/dev1`, { devices: [
    { allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'r' },
  ] });
  made.push({ mgr, paths: cg });
  assert.equal(read(`${at(cg, 'devices')[0]}/devices.list`), 'c 1:3 rwm\nc 1:5 r');
  await mgr.update(cg, { devices: [{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] });
  assert.equal(read(`${at(cg, 'devices')[0]}/devices.list`), 'c 1:3 rw');
  await mgr.destroy(cg);
});

test('a failed write is reported with file and value, and nothing is left', { skip: isRoot ? false : 'needs root' }, async () => {
  const mgr = openCgroupManager({ system });
  await assert.rejects(mgr.create(`${PARENT}/bad`, { cpu: { cpus: '4095' } }), (e: unknown) =>
    e instanceof CgroupError && /cpuset\.cpus/.test(e.file ?? '') && e.message.includes('"4095"'));
  for (const m of mounts(system)) assert.equal(existsSync(`${m}${PARENT}/bad`), false, m);
});

const v2Skip = !isRoot ? 'needs root' : !system.unified ? 'no cgroup2 mount' : false;

test('cgroup2 code paths on the real cgroup2 mount: cgroup.freeze, cgroup.kill, busy destroy', { skip: v2Skip }, async () => {
  // on a hybrid host drive its cgroup2 mount as if it were a pure v2 host
  const v2: CgroupSystem = { layout: 'v2', v1: {}, unified: system.unified! };
  const mgr = openCgroupManager({ system: v2 });
  const cg = await mgr.create(`${PARENT}/v2`, { unified: { 'cgroup.max.descendants': '3' } });
  made.push({ mgr, paths: cg });
  assert.deepEqual(cg.joinDirs, [`${system.unified}${PARENT}/v2`]);
  assert.equal(read(`${cg.unifiedDir}/cgroup.max.descendants`), '3');

  const child = startSleep();
  joinAll(cg.joinDirs, child.pid!);
  assert.deepEqual(await mgr.pids(cg), [child.pid]);
  assert.ok((await mgr.stats(cg)).cpu !== undefined); // core cpu.stat exists without controllers

  await mgr.freeze(cg);
  assert.equal(await mgr.isFrozen(cg), true);
  assert.match(read(`${cg.unifiedDir}/cgroup.events`), /frozen 1/);
  await mgr.thaw(cg);
  assert.equal(await mgr.isFrozen(cg), false);

  await assert.rejects(mgr.destroy(cg), (e: unknown) => e instanceof CgroupError && e.errno === 'EBUSY');
  await mgr.killAll(cg, 'SIGKILL');
  assert.equal(await exited(child), 'SIGKILL');
  await mgr.destroy(cg);
  assert.equal(existsSync(cg.unifiedDir!), false);
});
