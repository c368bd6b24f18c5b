// validateSpec rules for the `linux` section (namespaces, mappings, sysctl, seccomp, devices...).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SpecError } from '../../src/runtime/spec/errors.js';
import { validateSpec } from '../../src/runtime/spec/validate.js';

const bundle = mkdtempSync(join(tmpdir(), 'corral-spec-'));
mkdirSync(join(bundle, 'rootfs'));
after(() => rmSync(bundle, { recursive: true, force: true }));

type Json = Record<string, any>;

/** A valid config whose linux section is `linux`, with namespaces given by type or {type,path}. */
function cfg(linux: Json, top: Json = {}): Json {
  return { ociVersion: '1.2.0', root: { path: 'rootfs' }, process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' }, linux, ...top };
}
const ns = (...types: (string | Json)[]): Json[] => types.map((t) => (typeof t === 'string' ? { type: t } : t));
const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];

const ok = (c: Json) => validateSpec(c, { bundle });

function fails(c: Json, expected: [string, (string | RegExp)?][]): void {
  try {
    ok(c);
  } catch (e) {
    assert.ok(e instanceof SpecError);
    assert.deepEqual(e.issues.map((i) => i.path), expected.map(([p]) => p), JSON.stringify(e.issues));
    expected.forEach(([, m], n) => {
      if (typeof m === 'string') assert.equal(e.issues[n]!.message, m);
      else if (m) assert.match(e.issues[n]!.message, m);
    });
    return;
  }
  assert.fail('expected a SpecError');
}

describe('namespaces', () => {
  test('all eight types are accepted', () => {
    ok(cfg({ namespaces: ns('pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'), uidMappings: maps, gidMappings: maps }));
  });

  test('unknown type', () => {
    fails(cfg({ namespaces: ns('pid', 'net') }), [['$.linux.namespaces[1].type', /^expected one of pid, network, .*got string "net"$/]]);
  });

  test('duplicates', () => {
    fails(cfg({ namespaces: ns('pid', 'mount', 'pid') }), [['$.linux.namespaces[2].type', 'duplicate namespace type "pid" (also at index 0)']]);
  });

  test('a joined namespace path must be absolute', () => {
    ok(cfg({ namespaces: ns({ type: 'network', path: '/var/run/netns/x' }) }));
    fails(cfg({ namespaces: ns({ type: 'network', path: 'netns/x' }) }), [['$.linux.namespaces[0].path']]);
  });
});

describe('uid/gid mappings', () => {
  test('required with a new user namespace', () => {
    ok(cfg({ namespaces: ns('user'), uidMappings: maps, gidMappings: maps }));
    fails(cfg({ namespaces: ns('user'), uidMappings: maps }), [['$.linux.gidMappings', 'required when a new user namespace is created']]);
    fails(cfg({ namespaces: ns('user') }), [['$.linux.uidMappings'], ['$.linux.gidMappings']]);
  });

  test('forbidden when joining a user namespace', () => {
    ok(cfg({ namespaces: ns({ type: 'user', path: '/proc/1/ns/user' }) }));
    fails(cfg({ namespaces: ns({ type: 'user', path: '/proc/1/ns/user' }), uidMappings: maps, gidMappings: maps }), [
      ['$.linux.uidMappings', /joining an existing user namespace/],
      ['$.linux.gidMappings'],
    ]);
  });

  test('forbidden without a user namespace', () => {
    fails(cfg({ uidMappings: maps }), [['$.linux.uidMappings', 'requires a user namespace in linux.namespaces']]);
  });

  test('mapping fields are uint32', () => {
    fails(cfg({ namespaces: ns('user'), uidMappings: [{ containerID: 0, hostID: -5, size: 1 }], gidMappings: maps }), [
      ['$.linux.uidMappings[0].hostID', 'expected uint32, got number -5'],
    ]);
  });

  test('idmapped mounts need both mappings', () => {
    const m = { destination: '/d', source: '/tmp', options: ['bind'], uidMappings: maps };
    fails(cfg({}, { mounts: [m] }), [['$.mounts[0]', /both uidMappings and gidMappings/]]);
    ok(cfg({}, { mounts: [{ ...m, gidMappings: maps }] }));
  });
});

describe('timeOffsets', () => {
  const offsets = { monotonic: { secs: 3600 }, boottime: { secs: -10, nanosecs: 5 } };

  test('need a new time namespace', () => {
    ok(cfg({ namespaces: ns('time'), timeOffsets: offsets }));
    fails(cfg({ timeOffsets: offsets }), [['$.linux.timeOffsets', 'requires a new time namespace in linux.namespaces']]);
    fails(cfg({ namespaces: ns({ type: 'time', path: '/proc/1/ns/time' }), timeOffsets: offsets }), [['$.linux.timeOffsets', /joining/]]);
  });

  test('only monotonic and boottime clocks', () => {
    fails(cfg({ namespaces: ns('time'), timeOffsets: { realtime: { secs: 1 } } }), [['$.linux.timeOffsets.realtime', /^expected one of monotonic, boottime/]]);
  });
});

describe('sysctl', () => {
  const sysctl = (linux: Json, key: string) => cfg({ ...linux, sysctl: { [key]: '1' } });

  test('net.* needs a network namespace that is not the host one', () => {
    ok(sysctl({ namespaces: ns('network') }, 'net.ipv4.ip_forward'));
    fails(sysctl({}, 'net.ipv4.ip_forward'), [['$.linux.sysctl["net.ipv4.ip_forward"]', /requires a network namespace/]]);
    fails(sysctl({ namespaces: ns({ type: 'network', path: '/proc/self/ns/net' }) }, 'net.core.somaxconn'), [
      ['$.linux.sysctl["net.core.somaxconn"]', /host one/],
    ]);
  });

  test('IPC sysctls need an ipc namespace', () => {
    for (const key of ['kernel.shmmax', 'kernel.msgmnb', 'kernel.sem', 'kernel.shm_rmid_forced', 'fs.mqueue.msg_max']) {
      ok(sysctl({ namespaces: ns('ipc') }, key));
      fails(sysctl({}, key), [[`$.linux.sysctl["${key}"]`, /requires an ipc namespace/]]);
    }
  });

  test('kernel.hostname/domainname need a uts namespace', () => {
    ok(sysctl({ namespaces: ns('uts') }, 'kernel.domainname'));
    fails(sysctl({}, 'kernel.hostname'), [['$.linux.sysctl["kernel.hostname"]', /requires a uts namespace/]]);
    const both = cfg({ namespaces: ns('uts'), sysctl: { 'kernel.hostname': 'a' } }, { hostname: 'b' });
    fails(both, [['$.linux.sysctl["kernel.hostname"]', /conflicts with the "hostname" field/]]);
  });

  test('non-namespaced sysctls are refused', () => {
    fails(sysctl({ namespaces: ns('ipc', 'network', 'uts') }, 'vm.swappiness'), [['$.linux.sysctl["vm.swappiness"]', /is not namespaced/]]);
  });
});

describe('hostname', () => {
  test('needs a uts namespace (new or joined)', () => {
    ok(cfg({ namespaces: ns('uts') }, { hostname: 'box', domainname: 'lan' }));
    ok(cfg({ namespaces: ns({ type: 'uts', path: '/proc/1/ns/uts' }) }, { hostname: 'box' }));
    fails(cfg({}, { hostname: 'box' }), [['$.hostname', /requires a uts namespace/]]);
    fails(cfg({}, { domainname: 'lan' }), [['$.domainname']]);
  });
});

describe('devices', () => {
  const dev = { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 };

  test('valid devices', () => {
    ok(cfg({ devices: [dev, { type: 'p', path: '/dev/fifo' }] }));
  });

  test('type must be c, b, u or p', () => {
    fails(cfg({ devices: [{ ...dev, type: 'x' }] }), [['$.linux.devices[0].type', 'expected one of c, b, u, p, got string "x"']]);
  });

  test('path must be absolute', () => {
    fails(cfg({ devices: [{ ...dev, path: 'dev/fuse' }] }), [['$.linux.devices[0].path', 'must be an absolute path, got "dev/fuse"']]);
  });

  test('major/minor are required except for FIFOs', () => {
    fails(cfg({ devices: [{ type: 'b', path: '/dev/sda' }] }), [
      ['$.linux.devices[0].major', 'required for device type "b"'],
      ['$.linux.devices[0].minor', 'required for device type "b"'],
    ]);
  });

  test('device cgroup rules', () => {
    ok(cfg({ resources: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] } }));
    fails(cfg({ resources: { devices: [{ allow: true, access: 'rwx' }] } }), [['$.linux.resources.devices[0].access']]);
  });
});

describe('cgroupsPath', () => {
  test('absolute and relative are both fine', () => {
    ok(cfg({ cgroupsPath: '/corral/c1' }));
    ok(cfg({ cgroupsPath: 'corral/c1' }));
    ok(cfg({ cgroupsPath: 'system.slice:corral:c1' }));
  });

  test('".." is refused', () => {
    fails(cfg({ cgroupsPath: 'a/../../b' }), [['$.linux.cgroupsPath', 'must not contain ".." components, got "a/../../b"']]);
  });
});

describe('seccomp', () => {
  const rule = { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] };
  const seccomp = (s: Json) => cfg({ seccomp: { defaultAction: 'SCMP_ACT_ALLOW', ...s } });

  test('a valid profile', () => {
    ok(seccomp({ architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], flags: ['SECCOMP_FILTER_FLAG_LOG'], syscalls: [rule] }));
    ok(seccomp({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 }));
  });

  test('actions, operators and architectures are checked', () => {
    fails(seccomp({ defaultAction: 'SCMP_ACT_DENY' }), [['$.linux.seccomp.defaultAction', /^expected one of SCMP_ACT_KILL, /]]);
    fails(seccomp({ syscalls: [{ ...rule, action: 'ALLOW' }] }), [['$.linux.seccomp.syscalls[0].action']]);
    fails(seccomp({ syscalls: [{ ...rule, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQUAL' }] }] }), [['$.linux.seccomp.syscalls[0].args[0].op']]);
    fails(seccomp({ syscalls: [{ ...rule, args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }), [['$.linux.seccomp.syscalls[0].args[0].index']]);
    fails(seccomp({ architectures: ['SCMP_ARCH_X86_46'] }), [
      ['$.linux.seccomp.architectures[0]', 'unknown seccomp architecture "SCMP_ARCH_X86_46"; did you mean "SCMP_ARCH_X86_64"?'],
    ]);
  });

  test('errnoRet only with ERRNO/TRACE', () => {
    fails(seccomp({ syscalls: [{ ...rule, action: 'SCMP_ACT_KILL' }] }), [['$.linux.seccomp.syscalls[0].errnoRet']]);
    fails(seccomp({ defaultErrnoRet: 1 }), [['$.linux.seccomp.defaultErrnoRet']]);
  });

  test('SCMP_ACT_NOTIFY needs a listener and cannot be the default', () => {
    fails(seccomp({ syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] }), [['$.linux.seccomp.syscalls[0].action', /listenerPath/]]);
    fails(seccomp({ defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/l' }), [['$.linux.seccomp.defaultAction']]);
  });

  test('names must be non-empty', () => {
    fails(seccomp({ syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW' }] }), [['$.linux.seccomp.syscalls[0].names']]);
  });
});

describe('other linux and top-level rules', () => {
  test('masked/readonly paths must be absolute', () => {
    ok(cfg({ maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'] }));
    fails(cfg({ maskedPaths: ['proc/kcore'] }), [['$.linux.maskedPaths[0]']]);
  });

  test('rootfsPropagation is an enum', () => {
    ok(cfg({ rootfsPropagation: 'rslave' }));
    fails(cfg({ rootfsPropagation: 'slaves' }), [['$.linux.rootfsPropagation']]);
  });

  test('hooks need absolute paths and KEY=VALUE env', () => {
    ok(cfg({}, { hooks: { createRuntime: [{ path: '/bin/true', args: ['true'], env: ['A=1'], timeout: 5 }] } }));
    fails(cfg({}, { hooks: { poststop: [{ path: 'true', env: ['A'] }], prestart: [{ path: '/x', timeout: 0 }] } }), [
      ['$.hooks.prestart[0].timeout'],
    ]);
    fails(cfg({}, { hooks: { poststop: [{ path: 'true', env: ['A'] }] } }), [['$.hooks.poststop[0].path'], ['$.hooks.poststop[0].env[0]']]);
  });

  test('annotation keys with dots get bracketed paths', () => {
    fails(cfg({}, { annotations: { 'org.opencontainers.x': 1 } }), [['$.annotations["org.opencontainers.x"]', 'expected string, got number 1']]);
  });

  test('resources: memory, cpu, pids, blockIO, unified', () => {
    ok(
      cfg({
        resources: {
          memory: { limit: 1 << 30, reservation: -1, swap: -1, swappiness: 0, disableOOMKiller: false, checkBeforeUpdate: true },
          cpu: { shares: 1024, quota: -1, period: 100000, burst: 0, cpus: '0-1', mems: '0', idle: 0 },
          pids: { limit: 100 },
          blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 100 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1e6 }] },
          unified: { 'memory.high': '1G' },
        },
      }),
    );
    fails(cfg({ resources: { blockIO: { weight: 70000 } } }), [['$.linux.resources.blockIO.weight', 'expected uint16, got number 70000']]);
    fails(cfg({ resources: { pids: {} } }), [['$.linux.resources.pids.limit', 'required field is missing']]);
  });
});
