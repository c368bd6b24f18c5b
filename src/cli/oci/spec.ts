import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandSpec } from '../args.js';

export const command: CommandSpec = {
  name: 'spec',
  summary: 'write a default config.json (like runc spec) into the bundle directory',
  options: [
    { flags: '-b, --bundle <dir>', description: 'where to write config.json', default: '.' },
    { flags: '--rootless', description: 'a spec for an unprivileged user (user namespace, no cgroup limits)' },
  ],
  async run(_args, o) {
    const { CorralError } = await import('../../util/errors.js');
    const { defaultSpec } = await import('../../runtime/spec/default.js');
    const file = join(resolve(String(o.bundle)), 'config.json');
    if (existsSync(file)) throw new CorralError('EXISTS', `${file} already exists`, { hint: 'remove it first, or pick another --bundle' });
    writeFileSync(file, `${JSON.stringify(defaultSpec({ rootless: o.rootless === true }), null, '\t')}\n`);
  },
};
