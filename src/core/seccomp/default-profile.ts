// The seccomp filter every system container gets unless lxc.seccomp.profile names another:
// a denylist (everything else allowed, as LXC's common.seccomp) of what a container must
// not do to the host's kernel. It starts from LXC's common.seccomp and adds what LXC leaves
// to AppArmor or to capabilities a privileged container still holds.
import type { Seccomp, Syscall } from '../../runtime/spec/types.js';
import { HOST_ABIS, lxcHostArch, type LxcHostArch } from './lxc-format.js';

const EPERM = 1;
const EACCES = 13;
const ENOSYS = 38;
const MNT_FORCE = 1;
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;

/** Denied in every system container: not namespaced, or the kernel's own attack surface. */
export const DENIED_ALWAYS = [
  // LXC's common.seccomp
  'kexec_load', 'open_by_handle_at', 'init_module', 'finit_module', 'delete_module',
  'kexec_file_load', 'create_module',
  // the kernel keyring is not namespaced: keys of the host and of other containers
  'add_key', 'request_key', 'keyctl',
  // observation of the whole machine, and a favourite of kernel exploits
  'perf_event_open', 'userfaultfd', 'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  // raw port I/O (CAP_SYS_RAWIO is dropped anyway)
  'iopl', 'ioperm',
] as const;

/**
 * Denied only without a user namespace: there root holds these capabilities over the host's
 * kernel (a user namespace already confines them). The mount API gets ENOSYS, not EPERM, so
 * that libmount and systemd fall back to mount(2): it can mount across the container's
 * own mount table but also hands out detached mount trees (open_tree, move_mount) that
 * mount(2)-based rules cannot see.
 */
export const DENIED_PRIVILEGED = ['bpf', 'syslog', 'acct', 'swapon', 'swapoff', 'fanotify_init', 'lookup_dcookie', 'nfsservctl'] as const;
export const MOUNT_API = ['fsopen', 'fsconfig', 'fsmount', 'fspick', 'open_tree', 'move_mount', 'mount_setattr'] as const;

/** ioctl(fd, cmd) with the low 32 bits of cmd equal to `cmd`: the kernel ignores the high ones. */
function ioctlRule(cmd: number): Syscall {
  return {
    names: ['ioctl'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: EPERM,
    args: [{ index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 0xffffffff, valueTwo: cmd }],
  };
}

export interface DefaultSeccompOptions {
  /** the container has a user namespace (lxc.idmap): its root is confined by the kernel */
  userNamespace: boolean;
  hostArch?: LxcHostArch;
}

export function defaultSeccomp(opts: DefaultSeccompOptions): Seccomp {
  const syscalls: Syscall[] = [{ names: [...DENIED_ALWAYS], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }];
  if (!opts.userNamespace) {
    syscalls.push({ names: [...DENIED_PRIVILEGED], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM });
    syscalls.push({ names: [...MOUNT_API], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  // LXC's reject_force_umount: umount -f of a shared filesystem would hit the host too
  syscalls.push({
    names: ['umount2'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: EACCES,
    args: [{ index: 1, op: 'SCMP_CMP_MASKED_EQ', value: MNT_FORCE, valueTwo: MNT_FORCE }],
  });
  // Typing into a terminal that is not the container's own (CVE-2016-2781 and friends);
  // TIOCLINUX can do the same through a virtual console's selection.
  syscalls.push(ioctlRule(TIOCSTI), ioctlRule(TIOCLINUX));
  const seccomp: Seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls };
  const abis = HOST_ABIS[opts.hostArch ?? lxcHostArch()];
  if (abis.length > 0) seccomp.architectures = [...abis];
  return seccomp;
}
