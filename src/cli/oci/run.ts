import type { Command } from 'commander';
import { contextFor, forwardSignals } from './common.js';

export function register(parent: Command): void {
  parent
    .command('run')
    .description('create and start a container; in the foreground, wait for it and delete it')
    .argument('<id>', 'container id')
    .option('-b, --bundle <dir>', 'bundle directory holding config.json', '.')
    .option('-d, --detach', 'do not wait for the container')
    .option('--pid-file <file>', 'write the container process pid to this file')
    .option('--console-socket <path>', 'unix socket that receives the pty master when process.terminal is true')
    .option('--no-pivot', 'switch root with MS_MOVE + chroot instead of pivot_root')
    .option('--keep', 'do not delete the container after it exits')
    .option('--no-new-keyring', 'accepted for runc compatibility')
    .action(async (id: string, o: { bundle: string; detach?: boolean; pidFile?: string; consoleSocket?: string; pivot: boolean; keep?: boolean }, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { run } = await import('../../runtime/run.js');
      process.exitCode = await run(ctx, id, {
        bundle: o.bundle,
        detach: o.detach,
        pidFile: o.pidFile,
        consoleSocket: o.consoleSocket,
        noPivot: !o.pivot,
        keep: o.keep,
        onForeground: forwardSignals,
      });
    });
}
