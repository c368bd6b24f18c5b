// External templates follow LXC's convention: an executable called with --path, --name,
// --rootfs and the user's arguments, that writes the rootfs and appends to <path>/config.
// LXC's own template scripts work, and so do users' scripts.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import type { Template } from './types.js';

const SEARCH = ['/usr/local/share/corral/templates', '/usr/share/corral/templates', '/usr/share/lxc/templates'];

export function findExternalTemplate(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of SEARCH) {
    for (const file of [join(dir, `lxc-${name}`), join(dir, name)]) {
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

export function externalTemplate(path: string): Template {
  return {
    name: path,
    description: `external template ${path}`,
    async run(ctx) {
      ctx.progress(`running template ${path}`);
      const args = ['--path', ctx.path, '--name', ctx.name, '--rootfs', ctx.rootfs, ...ctx.args];
      const env = { ...process.env, LXC_PATH: ctx.path, LXC_NAME: ctx.name, LXC_ROOTFS_PATH: ctx.rootfs };
      const code = await new Promise<number>((done) => {
        const child = spawn(path, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
        child.on('error', () => done(127));
        child.on('close', (c) => done(c ?? 1));
      });
      if (code !== 0) throw new CorralError('INTERNAL', `template ${path} failed with exit status ${code}`);
      return { config: [] };
    },
  };
}
