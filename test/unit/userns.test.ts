// An ordinary user's containers: subordinate ranges, the default map, refusal of maps the
// user does not own, the extra mapping of the caller, the plan that runs a command as the
// namespace's root, network and cgroup policy, and where stores and state live.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/core/config/index.js';
import { resolveLxcpath } from '../../src/core/lxcpath.js';
import { userDefaultConf, userRunBase } from '../../src/core/userns/caller.js';
import { findUserCgroup, UserCgroupManager, type CgroupProbe } from '../../src/core/userns/cgroups.js';
import { usernsExecPlan, withCaller } from '../../src/core/userns/exec.js';
import { checkNoCgroupKeys, checkUserNetwork, userMaps, withUserNetwork } from '../../src/core/userns/policy.js';
import { defaultMap, parseSubid, rangesOf, unownedMappings } from '../../src/core/userns/subid.js';
import type { CgroupSystem } from '../../src/runtime/cgroup/index.js';
import { CorralError } from '../../src/util/errors.js';

const alice = { name: 'alice', uid: 1000, gid: 1000 };
const SUBUID = parseSubid('bob:100000:65536\nalice:165536:1000\n1000:300000:65536\nalice:500000:131072\n');
const SUBGID = parseSubid('alice:400000:65536\n');
const ranges = { subuid: SUBUID, subgid: SUBGID };

test('ranges are found by name and by uid', () => {
  assert.deepEqual(rangesOf(SUBUID, alice).map((r) => r.start), [165536, 300000, 500000]);
  assert.deepEqual(rangesOf(SUBUID, { name: 'carol', uid: 7 }), []);
});

test('the default map: the first range of 65536 ids or more, for uids and gids apart', () => {
  const d = defaultMap(alice, SUBUID, SUBGID);
  assert.ok(!('missing' in d));
  assert.deepEqual(d.maps.map((m) => [m.type, m.containerId, m.hostId, m.range]), [['u', 0, 300000, 65536], ['g', 0, 400000, 65536]]);
  assert.match(d.note, /host uids 300000-365535 \(\/etc\/subuid\) and gids 400000-465535/);
  const small = defaultMap(alice, parseSubid('alice:165536:1000\n'), SUBGID);
  assert.deepEqual(small, { missing: 'alice has no range of 65536 ids in /etc/subuid' });
  assert.deepEqual(defaultMap(alice, SUBUID, []), { missing: 'alice has no range of 65536 ids in /etc/subgid' });
});

test('maps: ids inside one owned range, or the own id alone; anything else is named', () => {
  const ok = [
    { type: 'u' as const, containerId: 0, hostId: 300000, range: 65536 },
    { type: 'u' as const, containerId: 65536, hostId: 1000, range: 1 },
    { type: 'g' as const, containerId: 0, hostId: 400000, range: 65536 },
  ];
  assert.deepEqual(unownedMappings(ok, alice, SUBUID, SUBGID), []);
  const bad = [
    { type: 'u' as const, containerId: 0, hostId: 100000, range: 65536 }, // bob's
    { type: 'u' as const, containerId: 0, hostId: 165536, range: 2000 }, // runs past alice's 1000
    { type: 'g' as const, containerId: 0, hostId: 0, range: 1 }, // host root group
    { type: 'u' as const, containerId: 0, hostId: 1000, range: 2 }, // own uid, but more than itself
  ];
  const problems = unownedMappings(bad, alice, SUBUID, SUBGID);
  assert.equal(problems.length, 4);
  assert.match(problems[0]!, /host uids 100000-165535 are not alice's in \/etc\/subuid \(alice has: 165536-166535, 300000-365535, 500000-631071\)/);
  assert.match(problems[2]!, /host gids 0-0 are not alice's in \/etc\/subgid/);
});

test('userMaps: computed lines when the config has none; the config\'s own checked', () => {
  const computed = userMaps(parseConfig(''), alice, ranges);
  assert.deepEqual(computed.lines.slice(1), ['lxc.idmap = u 0 300000 65536', 'lxc.idmap = g 0 400000 65536']);
  assert.match(computed.note ?? '', /^no lxc\.idmap given: container ids 0-65535/);
  const own = userMaps(parseConfig('lxc.idmap = u 0 500000 65536\nlxc.idmap = g 0 400000 65536\n'), alice, ranges);
  assert.deepEqual(own.lines, []);
  assert.throws(() => userMaps(parseConfig('lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 400000 65536\n'), alice, ranges), (e: CorralError) => {
    assert.equal(e.code, 'PERMISSION');
    assert.match(e.message, /100000-165535 are not alice's/);
    return true;
  });
  assert.throws(() => userMaps(parseConfig(''), { name: 'carol', uid: 7, gid: 7 }, ranges), (e: CorralError) => {
    assert.match(e.message, /carol has no range of 65536 ids in \/etc\/subuid/);
    assert.match(e.hint ?? '', /usermod --add-subuids 631072-696607 --add-subgids 631072-696607 carol/);
    return true;
  });
});

test('the caller is mapped just above the container\'s ids, unless already mapped', () => {
  const maps = [{ type: 'u' as const, containerId: 0, hostId: 300000, range: 65536 }, { type: 'g' as const, containerId: 0, hostId: 400000, range: 65536 }];
  const w = withCaller(maps, alice);
  assert.deepEqual(w.maps.slice(2), [{ type: 'u', containerId: 65536, hostId: 1000, range: 1 }, { type: 'g', containerId: 65536, hostId: 1000, range: 1 }]);
  assert.deepEqual([w.callerUid, w.callerGid], [65536, 65536]);
  const self = withCaller([...maps, { type: 'u', containerId: 1000, hostId: 1000, range: 1 }], alice);
  assert.equal(self.maps.filter((m) => m.type === 'u').length, 2);
  assert.equal(self.callerUid, 1000);
  const plan = usernsExecPlan(w.maps, { newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' }, ['/bin/rm', '-rf', '/x'], ['A=1']);
  assert.deepEqual(plan.map((o) => o.op), ['FOREGROUND', 'CLONE', 'IDMAP_TOOL', 'IDMAP_TOOL', 'BECOME_ROOT', 'CHDIR', 'EXEC']);
  assert.deepEqual(plan[2]!.args, ['/usr/bin/newuidmap', 6, '0', '300000', '65536', '65536', '1000', '1']);
  assert.deepEqual(plan[6]!.args, [3, '/bin/rm', '-rf', '/x', 1, 'A=1']);
});

test('network: empty by default for a user, veth refused naming the privilege', () => {
  const added = withUserNetwork('lxc.uts.name = a\n');
  assert.match(added.text, /\nlxc\.net\.0\.type = empty\n$/);
  assert.ok(added.note);
  assert.deepEqual(withUserNetwork('lxc.net.0.type = veth\n'), { text: 'lxc.net.0.type = veth\n' });
  const cfg = (t: string) => [...parseConfig(t).network.values()];
  assert.doesNotThrow(() => checkUserNetwork('a', cfg('lxc.net.0.type = empty\n')));
  assert.throws(() => checkUserNetwork('a', cfg('lxc.net.0.type = empty\nlxc.net.1.type = veth\nlxc.net.1.link = br0\n')), /lxc\.net\.1\.type = veth needs CAP_NET_ADMIN on the host.*lxc-user-nic/);
});

test('cgroup keys without a cgroup are an error naming every key', () => {
  assert.doesNotThrow(() => checkNoCgroupKeys('a', parseConfig(''), 'why'));
  assert.throws(() => checkNoCgroupKeys('a', parseConfig('lxc.cgroup.memory.limit_in_bytes = 64M\nlxc.cgroup2.pids.max = 10\n'), 'no delegation'), (e: CorralError) => {
    assert.equal(e.code, 'NOT_SUPPORTED');
    assert.match(e.message, /lxc\.cgroup\.memory\.limit_in_bytes, lxc\.cgroup2\.pids\.max cannot be applied: no delegation/);
    return true;
  });
});

test('the user\'s cgroup: theirs when they own it and may write cgroup.procs, else none and why', () => {
  const hybrid: CgroupSystem = { layout: 'hybrid', v1: { memory: '/sys/fs/cgroup/memory' }, unified: '/sys/fs/cgroup/unified' };
  const self = '4:memory:/\n0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n';
  const own = '/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope';
  const probe = (owner: number, writable = true): CgroupProbe => ({ ownerOf: (p) => (p === own ? owner : 0), writable: () => writable });
  const d = findUserCgroup(hybrid, self, 1000, probe(1000));
  assert.equal(d.kind, 'delegated');
  if (d.kind === 'delegated') {
    assert.deepEqual(d.system, { layout: 'v2', v1: {}, unified: '/sys/fs/cgroup/unified' });
    assert.equal(d.own, '/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope');
  }
  const notOwned = findUserCgroup(hybrid, '0::/\n', 1000, probe(1000));
  assert.equal(notOwned.kind, 'none');
  assert.match(notOwned.kind === 'none' ? notOwned.why : '', /does not delegate a cgroup to this user \(\/sys\/fs\/cgroup\/unified\/, where this process runs/);
  assert.equal(findUserCgroup(hybrid, self, 1000, probe(1000, false)).kind, 'none', 'cgroup.procs not writable');
  const v1: CgroupSystem = { layout: 'v1', v1: { memory: '/sys/fs/cgroup/memory' } };
  assert.match(JSON.stringify(findUserCgroup(v1, self, 1000, probe(1000))), /no cgroup2 tree/);
});

test('without a cgroup: nothing is made, limits and freezing are refused with the fix', async () => {
  const m = new UserCgroupManager({ layout: 'hybrid', v1: {}, unified: '/u' }, { kind: 'none', why: 'no delegation' });
  const c = await m.create('/corral/a', { memory: { limit: 1 } });
  assert.deepEqual(c.joinDirs, []);
  assert.deepEqual(await m.pids(c), []);
  await assert.rejects(m.freeze(c), /freezing needs a cgroup.*no delegation/);
  await assert.rejects(m.update(c, {}), (e: CorralError) => /systemd-run --user --scope -p Delegate=yes/.test(e.hint ?? ''));
});

test('an ordinary user\'s store, runtime state and defaults live in their home', () => {
  const env = { HOME: '/home/alice' };
  assert.equal(resolveLxcpath({ env, uid: 1000, globalConfig: '/nonexistent' }), '/home/alice/.local/share/corral');
  assert.equal(resolveLxcpath({ env: { ...env, XDG_DATA_HOME: '/d' }, uid: 1000, globalConfig: '/nonexistent' }), '/d/corral');
  assert.equal(resolveLxcpath({ env: { ...env, CORRAL_LXCPATH: '/s' }, uid: 1000 }), '/s');
  assert.equal(resolveLxcpath({ env, uid: 1000, flag: '/p' }), '/p');
  assert.equal(resolveLxcpath({ env, uid: 0, globalConfig: '/nonexistent' }), '/var/lib/corral');
  assert.equal(userRunBase({ XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/corral');
  assert.equal(userRunBase(env), '/home/alice/.cache/corral/run');
  assert.equal(userDefaultConf(env), '/home/alice/.config/corral/default.conf');
});

test('a delegated cgroup: containers below it; a recorded cgroup is acted on whoever stops it', async () => {
  const system: CgroupSystem = { layout: 'v2', v1: {}, unified: '/sys/fs/cgroup/unified' };
  const m = new UserCgroupManager(system, { kind: 'delegated', system, own: '/user.slice/u.scope' });
  assert.equal(m.resolvePath(undefined, 'c1'), '/user.slice/u.scope/corral/c1');
  assert.equal(m.resolvePath('mine/c1', 'c1'), '/user.slice/u.scope/mine/c1');
  const none = new UserCgroupManager(system, { kind: 'none', why: 'x' });
  assert.deepEqual((await none.create('/corral/c1', {})).joinDirs, []);
  // freezing a container whose record has a cgroup goes to that cgroup, even from a caller without one
  await assert.rejects(none.freeze({ path: '/p', dirs: {}, joinDirs: ['/nonexistent/corral-test'], unifiedDir: '/nonexistent/corral-test' }), (e: Error) => !/needs a cgroup/.test(e.message));
});
