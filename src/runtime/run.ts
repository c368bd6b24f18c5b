// `run`: create + start; in the foreground it also waits for the init and deletes the
// container afterwards, returning the init's exit status (as `runc run`).
import type { RuntimeContext } from './context.js';
import { create, type CreateOptions } from './create.js';
import { destroy } from './delete.js';
import { start } from './start.js';

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  keep?: boolean;
  /** called with the helper's pid so that the caller can forward signals to it */
  onForeground?: (helperPid: number) => void;
}

export async function run(ctx: RuntimeContext, id: string, opts: RunOptions = {}): Promise<number> {
  const created = await create(ctx, id, { ...opts, foreground: !opts.detach });
  try {
    await start(ctx, id);
  } catch (err) {
    await destroy(ctx, id, true).catch(() => {});
    throw err;
  }
  if (opts.detach) {
    created.session.detach();
    await created.session.exit;
    return 0;
  }
  if (created.session.child.pid) opts.onForeground?.(created.session.child.pid);
  const code = await created.session.exit;
  const late = await created.session.lateFailure;
  if (!opts.keep) await destroy(ctx, id, true);
  if (late) throw late;
  return code;
}
