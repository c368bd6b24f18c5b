// LXC 2.x key names, refused by LXC 3.0 and later. Naming the modern key in the error saves
// the user a trip to the changelog; lxc-update-config(1) rewrites a whole file.

const RENAMED: Readonly<Record<string, string>> = {
  'lxc.utsname': 'lxc.uts.name',
  'lxc.rootfs': 'lxc.rootfs.path',
  'lxc.id_map': 'lxc.idmap',
  'lxc.pts': 'lxc.pty.max',
  'lxc.tty': 'lxc.tty.max',
  'lxc.devttydir': 'lxc.tty.dir',
  'lxc.aa_profile': 'lxc.apparmor.profile',
  'lxc.aa_allow_incomplete': 'lxc.apparmor.allow_incomplete',
  'lxc.se_context': 'lxc.selinux.context',
  'lxc.mount': 'lxc.mount.fstab',
  'lxc.seccomp': 'lxc.seccomp.profile',
  'lxc.console': 'lxc.console.path',
  'lxc.haltsignal': 'lxc.signal.halt',
  'lxc.rebootsignal': 'lxc.signal.reboot',
  'lxc.stopsignal': 'lxc.signal.stop',
  'lxc.syslog': 'lxc.log.syslog',
  'lxc.loglevel': 'lxc.log.level',
  'lxc.logfile': 'lxc.log.file',
  'lxc.init_cmd': 'lxc.init.cmd',
  'lxc.init_uid': 'lxc.init.uid',
  'lxc.init_gid': 'lxc.init.gid',
  'lxc.network': 'lxc.net',
};

const REMOVED = new Set(['lxc.rootfs.backend', 'lxc.pivotdir', 'lxc.kmsg']);

export interface LegacyKey {
  message: string;
  hint: string;
}

const HINT = "rename the key; LXC's lxc-update-config -c <file> rewrites a whole file";

/** The error for an LXC 2.x key, or undefined if `key` is not one. */
export function legacyKey(key: string): LegacyKey | undefined {
  const renamed = RENAMED[key];
  if (renamed) return { message: `${key} was renamed ${renamed} in LXC 3.0`, hint: HINT };
  if (REMOVED.has(key)) return { message: `${key} was removed in LXC 3.0; delete the line`, hint: 'delete the line' };
  const limit = /^lxc\.limit\.(.+)$/.exec(key);
  if (limit) return { message: `${key} was renamed lxc.prlimit.${limit[1]} in LXC 3.0`, hint: HINT };
  const net = /^lxc\.network\.(?:(\d+)\.)?(.+)$/.exec(key);
  if (net) {
    const index = net[1] ?? '<i>';
    // lxc.network.ipv4 (a list of addresses) became lxc.net.<i>.ipv4.address
    const field = net[2] === 'ipv4' || net[2] === 'ipv6' ? `${net[2]}.address` : net[2];
    return {
      message: `${key} was renamed lxc.net.${index}.${field} in LXC 3.0${net[1] === undefined ? ' (networks are numbered: lxc.net.0.*, lxc.net.1.*, ...)' : ''}`,
      hint: HINT,
    };
  }
  return undefined;
}
