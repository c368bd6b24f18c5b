// LXC's seccomp profile format -> OCI seccomp: LXC's own common.seccomp, versions 1 and 2,
// allow- and denylists, default actions, arch sections, argument conditions, bad input.
// Every result must pass the runtime's validator and plan into SECCOMP_* ops.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { defaultSeccomp, DENIED_ALWAYS, MOUNT_API } from '../../src/core/seccomp/default-profile.js';
import { lxcHostArch, parseLxcSeccomp, type LxcHostArch } from '../../src/core/seccomp/lxc-format.js';
import { parseSeccompProfile, seccompFor } from '../../src/core/seccomp/profile.js';
import { seccompOps } from '../../src/runtime/plan/seccomp.js';
import { validateSeccomp } from '../../src/runtime/spec/validate.js';
import type { Seccomp } from '../../src/runtime/spec/types.js';
import { CorralError } from '../../src/util/errors.js';

const X86_ABIS = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

function parse(text: string, hostArch: LxcHostArch = 'amd64'): Seccomp {
  const s = parseLxcSeccomp(text, { file: 'p.seccomp', hostArch });
  validateSeccomp(s);
  return s;
}

function problem(text: string): string {
  try {
    parseLxcSeccomp(text, { file: 'p.seccomp', hostArch: 'amd64' });
  } catch (err) {
    assert.ok(err instanceof CorralError);
    assert.equal(err.code, 'INVALID_CONFIG');
    return err.message;
  }
  assert.fail('expected an error');
}

describe('LXC seccomp profiles', () => {
  const COMMON = '/usr/share/lxc/config/common.seccomp';
  test("LXC's common.seccomp: a denylist of five EPERMs and no force umount", { skip: !existsSync(COMMON) && 'lxc not installed' }, () => {
    const s = parse(readFileSync(COMMON, 'utf8'));
    assert.equal(s.defaultAction, 'SCMP_ACT_ALLOW');
    assert.deepEqual(s.architectures, X86_ABIS);
    const names = s.syscalls!.map((r) => r.names[0]);
    assert.deepEqual(names, ['umount2', 'kexec_load', 'open_by_handle_at', 'init_module', 'finit_module', 'delete_module']);
    assert.deepEqual(s.syscalls![0], { names: ['umount2'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 1, valueTwo: 1 }] });
    for (const r of s.syscalls!.slice(1)) assert.deepEqual([r.action, r.errnoRet], ['SCMP_ACT_ERRNO', 1]);
  });

  test('version 1: an allowlist of native syscall numbers, everything else killed', () => {
    const s = parse('1\nallowlist\n0\n1\n60\n');
    assert.equal(s.defaultAction, 'SCMP_ACT_KILL');
    assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64']);
    assert.deepEqual(s.syscalls, ['0', '1', '60'].map((n) => ({ names: [n], action: 'SCMP_ACT_ALLOW' })));
    assert.ok(parse('1\nwhitelist\n').syscalls!.length === 0);
    assert.match(problem('1\ndenylist\n0\n'), /p\.seccomp:2: version 1 profiles must be an "allowlist"/);
    assert.match(problem('1\nallowlist\nread\n'), /p\.seccomp:3: version 1 lines are syscall numbers, not "read"/);
  });

  test('version 2 allowlist: named rules allowed, default kill; a default action after the keyword', () => {
    const s = parse('2\nallowlist\nread\nwrite\nexit_group\n');
    assert.equal(s.defaultAction, 'SCMP_ACT_KILL');
    assert.deepEqual(s.syscalls!.map((r) => [r.names[0], r.action]), [['read', 'SCMP_ACT_ALLOW'], ['write', 'SCMP_ACT_ALLOW'], ['exit_group', 'SCMP_ACT_ALLOW']]);
    const e = parse('2\nwhitelist errno 38\nread\n');
    assert.deepEqual([e.defaultAction, e.defaultErrnoRet], ['SCMP_ACT_ERRNO', 38]);
    assert.equal(parse('2\nallowlist trap\n').defaultAction, 'SCMP_ACT_TRAP');
  });

  test('version 2 denylist: named rules killed unless they say otherwise; every action', () => {
    const s = parse('2\nblacklist\n# a comment\n\nreboot\nmount errno 1\nptrace trap\nread allow\nsetns kill  # trailing comment\n');
    assert.equal(s.defaultAction, 'SCMP_ACT_ALLOW');
    assert.deepEqual(
      s.syscalls!.map((r) => [r.names[0], r.action, r.errnoRet]),
      [['reboot', 'SCMP_ACT_KILL', undefined], ['mount', 'SCMP_ACT_ERRNO', 1], ['ptrace', 'SCMP_ACT_TRAP', undefined], ['read', 'SCMP_ACT_ALLOW', undefined], ['setns', 'SCMP_ACT_KILL', undefined]],
    );
    assert.equal(parse('2\ndenylist kill\n').defaultAction, 'SCMP_ACT_KILL');
  });

  test('argument conditions: symbols and SCMP_CMP_ names, hex and octal, masked equality as (mask, value)', () => {
    const s = parse('2\ndenylist\nioctl errno 1 [1,0x5412,==]\npersonality errno 1 [0,8,!=] [0, 0xffffffff, SCMP_CMP_NE]\nopen errno 13 [1,0100,&=,0100]\nclone errno 1 [0,2,>=] [0,3,<] [0,4,<=] [0,5,>] [0,6,SCMP_CMP_GT]\n');
    assert.deepEqual(s.syscalls![0]!.args, [{ index: 1, op: 'SCMP_CMP_EQ', value: 0x5412 }]);
    assert.deepEqual(s.syscalls![1]!.args, [{ index: 0, op: 'SCMP_CMP_NE', value: 8 }, { index: 0, op: 'SCMP_CMP_NE', value: 0xffffffff }]);
    assert.deepEqual(s.syscalls![2]!.args, [{ index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 0o100, valueTwo: 0o100 }]);
    assert.deepEqual(s.syscalls![3]!.args!.map((a) => a.op), ['SCMP_CMP_GE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GT']);
    // the plan carries (index, op, value, value2) to libseccomp: MASKED_EQ = 7
    const ops = seccompOps(s);
    assert.deepEqual(ops.find((o) => o.args[0] === 'open')!.args, ['open', 0x00050000 | 13, 1, 1, 7, 64n, 64n]);
  });

  test('arch sections: rules for other architectures are skipped; [all] and the host ones apply', () => {
    const text = '2\ndenylist\nbefore errno 1\n[arm64]\narmonly errno 1\n[x86_64]\nx64only errno 1\n[X86]\nx86only errno 1\n[all]\neverywhere errno 1\n[s390x]\ns390only errno 1\n';
    assert.deepEqual(parse(text, 'amd64').syscalls!.map((r) => r.names[0]), ['before', 'x64only', 'x86only', 'everywhere']);
    const arm = parse(text, 'arm64');
    assert.deepEqual(arm.syscalls!.map((r) => r.names[0]), ['before', 'armonly', 'everywhere']);
    assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.match(problem('2\ndenylist\n[vax]\nread\n'), /p\.seccomp:3: unsupported architecture section "\[vax\]"/);
  });

  test('bad profiles are refused with every bad line named', () => {
    assert.match(problem(''), /p\.seccomp:1: the first line must be the format version/);
    assert.match(problem('3\ndenylist\n'), /the first line must be the format version, 1 or 2 \(found "3"\)/);
    assert.match(problem('2\ngraylist\n'), /p\.seccomp:2: the second line must be "denylist" or "allowlist"/);
    assert.match(problem('2\ndenylist debug\n'), /"debug" is not implemented/);
    assert.match(problem('2\ndenylist bogus\n'), /unknown default action "bogus"/);
    const many = problem('2\ndenylist\nread errno\nwrite frobnicate\nmount errno 1 [7,1,==]\nopen errno 1 [1,2,~~]\nNotASyscall\nkeyctl notify\nioctl errno 1 [1,2]\n');
    for (const line of [3, 4, 5, 6, 7, 8, 9]) assert.match(many, new RegExp(`p\\.seccomp:${line}: `));
    assert.match(many, /"errno" needs a number/);
    assert.match(many, /unknown action "frobnicate"/);
    assert.match(many, /argument index 7 is too large/);
    assert.match(many, /unknown operator "~~"/);
    assert.match(many, /notify.*does not implement/);
  });

  test('the host architecture comes from Node: x64 is amd64', () => {
    assert.equal(lxcHostArch('x64'), 'amd64');
    assert.equal(lxcHostArch('arm64'), 'arm64');
    assert.equal(lxcHostArch('riscv64'), 'unknown');
  });
});

describe('profile files and the default profile', () => {
  test('OCI JSON profiles are validated as linux.seccomp', () => {
    const ok = parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kexec_load"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}', 'p.json');
    assert.equal(ok.syscalls![0]!.names[0], 'kexec_load');
    assert.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_NOPE"}', 'p.json'), /seccomp profile p\.json: .*defaultAction/s);
    assert.throws(() => parseSeccompProfile('{ nope', 'p.json'), /not valid JSON/);
  });

  test('unset: the default; "unconfined": none; a missing file is a clear error', () => {
    assert.equal(seccompFor('unconfined', { userNamespace: false }), undefined);
    assert.equal(seccompFor(undefined, { userNamespace: false, hostArch: 'amd64' })!.defaultAction, 'SCMP_ACT_ALLOW');
    assert.throws(() => seccompFor('/nonexistent/p.seccomp', { userNamespace: false }), /cannot read the seccomp profile \/nonexistent\/p\.seccomp: ENOENT/);
    const read = seccompFor('/x', { userNamespace: false, hostArch: 'amd64', readFile: () => '2\ndenylist\nbpf errno 1\n' })!;
    assert.deepEqual(read.syscalls!.map((r) => r.names[0]), ['bpf']);
  });

  test('the default profile denies what a container must not do, more so without a user namespace', () => {
    const priv = defaultSeccomp({ userNamespace: false, hostArch: 'amd64' });
    validateSeccomp(priv);
    const denied = (s: Seccomp, name: string) => s.syscalls!.find((r) => r.names.includes(name) && !r.args);
    for (const name of ['kexec_load', 'open_by_handle_at', 'init_module', 'finit_module', 'delete_module', 'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'userfaultfd']) {
      assert.deepEqual([denied(priv, name)?.action, denied(priv, name)?.errnoRet], ['SCMP_ACT_ERRNO', 1], name);
    }
    for (const name of MOUNT_API) assert.equal(denied(priv, name)?.errnoRet, 38, name);
    assert.equal(denied(priv, 'ptrace'), undefined, 'ptrace stays allowed inside the container, as in LXC');
    assert.equal(denied(priv, 'mount'), undefined);
    const ioctls = priv.syscalls!.filter((r) => r.names[0] === 'ioctl').map((r) => r.args![0]);
    assert.deepEqual(ioctls, [
      { index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 0xffffffff, valueTwo: 0x5412 },
      { index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 0xffffffff, valueTwo: 0x541c },
    ]);
    const userns = defaultSeccomp({ userNamespace: true, hostArch: 'amd64' });
    for (const name of DENIED_ALWAYS) assert.ok(denied(userns, name), name);
    assert.equal(denied(userns, 'open_tree'), undefined, 'a user namespace confines the mount API itself');
    assert.equal(denied(userns, 'bpf'), undefined);
  });
});
