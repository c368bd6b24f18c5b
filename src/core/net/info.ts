// What `info` shows of a running container's network. Apart from the rest of the network
// layer so that a read-only command loads only this (no bridge, lease or dnsmasq code).
import { readlinkSync } from 'node:fs';
import { netPaths, type NetPaths } from './paths.js';
import { loadRecord } from './records.js';
import { containerNet, type InterfaceStats } from './stats.js';

function sameNetns(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync('/proc/self/ns/net');
  } catch {
    return false;
  }
}

export interface NetworkInfo {
  ipv4: string[];
  ipv6: string[];
  interfaces: (InterfaceStats & { link?: string })[];
}

/** A running container's addresses and counters as it sees them, with the host end of each veth. */
export function networkInfo(root: string, name: string, pid: number, env: { paths?: NetPaths } = {}): NetworkInfo {
  const net = containerNet(pid);
  // type none: the host's own interfaces are not the container's traffic
  if (sameNetns(pid)) return { ipv4: net.ipv4, ipv6: net.ipv6, interfaces: [] };
  const rec = loadRecord(env.paths ?? netPaths(), root, name);
  const interfaces = net.interfaces.map((i) => {
    const link = rec?.devices.find((d) => d.name === i.name)?.hostName;
    return link ? { ...i, link } : i;
  });
  return { ipv4: net.ipv4, ipv6: net.ipv6, interfaces };
}

