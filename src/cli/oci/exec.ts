import type { Command } from 'commander';
import { collect, contextFor, forwardSignals } from './common.js';

interface ExecFlags {
  tty?: boolean;
  env?: string[];
  cwd?: string;
  user?: string;
  additionalGids?: string[];
  process?: string;
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  cap?: string[];
  noNewPrivs?: boolean;
}

export function register(parent: Command): void {
  parent
    .command('exec')
    .description('run a process inside a running container')
    .argument('<id>', 'container id')
    .argument('[command...]', 'command and its arguments (or use --process)')
    .option('-t, --tty', 'allocate a pseudo-terminal (needs --console-socket)')
    .option('-e, --env <K=V>', 'set an environment variable (repeatable)', collect)
    .option('--cwd <dir>', 'working directory inside the container')
    .option('-u, --user <uid[:gid]>', 'numeric user and group to run as')
    .option('-g, --additional-gids <gid>', 'additional group (repeatable)', collect)
    .option('-p, --process <file>', 'process.json describing the process (OCI process object)')
    .option('-d, --detach', 'do not wait for the process')
    .option('--pid-file <file>', 'write the process pid to this file')
    .option('--console-socket <path>', 'unix socket that receives the pty master')
    .option('-c, --cap <CAP_NAME>', 'add a capability (repeatable)', collect)
    .option('--no-new-privs', 'set no_new_privs for the process')
    .passThroughOptions()
    .action(async (id: string, command: string[], o: ExecFlags, cmd: Command) => {
      const ctx = await contextFor(cmd);
      const { exec } = await import('../../runtime/exec.js');
      const result = await exec(ctx, id, {
        args: command[0] === '--' ? command.slice(1) : command,
        processFile: o.process,
        env: o.env,
        cwd: o.cwd,
        user: o.user,
        additionalGids: o.additionalGids?.map(Number),
        tty: o.tty,
        detach: o.detach,
        pidFile: o.pidFile,
        consoleSocket: o.consoleSocket,
        capabilities: o.cap,
        noNewPrivs: o.noNewPrivs,
        onForeground: forwardSignals,
      });
      if (result.exitCode !== undefined) process.exitCode = result.exitCode;
    });
}
