import type { CommandSpec } from '../args.js';
import { contextFor, fdCount, forwardSignals, list, PRESERVE_FDS_OPTION, str } from './common.js';

export const command: CommandSpec = {
  name: 'exec',
  summary: 'run a process inside a running container',
  args: [
    { name: 'id', description: 'container id' },
    { name: 'command', description: 'command and its arguments (or use --process)', variadic: true },
  ],
  passThrough: true,
  options: [
    { flags: '-t, --tty', description: 'allocate a pseudo-terminal' },
    { flags: '-e, --env <K=V>', description: 'set an environment variable (repeatable)', repeatable: true },
    { flags: '--cwd <dir>', description: 'working directory inside the container' },
    { flags: '-u, --user <uid[:gid]>', description: 'numeric user and group to run as' },
    { flags: '-g, --additional-gids <gid>', description: 'additional group (repeatable)', repeatable: true },
    { flags: '-p, --process <file>', description: 'process.json describing the process (OCI process object)' },
    { flags: '-d, --detach', description: 'do not wait for the process' },
    { flags: '--pid-file <file>', description: 'write the process pid to this file' },
    { flags: '--console-socket <path>', description: 'unix socket that receives the pty master' },
    { flags: '-c, --cap <CAP_NAME>', description: 'add a capability (repeatable)', repeatable: true },
    { flags: '--no-new-privs', description: 'set no_new_privs for the process' },
    PRESERVE_FDS_OPTION,
    { flags: '--process-label <label>', description: 'accepted for runc compatibility; SELinux labels are not supported' },
    { flags: '--apparmor <profile>', description: 'accepted for runc compatibility; AppArmor profiles are not supported' },
    { flags: '--ignore-paused', description: 'accepted for runc compatibility (exec into a paused container is refused)' },
  ],
  async run(args, o) {
    const ctx = await contextFor(o);
    const preserveFds = fdCount(o.preserveFds);
    for (const flag of ['processLabel', 'apparmor'] as const) {
      if (str(o[flag])) {
        const { CorralError } = await import('../../util/errors.js');
        throw new CorralError('NOT_SUPPORTED', `--${flag === 'apparmor' ? 'apparmor' : 'process-label'} is not supported: Corral applies no LSM profile or label`);
      }
    }
    const { exec } = await import('../../runtime/exec.js');
    const result = await exec(ctx, String(args.id), {
      args: args.command as string[],
      processFile: str(o.process),
      env: list(o.env),
      cwd: str(o.cwd),
      user: str(o.user),
      additionalGids: list(o.additionalGids)?.map(Number),
      tty: o.tty === true,
      detach: o.detach === true,
      pidFile: str(o.pidFile),
      consoleSocket: str(o.consoleSocket),
      capabilities: list(o.cap),
      noNewPrivs: o.noNewPrivs === true,
      preserveFds,
      onForeground: forwardSignals,
    });
    return result.exitCode;
  },
};
