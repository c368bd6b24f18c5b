// The multi-call entry: `corral <command>`, and `corral-runtime` which is exactly `corral oci`.
import { basename } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerOci } from './oci/index.js';
import { reportError } from './output.js';

export async function main(argv: string[]): Promise<number> {
  const invokedAs = basename(argv[1] ?? 'corral');
  const program = new Command(invokedAs === 'corral-runtime' ? 'corral-runtime' : 'corral');
  program
    .description('Corral: Linux system containers and an OCI runtime')
    .version(VERSION, '-v, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  if (invokedAs === 'corral-runtime') registerOci(program);
  else registerOci(program.command('oci').description('OCI runtime commands, compatible with runc'));
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    return reportError(err);
  }
}

export const VERSION = '0.1.0';
