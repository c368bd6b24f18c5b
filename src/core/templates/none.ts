import { mkdirSync } from 'node:fs';
import type { Template } from './types.js';

/** An empty rootfs, for a tree the user fills in (or points lxc.rootfs.path at) themselves. */
export const noneTemplate: Template = {
  name: 'none',
  description: 'an empty rootfs to fill in yourself',
  async run(ctx) {
    mkdirSync(ctx.rootfs, { recursive: true, mode: 0o755 });
    return { config: [`lxc.uts.name = ${ctx.name}`] };
  },
};
