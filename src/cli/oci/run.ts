import type { CommandSpec } from '../args.js';
import { contextFor, fdCount, forwardSignals, PRESERVE_FDS_OPTION, str } from './common.js';

export const command: CommandSpec = {
  name: 'run',
  summary: 'create and start a container; in the foreground, wait for it and delete it',
  args: [{ name: 'id', description: 'container id' }],
  options: [
    { flags: '-b, --bundle <dir>', description: 'bundle directory holding config.json', default: '.' },
    { flags: '-d, --detach', description: 'do not wait for the container' },
    { flags: '--pid-file <file>', description: 'write the container process pid to this file' },
    { flags: '--console-socket <path>', description: 'unix socket that receives the pty master when process.terminal is true' },
    { flags: '--no-pivot', description: 'switch root with MS_MOVE + chroot instead of pivot_root' },
    { flags: '--keep', description: 'do not delete the container after it exits' },
    { flags: '--no-new-keyring', description: 'accepted for runc compatibility' },
    PRESERVE_FDS_OPTION,
  ],
  async run(args, o) {
    const ctx = await contextFor(o);
    const preserveFds = fdCount(o.preserveFds);
    const { run } = await import('../../runtime/run.js');
    return run(ctx, String(args.id), {
      bundle: str(o.bundle),
      detach: o.detach === true,
      pidFile: str(o.pidFile),
      consoleSocket: str(o.consoleSocket),
      noPivot: o.noPivot === true,
      keep: o.keep === true,
      preserveFds,
      onForeground: forwardSignals,
    });
  },
};
