// `features`: what this runtime implements, in the shape `runc features` prints.
import { execFileSync } from 'node:child_process';
import { helperPath } from './helper-path.js';
import { CAPABILITY_NAMES, SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_OPERATORS } from './spec/index.js';
import { OCI_VERSION } from './state-store.js';

const MOUNT_OPTIONS = [
  'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'lazytime', 'loud', 'mand', 'noatime',
  'nodev', 'nodiratime', 'noexec', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime', 'nosuid', 'nosymfollow',
  'private', 'rbind', 'relatime', 'remount', 'ro', 'rprivate', 'rshared', 'rslave', 'runbindable', 'rw', 'shared',
  'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'unbindable',
];

export function features(): object {
  const seccomp = libseccompVersion();
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITY_NAMES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: {
        enabled: true,
        actions: SECCOMP_ACTIONS.filter((a) => a !== 'SCMP_ACT_NOTIFY'),
        operators: [...SECCOMP_OPERATORS],
        archs: [...SECCOMP_ARCHES],
        knownFlags: ['SECCOMP_FILTER_FLAG_LOG'],
        supportedFlags: ['SECCOMP_FILTER_FLAG_LOG'],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: {
      ...(seccomp ? { 'io.github.seccomp.libseccomp.version': seccomp } : {}),
      'org.corral.runtime.helper': 'native/corral-helper',
    },
  };
}

/** The libseccomp the helper was linked with (`corral-helper version`), as runc reports its own. */
export function libseccompVersion(): string | undefined {
  try {
    return /libseccomp=(\d+\.\d+\.\d+)/.exec(execFileSync(helperPath(), ['version'], { encoding: 'utf8', timeout: 5000 }))?.[1];
  } catch {
    return undefined;
  }
}
