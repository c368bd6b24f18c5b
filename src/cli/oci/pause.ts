import type { CommandSpec } from '../args.js';
import { contextFor } from './common.js';

export const pauseCommand: CommandSpec = {
  name: 'pause',
  summary: 'freeze every process of a container',
  args: [{ name: 'id', description: 'container id' }],
  async run(args, o) {
    const ctx = await contextFor(o);
    const { pause } = await import('../../runtime/pause.js');
    await pause(ctx, String(args.id));
  },
};

export const resumeCommand: CommandSpec = {
  name: 'resume',
  summary: 'thaw a paused container',
  args: [{ name: 'id', description: 'container id' }],
  async run(args, o) {
    const ctx = await contextFor(o);
    const { resume } = await import('../../runtime/pause.js');
    await resume(ctx, String(args.id));
  },
};
