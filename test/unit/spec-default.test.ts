// defaultSpec() against `runc spec` output captured from runc 1.1.5 (spec 1.0.2-dev).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultSpec } from '../../src/runtime/spec/default.js';
import { validateSpec } from '../../src/runtime/spec/validate.js';

type Json = Record<string, any>;

// `runc spec` (runc 1.1.5), verbatim apart from formatting.
const RUNC_SPEC: Json = 
{
  ociVersion: '1.0.2-dev',
  process: {
    terminal: true,
    user: { uid: 0, gid: 0 },
    args: ['sh'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
    cwd: '/',
    capabilities: {
      bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    noNewPrivileges: true,
  },
  root: { path: 'rootfs', readonly: true },
  hostname: 'runc',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ],
  linux: {
    resources: { devices: [{ allow: false, access: 'rwm' }] },
    namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    maskedPaths: [
      '/proc/acpi',
      '/proc/asound',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/proc/sched_debug',
      '/sys/firmware',
      '/proc/scsi',
    ],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  },
};

// `runc spec --rootless` (runc 1.1.5, run as root: hostIDs are 0).
const RUNC_SPEC_ROOTLESS: Json = {
  ociVersion: '1.0.2-dev',
  process: {
    terminal: true,
    user: { uid: 0, gid: 0 },
    args: ['sh'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
    cwd: '/',
    capabilities: {
      bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    noNewPrivileges: true,
  },
  root: { path: 'rootfs', readonly: true },
  hostname: 'runc',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/sys',
      type: 'none',
      source: '/sys',
      options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ],
  linux: {
    uidMappings: [{ containerID: 0, hostID: 0, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: 0, size: 1 }],
    namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }],
    maskedPaths: [
      '/proc/acpi',
      '/proc/asound',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/proc/sched_debug',
      '/sys/firmware',
      '/proc/scsi',
    ],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  },
};

/**
 * What Corral writes, derived from runc 1.1.5's output by the documented differences (edited in
 * place so key order is kept): Corral's hostname, runtime-spec 1.2.0, and the three changes
 * runc made in 1.2: no ambient capabilities, a cgroup namespace (runc adds it on cgroup v2,
 * after "mount" and before rootless' "user"), /sys/devices/virtual/tpm masked.
 */
function asCorral(runc: Json, rootless: boolean): Json {
  const s = structuredClone(runc);
  s.ociVersion = '1.2.0';
  s.hostname = 'corral';
  delete s.process.capabilities.ambient;
  const nss: Json[] = s.linux.namespaces;
  nss.splice(nss.findIndex((n) => n.type === 'mount') + 1, 0, { type: 'cgroup' });
  s.linux.maskedPaths.push('/sys/devices/virtual/tpm');
  if (rootless) {
    s.linux.uidMappings[0].hostID = process.geteuid!();
    s.linux.gidMappings[0].hostID = process.getegid!();
  }
  return s;
}

// Compared as text: checks values and also that keys come in runc's order.
const text = (v: unknown): string => JSON.stringify(v, null, '\t');

describe('defaultSpec', () => {
  test('matches `runc spec` structurally', () => {
    assert.equal(text(defaultSpec()), text(asCorral(RUNC_SPEC, false)));
  });

  test('rootless matches `runc spec --rootless`', () => {
    assert.equal(text(defaultSpec({ rootless: true })), text(asCorral(RUNC_SPEC_ROOTLESS, true)));
  });

  test('args replaces the default command', () => {
    assert.deepEqual(defaultSpec({ args: ['/bin/true', '-x'] }).process?.args, ['/bin/true', '-x']);
    assert.deepEqual(defaultSpec({}).process?.args, ['sh']);
  });

  test('each call returns a fresh object', () => {
    const a = defaultSpec();
    a.mounts!.pop();
    a.process!.capabilities!.bounding!.pop();
    assert.equal(text(defaultSpec()), text(asCorral(RUNC_SPEC, false)));
  });

  describe('validates cleanly', () => {
    const bundle = mkdtempSync(join(tmpdir(), 'corral-spec-'));
    mkdirSync(join(bundle, 'rootfs'));
    after(() => rmSync(bundle, { recursive: true, force: true }));

    for (const rootless of [false, true]) {
      test(rootless ? 'rootless' : 'rootful', () => {
        const { spec, warnings } = validateSpec(defaultSpec({ rootless }), { bundle });
        assert.deepEqual(warnings, []);
        assert.equal(spec.root?.path, join(bundle, 'rootfs'));
      });
    }
  });

  // Proves the fixture really is what runc 1.1.5 prints, where that runc is installed.
  const runcVersion = (() => {
    try {
      return execFileSync('runc', ['--version'], { encoding: 'utf8' });
    } catch {
      return '';
    }
  })();
  test('fixture equals live runc 1.1.5 output', { skip: !runcVersion.startsWith('runc version 1.1.5') && `the fixture is runc 1.1.5's; this host has ${runcVersion.split('\n')[0] || 'no runc'}` }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-runc-spec-'));
    try {
      execFileSync('runc', ['spec'], { cwd: dir });
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), RUNC_SPEC);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
