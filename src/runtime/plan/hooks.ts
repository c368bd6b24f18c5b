import type { Hook } from '../spec/types.js';
import type { PlanOp } from './ops.js';

/** Hooks the helper itself runs inside the container's namespaces (createContainer, startContainer). */
export function hookOps(hooks: readonly Hook[] = []): PlanOp[] {
  return hooks.map((h) => {
    const args = h.args ?? [h.path];
    const env = h.env ?? [];
    return { op: 'HOOK', args: [h.path, (h.timeout ?? 0) * 1000, args.length, ...args, env.length, ...env] };
  });
}
