import type { CommandSpec } from '../args.js';

export const command: CommandSpec = {
  name: 'unshare',
  summary: 'run a command in new namespaces (no container, no rootfs change)',
  args: [{ name: 'command', description: 'the command (or after --)', variadic: true }],
  passThrough: true,
  options: [
    { flags: '-s, --namespaces <flags>', description: 'which namespaces: MOUNT|PID|UTSNAME|IPC|USER|NETWORK|CGROUP' },
    { flags: '-u, --user <uid>', description: 'run as this uid' },
    { flags: '-H, --hostname <name>', description: 'set the hostname (needs UTSNAME)' },
    { flags: '-M, --remount', description: 'mount a fresh /proc (and /sys with NETWORK)' },
  ],
  async run(args, o) {
    const { parseNamespaceFlags, unshareRun } = await import('../../core/unshare.js');
    const { forwardSignals } = await import('../oci/common.js');
    const { CorralError } = await import('../../util/errors.js');
    const command = args.command as string[];
    if (command.length === 0) throw new CorralError('INVALID_ARGUMENT', 'which command?', { hint: 'corral unshare -s "UTSNAME|PID|MOUNT" -- /bin/sh' });
    return unshareRun(
      {
        flags: parseNamespaceFlags(String(o.namespaces ?? '')),
        command,
        hostname: typeof o.hostname === 'string' ? o.hostname : undefined,
        uid: typeof o.user === 'string' ? Number(o.user) : undefined,
        remountProcSys: o.remount === true,
      },
      forwardSignals,
    );
  },
};
