import { readFileSync } from 'node:fs';
import type { CommandSpec, Values } from '../args.js';
import { contextFor, str } from './common.js';

export const command: CommandSpec = {
  name: 'update',
  summary: 'change the resource limits of a running container',
  args: [{ name: 'id', description: 'container id' }],
  options: [
    { flags: '-r, --resources <file>', description: 'OCI linux.resources JSON (- for standard input)' },
    { flags: '-m, --memory <bytes>', description: 'memory limit' },
    { flags: '--memory-reservation <bytes>', description: 'memory soft limit' },
    { flags: '--memory-swap <bytes>', description: 'memory plus swap limit' },
    { flags: '--pids-limit <n>', description: 'maximum number of processes' },
    { flags: '--cpu-shares <n>', description: 'relative CPU weight' },
    { flags: '--cpu-quota <us>', description: 'CPU time per period, microseconds' },
    { flags: '--cpu-period <us>', description: 'CPU period, microseconds' },
    { flags: '--cpuset-cpus <list>', description: 'CPUs allowed, e.g. 0-1' },
    { flags: '--cpuset-mems <list>', description: 'memory nodes allowed' },
  ],
  async run(args, o) {
    const ctx = await contextFor(o);
    const { update } = await import('../../runtime/update.js');
    await update(ctx, String(args.id), await resourcesFrom(o));
  },
};

async function resourcesFrom(o: Values): Promise<Record<string, Record<string, unknown>>> {
  const { CorralError } = await import('../../util/errors.js');
  let r: Record<string, Record<string, unknown>> = {};
  const file = str(o.resources);
  if (file) {
    const { parseJson } = await import('../../runtime/spec/json.js');
    r = parseJson(readFileSync(file === '-' ? 0 : file, 'utf8'), file === '-' ? 'standard input' : file) as typeof r;
  }
  const num = (flag: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new CorralError('INVALID_ARGUMENT', `--${flag} "${String(v)}" is not an integer`);
    return n;
  };
  const bytes = (flag: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const m = /^(-?\d+)\s*([kmgt]?)i?b?$/i.exec(String(v));
    if (!m) throw new CorralError('INVALID_ARGUMENT', `--${flag} "${String(v)}" is not a size`, { hint: 'bytes, or with a unit: 512k, 256M, 2G' });
    return Number(m[1]) * 1024 ** 'bkmgt'.indexOf((m[2] || 'b').toLowerCase());
  };
  const set = (group: string, key: string, value: unknown) => {
    if (value !== undefined) r[group] = { ...(r[group] ?? {}), [key]: value };
  };
  set('memory', 'limit', bytes('memory', o.memory));
  set('memory', 'reservation', bytes('memory-reservation', o.memoryReservation));
  set('memory', 'swap', bytes('memory-swap', o.memorySwap));
  set('pids', 'limit', num('pids-limit', o.pidsLimit));
  set('cpu', 'shares', num('cpu-shares', o.cpuShares));
  set('cpu', 'quota', num('cpu-quota', o.cpuQuota));
  set('cpu', 'period', num('cpu-period', o.cpuPeriod));
  set('cpu', 'cpus', str(o.cpusetCpus));
  set('cpu', 'mems', str(o.cpusetMems));
  if (Object.keys(r).length === 0) throw new CorralError('INVALID_ARGUMENT', 'nothing to update', { hint: 'give --resources FILE or a limit such as --memory 256M' });
  return r;
}
