import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeHost } from '../../src/core/checkconfig/fake-host.js';
import { exitCodeFor, runChecks } from '../../src/core/checkconfig/index.js';
import { renderText, toJson } from '../../src/core/checkconfig/report.js';
import type { CheckResult } from '../../src/core/checkconfig/types.js';

const r = (over: Partial<CheckResult>): CheckResult => ({ id: 'x', section: 'namespaces', name: 'X', status: 'ok', detail: 'enabled', required: true, ...over });

test('exit code: a required check missing or unconfirmed fails; warnings and optional gaps do not', () => {
  assert.equal(exitCodeFor([r({})]), 0);
  assert.equal(exitCodeFor([r({ status: 'missing' })]), 1);
  assert.equal(exitCodeFor([r({ status: 'unknown' })]), 1);
  assert.equal(exitCodeFor([r({ status: 'warning' })]), 0);
  assert.equal(exitCodeFor([r({ status: 'missing', required: false }), r({ status: 'unknown', required: false })]), 0);
});

test('text: LXC-like sections, Name: detail, hint under what is not ok, a verdict at the end', () => {
  const text = renderText([
    r({ id: 'ns.uts', name: 'Utsname namespace' }),
    r({ id: 'net.vlan', section: 'network', name: 'Vlan', status: 'missing', detail: 'missing (CONFIG_VLAN_8021Q is not set)', hint: 'modprobe 8021q', required: false }),
    r({ id: 'userns.subuid', section: 'userns', name: '/etc/subuid ranges', status: 'warning', detail: 'none', hint: 'usermod', required: false }),
  ], { color: false });
  assert.equal(text, [
    '--- Namespaces ---', 'Utsname namespace: enabled', '',
    '--- Misc / network ---', 'Vlan: missing (CONFIG_VLAN_8021Q is not set)', '  hint: modprobe 8021q', '',
    '--- User namespaces (for unprivileged containers) ---', '/etc/subuid ranges: none', '  hint: usermod', '',
    'Privileged system containers: supported', 'Unprivileged containers: not ready (/etc/subuid ranges)', '',
  ].join('\n'));
  assert.ok(!text.includes('\x1b['), 'no escape codes without colour');
});

test('text: green for ok, red for missing, nothing else coloured', () => {
  const text = renderText([r({}), r({ name: 'Y', status: 'missing', detail: 'missing' }), r({ name: 'Z', status: 'warning', detail: 'meh', required: false })], { color: true });
  assert.match(text, /X: \x1b\[32menabled\x1b\[0m/);
  assert.match(text, /Y: \x1b\[31mmissing\x1b\[0m/);
  assert.match(text, /Z: meh\n/);
  assert.match(text, /Privileged system containers: \x1b\[31mnot supported \(Y\)\x1b\[0m/);
});

test('text: a hint repeated under several lines is printed once', () => {
  const text = renderText([r({ name: 'A', status: 'unknown', detail: '?', hint: 'give the config' }), r({ name: 'B', status: 'unknown', detail: '?', hint: 'give the config' })], { color: false });
  assert.equal(text.split('give the config').length, 2);
  assert.match(text, /B: \?\n  hint: as above/);
});

test('json: every check with id, section, name, status, detail, hint (null when none)', () => {
  const j = toJson([r({ id: 'ns.uts' }), r({ id: 'ns.pid', status: 'missing', detail: 'missing', hint: 'rebuild' })]);
  assert.equal(j.ok, false);
  assert.equal(j.exitCode, 1);
  assert.deepEqual(j.blockers, ['ns.pid']);
  assert.deepEqual(j.checks[0], { id: 'ns.uts', section: 'namespaces', name: 'X', status: 'ok', detail: 'enabled', hint: null, required: true });
  assert.equal(j.checks[1]!.hint, 'rebuild');
});

test('runChecks --no-probes without any kernel config: runs nothing, confirms nothing, exits 1', async () => {
  const host = fakeHost();
  const results = await runChecks({ host, probes: false });
  assert.deepEqual(host.calls, [], 'no command may run with --no-probes');
  assert.equal(results.find((c) => c.id === 'kernel.config')?.status, 'warning');
  assert.equal(results.find((c) => c.id === 'ns.uts')?.status, 'unknown');
  assert.ok(!results.some((c) => c.section === 'userns'), 'the user namespace section is all live facts');
  assert.equal(exitCodeFor(results), 1);
});

test('runChecks --no-probes with a complete config: exit 0', async () => {
  const options = ['NAMESPACES', 'UTS_NS', 'IPC_NS', 'PID_NS', 'NET_NS', 'CGROUPS', 'CGROUP_DEVICE', 'VETH', 'BRIDGE', 'SECCOMP', 'SECCOMP_FILTER'];
  const host = fakeHost({ files: { '/proc/config.gz': options.map((o) => `CONFIG_${o}=y`).join('\n') } });
  const results = await runChecks({ host, probes: false });
  assert.deepEqual(toJson(results).blockers, []);
  assert.equal(results.find((c) => c.id === 'net.vlan')?.status, 'missing');
  assert.equal(exitCodeFor(results), 0);
});
