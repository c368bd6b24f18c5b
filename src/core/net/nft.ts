// Outbound NAT for a bridge: one nftables table of Corral's own per bridge (inet
// corral_<bridge>), made whole on `net up` and deleted on `net down`; no other table or
// chain of the host is read or changed. An accept in our chains cannot override a drop in
// someone else's (nftables runs every base chain), so a host firewall that drops forwarded
// traffic still needs its own rule: we never edit it.
import { readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatPrefix } from './cidr.js';
import { subnetOf, type BridgeConfig } from './bridge.js';
import type { NetHost } from './host.js';

export const NFT_FAMILY = 'inet';

export function tableName(bridge: string): string {
  return `corral_${bridge.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** The whole table: deleted and made again in one transaction, so `net up` twice is no change. */
export function natRuleset(cfg: BridgeConfig, exists: boolean): string {
  const t = tableName(cfg.name);
  const net = formatPrefix(subnetOf(cfg, 4)!.prefix);
  const lines = [
    ...(exists ? [`delete table ${NFT_FAMILY} ${t}`] : []),
    `table ${NFT_FAMILY} ${t} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname "${cfg.name}" accept`,
    `    oifname "${cfg.name}" ct state related,established accept`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${net} ip daddr != ${net} masquerade`,
    '  }',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

export function applyNat(host: NetHost, cfg: BridgeConfig): void {
  const exists = host.nftHasTable(NFT_FAMILY, tableName(cfg.name));
  host.nft(natRuleset(cfg, exists), `NAT for bridge ${cfg.name}`);
}

export function removeNat(host: NetHost, bridge: string): void {
  if (host.nftHasTable(NFT_FAMILY, tableName(bridge))) host.nft(`delete table ${NFT_FAMILY} ${tableName(bridge)}\n`, `NAT for bridge ${bridge}`);
}

const FORWARD = '/proc/sys/net/ipv4/ip_forward';

/**
 * NAT needs IPv4 forwarding (as lxc-net sets it). The value found before the first NAT
 * bridge is kept in <run>/ip_forward.before and put back when the last one goes down.
 */
export function enableForwarding(runDir: string): void {
  const saved = join(runDir, 'ip_forward.before');
  const now = readFileSync(FORWARD, 'utf8').trim();
  if (!existsSync(saved)) writeFileSync(saved, now);
  if (now !== '1') writeFileSync(FORWARD, '1');
}

export function restoreForwarding(runDir: string): void {
  const saved = join(runDir, 'ip_forward.before');
  if (!existsSync(saved)) return;
  const before = readFileSync(saved, 'utf8').trim();
  if (before === '0' || before === '1') writeFileSync(FORWARD, before);
  rmSync(saved, { force: true });
}
