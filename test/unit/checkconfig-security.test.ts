// Security, unprivileged-use and checkpoint probes, interpreted from a fake host's answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeHost, type FakeHostOptions } from '../../src/core/checkconfig/fake-host.js';
import { parseKernelConfig } from '../../src/core/checkconfig/kernel-config.js';
import { gatherCgroupFacts } from '../../src/core/checkconfig/probes-cgroups.js';
import { criuChecks, criuReason } from '../../src/core/checkconfig/probes-criu.js';
import { seccompFromStatus, securityChecks } from '../../src/core/checkconfig/probes-security.js';
import { findInvoker, parseSubid, usernsChecks } from '../../src/core/checkconfig/probes-userns.js';
import { idmappedMountCheck } from '../../src/core/checkconfig/probes-idmap.js';
import type { CheckContext, CheckResult, ProbeOutcome } from '../../src/core/checkconfig/types.js';

const CONFIG = parseKernelConfig('CONFIG_SECCOMP=y\nCONFIG_SECCOMP_FILTER=y\nCONFIG_SECURITY_SELINUX=y\n# CONFIG_SECURITY_APPARMOR is not set\n', '/proc/config.gz');
const ctx = (opts: FakeHostOptions = {}): CheckContext => ({ host: fakeHost(opts), config: CONFIG, probes: true });
const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id)!;
const PURE_V2 = '30 21 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n';

test('seccomp from /proc/self/status', () => {
  assert.deepEqual(seccompFromStatus('Name:\tx\nSeccomp:\t0\nSeccomp_filters:\t0\n'), { kind: 'ok' });
  assert.equal(seccompFromStatus('Seccomp:\t2\nSeccomp_filters:\t1\n')?.kind, 'ok');
  assert.match(JSON.stringify(seccompFromStatus('Seccomp:\t2\nSeccomp_filters:\t1\n')), /already filtered/);
  assert.equal(seccompFromStatus('Name:\tx\n')?.kind, 'fail');
  assert.equal(seccompFromStatus('Seccomp:\t0\n'), undefined, 'before 5.9: no verdict from status alone');
});

test('security: seccomp ok; AppArmor and SELinux not active is reported, not an error', async () => {
  const results = await securityChecks(ctx({ files: { '/proc/self/status': 'Seccomp:\t0\nSeccomp_filters:\t0\n' } }));
  assert.deepEqual(results.map((r) => [r.id, r.status, r.detail]), [
    ['security.seccomp', 'ok', 'enabled'],
    ['security.apparmor', 'ok', 'not active'],
    ['security.selinux', 'ok', 'not active (built into the kernel, not enabled at boot)'],
  ]);
});

test('security: active LSMs, and a kernel without seccomp is a required gap', async () => {
  const results = await securityChecks(ctx({
    files: { '/proc/self/status': 'Name:\tx\n', '/sys/module/apparmor/parameters/enabled': 'Y\n', '/sys/fs/selinux/enforce': '1' },
    stats: { '/sys/kernel/security/apparmor': { isDirectory: true } },
  }));
  const seccomp = byId(results, 'security.seccomp');
  assert.deepEqual([seccomp.status, seccomp.required], ['missing', true]);
  assert.equal(byId(results, 'security.apparmor').detail, 'active');
  assert.equal(byId(results, 'security.selinux').detail, 'active (enforcing)');
});

test('userns: who to answer for', async () => {
  assert.equal(await findInvoker(fakeHost({ uid: 0 })), undefined);
  assert.deepEqual(await findInvoker(fakeHost({ uid: 0, env: { SUDO_USER: 'alice', SUDO_UID: '1000', SUDO_GID: '1000' } })), { name: 'alice', uid: 1000, gid: 1000 });
  assert.deepEqual(await findInvoker(fakeHost({ uid: 1001, gid: 1001, files: { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n' } })), { name: 'bob', uid: 1001, gid: 1001 });
});

test('subid parsing ignores comments and junk', () => {
  assert.deepEqual(parseSubid('# c\nalice:100000:65536\nbad line\n1001:200000:1000\n'), [
    { owner: 'alice', start: 100000, count: 65536 }, { owner: '1001', start: 200000, count: 1000 },
  ]);
});

test('userns as root: sysctls, a real unprivileged probe, what a user would need', async () => {
  const c = ctx({ files: { '/proc/sys/user/max_user_namespaces': '63000\n', '/proc/self/mountinfo': PURE_V2 }, stats: { '/usr/bin/newuidmap': { mode: 0o104755 }, '/usr/bin/newgidmap': { mode: 0o100755 } } });
  const results = await usernsChecks(c, await gatherCgroupFacts(c.host));
  assert.equal(byId(results, 'userns.max').detail, '63000');
  assert.match(byId(results, 'userns.debian').detail, /^not present/);
  assert.match(byId(results, 'userns.apparmor').detail, /^not present/);
  assert.equal(byId(results, 'userns.probe').detail, 'enabled (as nobody)');
  const probe = (c.host as ReturnType<typeof fakeHost>).calls.find((a) => a[0] === '/usr/bin/setpriv');
  assert.deepEqual(probe, ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '/usr/bin/unshare', '--user', '--map-root-user', 'true']);
  const subuid = byId(results, 'userns.subuid');
  assert.equal(subuid.status, 'warning');
  assert.match(subuid.hint ?? '', /usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER/);
  assert.equal(byId(results, 'userns.newuidmap').detail, 'setuid root (/usr/bin/newuidmap)');
  assert.equal(byId(results, 'userns.newgidmap').status, 'warning');
  assert.match(byId(results, 'userns.delegation').detail, /^root needs none/);
  assert.ok(results.every((r) => !r.required), 'nothing here fails a privileged host');
});

test('userns through sudo: the user\'s ranges, the user\'s probe, systemd delegation', async () => {
  const c = ctx({
    env: { SUDO_USER: 'alice', SUDO_UID: '1000', SUDO_GID: '1000' },
    files: { '/proc/sys/user/max_user_namespaces': '63000', '/etc/subuid': 'bob:100000:65536\nalice:165536:65536\n', '/etc/subgid': 'alice:165536:1000\n', '/proc/self/mountinfo': PURE_V2 },
    stats: { '/usr/bin/newuidmap': { mode: 0o104755 }, '/usr/bin/newgidmap': { mode: 0o104755 }, '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service': { uid: 1000, isDirectory: true } },
  });
  const results = await usernsChecks(c, await gatherCgroupFacts(c.host));
  assert.equal(byId(results, 'userns.probe').detail, 'enabled (as alice)');
  assert.equal(byId(results, 'userns.subuid').detail, 'alice: 165536-231071 (65536 ids)');
  const subgid = byId(results, 'userns.subgid');
  assert.equal(subgid.status, 'warning');
  assert.match(subgid.hint ?? '', /--add-subuids 166536-232071 .* alice$/, 'the proposed range starts after every existing one');
  assert.equal(byId(results, 'userns.delegation').detail, 'alice owns /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service');
});

test('userns: every way the kernel can refuse, each with its fix', async () => {
  const c = ctx({
    uid: 1000, gid: 1000, bins: ['unshare'],
    files: { '/proc/sys/user/max_user_namespaces': '0', '/proc/sys/kernel/unprivileged_userns_clone': '0', '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1', '/proc/self/mountinfo': PURE_V2, '/proc/self/cgroup': '0::/user.slice/session-1.scope\n' },
    run: () => ({ code: 1, stderr: 'unshare: unshare failed: Operation not permitted' }),
  });
  const results = await usernsChecks(c, await gatherCgroupFacts(c.host));
  assert.match(byId(results, 'userns.max').hint ?? '', /sysctl -w user\.max_user_namespaces=15000/);
  assert.match(byId(results, 'userns.debian').hint ?? '', /sysctl -w kernel\.unprivileged_userns_clone=1/);
  assert.match(byId(results, 'userns.apparmor').hint ?? '', /apparmor_restrict_unprivileged_userns=0/);
  assert.match(byId(results, 'userns.probe').detail, /^missing: as 1000, unshare --user failed: .*Operation not permitted/);
  assert.equal(byId(results, 'userns.subuid').status, 'missing');
  assert.equal(byId(results, 'userns.newuidmap').detail, 'not installed');
  assert.match(byId(results, 'userns.newuidmap').hint ?? '', /apt-get install uidmap/);
  assert.equal(byId(results, 'userns.delegation').status, 'warning', 'containers still run, without limits');
});

test('userns: delegation of the caller\'s own cgroup; hybrid warns that it carries no controllers', async () => {
  const hybrid = `32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n`;
  const c = ctx({ uid: 1000, files: { '/proc/self/mountinfo': hybrid, '/proc/self/cgroup': '1:memory:/\n0::/user.slice/user-1000.slice/user@1000.service/app.slice\n' }, stats: { '/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service/app.slice': { uid: 1000 } } });
  const d = byId(await usernsChecks(c, await gatherCgroupFacts(c.host)), 'userns.delegation');
  assert.equal(d.status, 'warning');
  assert.match(d.detail, /owns .*app\.slice, but the v2 tree has no controllers/);
});

test('criu: not installed, broken on this kernel, working, or not checkable without root', async () => {
  const none = await criuChecks(ctx({ bins: [] }));
  assert.equal(byId(none, 'criu.tool').detail, 'not installed');
  const stderr = 'Error (criu/util.c:642): exited, status=1\nError (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\nError (criu/crtools.c:260): Could not initialize kernel features detection.\n';
  const broken = byId(await criuChecks(ctx({ run: () => ({ code: 1, stderr }) })), 'criu.tool');
  assert.equal(broken.status, 'missing');
  assert.equal(broken.detail, 'installed but not working: vdso: Unexpected rt vDSO area bounds; Could not initialize kernel features detection.');
  assert.equal(byId(await criuChecks(ctx()), 'criu.tool').detail, 'works (/usr/bin/criu)');
  assert.equal(byId(await criuChecks(ctx({ uid: 1000 })), 'criu.tool').status, 'unknown');
  assert.equal(criuReason('nothing useful'), undefined);
  assert.equal(byId(none, 'criu.kernel').status, 'missing', 'a config without the CR options');
});

test('userns: idmapped mounts are probed on the store\'s filesystem (root), explained for a user', async () => {
  const asked: string[] = [];
  const host = (outcome: ProbeOutcome, uid = 0) => ({ ...fakeHost({ uid, stats: { '/var/lib': { isDirectory: true } } }), idmapMount: async (dir: string) => (asked.push(dir), outcome) });
  const ok = await idmappedMountCheck({ host: host({ kind: 'ok' }), config: CONFIG, probes: true });
  assert.deepEqual([ok.status, ok.detail], ['ok', 'enabled (a detached idmapped copy of /var/lib)']);
  assert.deepEqual(asked, ['/var/lib'], 'the nearest existing parent of /var/lib/corral');
  const fail = await idmappedMountCheck({ host: host({ kind: 'fail', why: 'mount_setattr(MOUNT_ATTR_IDMAP) failed with EINVAL' }), config: CONFIG, probes: true });
  assert.equal(fail.status, 'warning');
  assert.match(fail.detail, /^missing on the filesystem of \/var\/lib: .*EINVAL/);
  assert.match(fail.hint ?? '', /shifted on disk once/);
  const user = await idmappedMountCheck({ host: host({ kind: 'ok' }, 1000), config: CONFIG, probes: true });
  assert.equal(user.status, 'ok');
  assert.match(user.detail, /^not used by an ordinary user's containers/);
  assert.equal(asked.length, 2, 'no probe as a user');
});

test('userns: a user without setuid newuidmap is missing it, not just warned', async () => {
  const c = ctx({ uid: 1000, gid: 1000, files: { '/etc/passwd': 'alice:x:1000:1000::/home/alice:/bin/sh\n', '/proc/self/mountinfo': PURE_V2 }, stats: { '/usr/bin/newuidmap': { mode: 0o100755 }, '/usr/bin/newgidmap': { mode: 0o104755 } } });
  const results = await usernsChecks(c, await gatherCgroupFacts(c.host));
  assert.equal(byId(results, 'userns.newuidmap').status, 'missing');
  assert.equal(byId(results, 'userns.newgidmap').status, 'ok');
});
