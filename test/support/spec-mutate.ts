// A valid OCI config.json that uses most of what the schema knows, for the fuzz tests to
// break (test/support/json-mutate.ts).
import { defaultSpec } from '../../src/runtime/spec/default.js';
import type { Json } from './json-mutate.js';

/** A spec that uses most of what the schema knows, so mutations reach deep. */
export function richSpec(): Json {
  const spec = defaultSpec({ args: ['sh', '-c', 'true'] }) as unknown as { [k: string]: Json };
  const s = JSON.parse(JSON.stringify(spec)) as { [k: string]: any };
  s.root = { path: 'rootfs', readonly: false };
  s.process.terminal = false;
  s.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }];
  s.process.oomScoreAdj = 100;
  s.process.user.additionalGids = [5, 10];
  s.process.user.umask = 18;
  s.hooks = { prestart: [{ path: '/bin/true', args: ['true'], env: ['A=b'], timeout: 5 }], poststop: [{ path: '/bin/true' }] };
  s.annotations = { 'org.example': 'x' };
  s.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
  s.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 }];
  s.linux.resources = {
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
    memory: { limit: 104857600, reservation: 52428800, swappiness: 10 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
    pids: { limit: 64 },
    blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
  };
  s.linux.seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [
      { names: ['mkdirat', 'mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 1, value: 448, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['kexec_load'], action: 'SCMP_ACT_KILL' },
    ],
  };
  return s as Json;
}
