// The local template: a rootfs from a tarball on this machine, extracted by GNU tar with
// owners, modes, xattrs and device nodes kept.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { CorralError } from '../../util/errors.js';
import type { Template } from './types.js';

function optionValue(args: string[], ...names: string[]): string | undefined {
  for (const name of names) {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    const eq = args.find((a) => a.startsWith(`${name}=`));
    if (eq) return eq.slice(name.length + 1);
  }
  return undefined;
}

export const localTemplate: Template = {
  name: 'local',
  description: 'a rootfs from a tarball: -- --fstree FILE.tar[.gz|.xz|.zst]',
  async run(ctx) {
    const file = optionValue(ctx.args, '--fstree', '--rootfs-tarball');
    if (!file) {
      throw new CorralError('INVALID_ARGUMENT', 'the local template needs a tarball', { hint: 'lxc-create -n NAME -t local -- --fstree /path/rootfs.tar.xz' });
    }
    const tarball = resolve(file);
    if (!existsSync(tarball)) throw new CorralError('NOT_FOUND', `tarball ${tarball} does not exist`);
    mkdirSync(ctx.rootfs, { recursive: true, mode: 0o755 });
    ctx.progress(`extracting ${tarball}`);
    const args = ['--numeric-owner', '--xattrs', "--xattrs-include=*", '-xpaf', tarball, '-C', ctx.rootfs];
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
      const tar = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
      tar.on('error', (e) => done({ code: 127, stderr: e.message }));
      tar.on('close', (c) => done({ code: c ?? 1, stderr: err }));
    });
    // GNU tar: 1 = some files differ (fine), 2 = fatal
    if (code >= 2) throw new CorralError('INTERNAL', `extracting ${tarball} failed: ${stderr.trim() || `tar exit ${code}`}`);
    return { config: [`lxc.uts.name = ${ctx.name}`] };
  },
};
