import type { CommandSpec } from '../args.js';
import { contextFor, fdCount, PRESERVE_FDS_OPTION, str } from './common.js';

export const command: CommandSpec = {
  name: 'create',
  summary: 'create a container from a bundle; its process waits for `start`',
  args: [{ name: 'id', description: 'container id, unique under --root' }],
  options: [
    { flags: '-b, --bundle <dir>', description: 'bundle directory holding config.json', default: '.' },
    { flags: '--pid-file <file>', description: 'write the container process pid to this file' },
    { flags: '--console-socket <path>', description: 'unix socket that receives the pty master when process.terminal is true' },
    { flags: '--no-pivot', description: 'switch root with MS_MOVE + chroot instead of pivot_root (for ramdisk roots)' },
    { flags: '--no-new-keyring', description: 'accepted for runc compatibility (Corral never creates a session keyring)' },
    PRESERVE_FDS_OPTION,
  ],
  async run(args, o) {
    const ctx = await contextFor(o);
    const preserveFds = fdCount(o.preserveFds);
    const { create } = await import('../../runtime/create.js');
    const created = await create(ctx, String(args.id), {
      bundle: str(o.bundle),
      pidFile: str(o.pidFile),
      consoleSocket: str(o.consoleSocket),
      noPivot: o.noPivot === true,
      preserveFds,
    });
    created.session.detach();
    await created.session.exit;
  },
};
