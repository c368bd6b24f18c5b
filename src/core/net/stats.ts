// What a running container's network looks like from inside, read from /proc/<init>/net
// (the files describe the namespace of that process): its addresses (fib_trie, if_inet6)
// and per-interface byte counters (dev). No process is spawned: `ls --fancy` reads this for
// every running container.
import { readFileSync } from 'node:fs';

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  txBytes: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** /proc/net/dev: "  eth0: rxbytes packets ... (8 rx fields) txbytes ..." */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out.push({ name: m[1]!, rxBytes: f[0] ?? 0, txBytes: f[8] ?? 0 });
  }
  return out;
}

/** Local IPv4 addresses from /proc/net/fib_trie ("/32 host LOCAL" leaves), loopback left out. */
export function parseFibTrie(text: string): string[] {
  const out = new Set<string>();
  let last: string | undefined;
  // the trie is printed for the local table and the main table: addresses repeat
  for (const line of text.split('\n')) {
    const m = /\|--\s+(\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (m) last = m[1];
    else if (last && /\/32 host LOCAL/.test(line) && !last.startsWith('127.')) out.add(last);
  }
  return [...out];
}

/** /proc/net/if_inet6: "<32 hex> <ifindex> <prefix> <scope> <flags> <name>"; global scope only. */
export function parseIfInet6(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[3] !== '00' || f[5] === 'lo') continue;
    const groups = f[0]!.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
    out.push(compress(groups));
  }
  return out;
}

function compress(groups: string[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

export interface ContainerNet {
  ipv4: string[];
  ipv6: string[];
  interfaces: InterfaceStats[];
}

/** The network of the process pid's namespace; empty when it cannot be read (gone meanwhile). */
export function containerNet(pid: number): ContainerNet {
  const dev = read(`/proc/${pid}/net/dev`);
  return {
    ipv4: parseFibTrie(read(`/proc/${pid}/net/fib_trie`) ?? ''),
    ipv6: parseIfInet6(read(`/proc/${pid}/net/if_inet6`) ?? ''),
    interfaces: dev ? parseNetDev(dev).filter((i) => i.name !== 'lo') : [],
  };
}
