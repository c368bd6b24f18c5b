// lxc-info: what LXC reports about a container, gathered from the kernel (cgroup files)
// and the runtime state. Network fields are filled in by the networking layer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupPaths } from '../runtime/cgroup/index.js';
import type { RuntimeContext } from '../runtime/context.js';
import { networkInfo, type NetworkInfo } from './net/info.js';
import { stateOf, type LxcState } from './state.js';

export interface ContainerInfo {
  name: string;
  state: LxcState;
  pid?: number;
  ips: string[];
  cpuNs?: number;
  blkioBytes?: number;
  memoryBytes?: number;
  kmemBytes?: number;
  /** the host end of the first veth; tx/rx: every interface but lo, as the container counts */
  link?: string;
  txBytes?: number;
  rxBytes?: number;
  interfaces?: { name: string; link?: string; txBytes: number; rxBytes: number }[];
}

function readNumber(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Kernel memory: v1 has a counter of its own; v2 reports it as "kernel" in memory.stat. */
function kmem(paths: CgroupPaths): number | undefined {
  const memDir = Object.entries(paths.dirs).find(([k]) => k.split(',').includes('memory'))?.[1];
  if (memDir) return readNumber(join(memDir, 'memory.kmem.usage_in_bytes'));
  if (!paths.unifiedDir) return undefined;
  try {
    const m = /^kernel (\d+)$/m.exec(readFileSync(join(paths.unifiedDir, 'memory.stat'), 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function containerInfo(ctx: RuntimeContext, name: string): Promise<ContainerInfo> {
  const view = await stateOf(ctx, name);
  const info: ContainerInfo = { name, state: view.state, ips: [] };
  if (view.state === 'STOPPED' || !view.record) return info;
  info.pid = view.pid;
  const paths = view.record.cgroup;
  if (paths) {
    const stats = await ctx.cgroups.stats(paths).catch(() => undefined);
    info.cpuNs = stats?.cpu?.usageNs;
    info.memoryBytes = stats?.memory?.usage;
    info.blkioBytes = stats?.blkio ? stats.blkio.readBytes + stats.blkio.writeBytes : undefined;
    info.kmemBytes = kmem(paths);
  }
  if (info.pid) addNetwork(info, networkInfo(ctx.store.root, name, info.pid));
  return info;
}

function addNetwork(info: ContainerInfo, net: NetworkInfo): void {
  info.ips = [...net.ipv4, ...net.ipv6];
  if (net.interfaces.length === 0) return;
  info.interfaces = net.interfaces;
  const link = net.interfaces.find((i) => i.link)?.link;
  if (link) info.link = link;
  info.txBytes = net.interfaces.reduce((n, i) => n + i.txBytes, 0);
  info.rxBytes = net.interfaces.reduce((n, i) => n + i.rxBytes, 0);
}

/** LXC's human units: "896.00 KiB", "1.50 MiB". */
export function humanBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(2)} ${units[i]}`;
}

export interface InfoFields {
  state?: boolean;
  pid?: boolean;
  ips?: boolean;
  stats?: boolean;
  raw?: boolean;
}

/** The text lxc-info prints: `Key:` padded to 16 columns; -H prints raw numbers. */
export function formatInfo(info: ContainerInfo, only: InfoFields): string {
  const all = !only.state && !only.pid && !only.ips && !only.stats;
  const lines: [string, string][] = [];
  const raw = only.raw === true;
  const put = (key: string, value: string | number | undefined) => {
    if (value !== undefined) lines.push([key, String(value)]);
  };
  if (only.pid && raw && !only.state && !only.ips && !only.stats) return info.pid !== undefined ? `${info.pid}\n` : '';
  if (all) put('Name', info.name);
  if (all || only.state) put('State', info.state);
  if (all || only.pid) put('PID', info.pid);
  if (all || only.ips) for (const ip of info.ips) put('IP', ip);
  if ((all || only.stats) && info.state !== 'STOPPED') {
    put('CPU use', info.cpuNs === undefined ? undefined : raw ? info.cpuNs : `${(info.cpuNs / 1e9).toFixed(2)} seconds`);
    put('BlkIO use', info.blkioBytes === undefined ? undefined : raw ? info.blkioBytes : humanBytes(info.blkioBytes));
    put('Memory use', info.memoryBytes === undefined ? undefined : raw ? info.memoryBytes : humanBytes(info.memoryBytes));
    put('KMem use', info.kmemBytes === undefined ? undefined : raw ? info.kmemBytes : humanBytes(info.kmemBytes));
    // as LXC: a Link block per interface, its counters indented under it
    const bytes = (n: number) => (raw ? n : humanBytes(n));
    for (const i of info.interfaces ?? []) {
      put('Link', i.link ?? i.name);
      put(' TX bytes', bytes(i.txBytes));
      put(' RX bytes', bytes(i.rxBytes));
      put(' Total bytes', bytes(i.txBytes + i.rxBytes));
    }
  }
  return lines.map(([k, v]) => `${`${k}:`.padEnd(16)}${v}\n`).join('');
}
