import type { Command } from 'commander';
import { contextFor } from './common.js';

export function register(parent: Command): void {
  parent
    .command('create')
    .description('create a container from a bundle; its process waits for `start`')
    .argument('<id>', 'container id, unique under --root')
    .option('-b, --bundle <dir>', 'bundle directory holding config.json', '.')
    .option('--pid-file <file>', 'write the container process pid to this file')
    .option('--console-socket <path>', 'unix socket that receives the pty master when process.terminal is true')
    .option('--no-pivot', 'switch root with MS_MOVE + chroot instead of pivot_root (for ramdisk roots)')
    .option('--no-new-keyring', 'accepted for runc compatibility (Corral never creates a session keyring)')
    .option('--preserve-fds <n>', 'accepted for runc compatibility; only 0 is supported', '0')
    .action(async (id: string, o: { bundle: string; pidFile?: string; consoleSocket?: string; pivot: boolean; preserveFds: string }, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { CorralError } = await import('../../util/errors.js');
      if (o.preserveFds !== '0') throw new CorralError('NOT_SUPPORTED', '--preserve-fds is not supported yet');
      const { create } = await import('../../runtime/create.js');
      const created = await create(ctx, id, { bundle: o.bundle, pidFile: o.pidFile, consoleSocket: o.consoleSocket, noPivot: !o.pivot });
      created.session.detach();
      await created.session.exit;
    });
}
