// Checkpoint/restore: the kernel options CRIU relies on, and whether criu itself works.
// criu's own `check` is the only honest answer (it fails on kernels whose vDSO or features
// it does not understand even when every option is set), so it is run, never assumed.
import { judge, reason, result, type CheckContext, type CheckResult, type Feature } from './types.js';

const OPTIONS = ['CONFIG_CHECKPOINT_RESTORE', 'CONFIG_FHANDLE', 'CONFIG_EVENTFD', 'CONFIG_EPOLL', 'CONFIG_UNIX_DIAG', 'CONFIG_INET_DIAG', 'CONFIG_PACKET_DIAG', 'CONFIG_NETLINK_DIAG'];

const KERNEL: Feature = {
  id: 'criu.kernel', section: 'checkpoint', name: 'Checkpoint/restore kernel options', required: false, options: OPTIONS,
  hint: `rebuild the kernel with ${OPTIONS.join(', ')} (only for lxc-checkpoint)`,
};

/** criu prints 'Error (file.c:NN): why' lines; the first and last say what broke and what it meant. */
export function criuReason(stderr: string): string | undefined {
  const errors = stderr.split('\n').map((l) => /^Error \([^)]*\): (.*)$/.exec(l.trim())?.[1]).filter((l): l is string => Boolean(l) && !/^exited, status/.test(l!));
  if (errors.length === 0) return undefined;
  return errors.length === 1 ? errors[0] : `${errors[0]}; ${errors.at(-1)}`;
}

async function criuCheck(ctx: CheckContext): Promise<CheckResult> {
  const b = { id: 'criu.tool', section: 'checkpoint' as const, name: 'criu', required: false };
  const criu = await ctx.host.which('criu');
  if (!criu) return result({ ...b, status: 'missing', detail: 'not installed' }, 'apt-get install criu (only for lxc-checkpoint)');
  if (ctx.host.uid !== 0) return result({ ...b, status: 'unknown', detail: `installed (${criu}); criu check needs root` }, 'run as root to know whether it works');
  const r = await ctx.host.run(criu, ['check']);
  if (r.code === 0) return { ...b, status: 'ok', detail: `works (${criu})` };
  if (r.timedOut) return result({ ...b, status: 'unknown', detail: 'installed; criu check timed out' }, 'run criu check by hand');
  return result({ ...b, status: 'missing', detail: `installed but not working: ${criuReason(r.stderr) ?? reason(r)}` }, 'criu does not support this kernel: try a newer criu (criu check --all shows what fails)');
}

export async function criuChecks(ctx: CheckContext): Promise<CheckResult[]> {
  return [judge(KERNEL, ctx.config), ...(ctx.probes ? [await criuCheck(ctx)] : [])];
}
