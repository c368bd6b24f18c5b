import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function register(parent: Command): void {
  parent
    .command('spec')
    .description('write a default config.json (like runc spec) into the bundle directory')
    .option('-b, --bundle <dir>', 'where to write config.json', '.')
    .option('--rootless', 'a spec for an unprivileged user (user namespace, no cgroup limits)')
    .action(async (o: { bundle: string; rootless?: boolean }) => {
      const { CorralError } = await import('../../util/errors.js');
      const { defaultSpec } = await import('../../runtime/spec/default.js');
      const file = join(resolve(o.bundle), 'config.json');
      if (existsSync(file)) {
        throw new CorralError('EXISTS', `${file} already exists`, { hint: 'remove it first, or pick another --bundle' });
      }
      writeFileSync(file, `${JSON.stringify(defaultSpec({ rootless: o.rootless }), null, '\t')}\n`);
    });
}
