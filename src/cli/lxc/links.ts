import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandSpec } from '../args.js';

const NAMES = ['attach', 'autostart', 'cgroup', 'checkconfig', 'console', 'create', 'destroy', 'execute', 'freeze', 'info', 'ls', 'start', 'stop', 'unfreeze', 'unshare', 'wait'];

/** The opt-in that puts the lxc-* names on PATH: symlinks to this CLI, never over anything. */
export const command: CommandSpec = {
  name: 'install-lxc-names',
  summary: 'make lxc-create, lxc-start, ... symlinks to Corral in a directory (never overwrites)',
  options: [{ flags: '-d, --dir <dir>', description: 'where to put the links (put it early on PATH)', default: '/usr/local/lib/corral/lxc-bin' }],
  async run(_args, o) {
    const { corralBin } = await import('../../util/self.js');
    const dir = resolve(String(o.dir));
    const target = corralBin();
    mkdirSync(dir, { recursive: true });
    const skipped: string[] = [];
    for (const name of NAMES) {
      const link = join(dir, `lxc-${name}`);
      let present = existsSync(link);
      try {
        present = present || lstatSync(link) !== undefined;
      } catch {
        // absent
      }
      if (present) skipped.push(link);
      else symlinkSync(target, link);
    }
    process.stdout.write(`lxc-* names for ${target} are in ${dir}\nadd it to PATH, e.g.: export PATH=${dir}:$PATH\n`);
    if (skipped.length) process.stderr.write(`corral: kept existing files: ${skipped.join(', ')}\n`);
  },
};
