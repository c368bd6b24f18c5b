// The network a new container gets, as LXC's default.conf gives one: when nothing in the
// global defaults, the -f file or the template says lxc.net.*, one veth on Corral's bridge.
// `lxc.net.0.type = empty` in the defaults (or -f) makes containers without a network.
// hwaddr patterns are filled in here, once, so a container keeps its MAC (and with it its
// DHCP lease) for life, as LXC does when it writes a new container's config.
import { fillHwaddr } from './plan.js';
import { defaultBridge } from './paths.js';

const NET_KEY = /^\s*lxc\.net(work)?[.\s=]/m;
const HWADDR = /^(\s*lxc\.net\.\d+\.hwaddr\s*=\s*)([0-9a-fA-Fx:]+)(\s*)$/gm;

export function defaultNetworkLines(bridge: string): string[] {
  return [
    "# Corral's default network (no lxc.net.* in the defaults, -f file or template)",
    'lxc.net.0.type = veth',
    `lxc.net.0.link = ${bridge}`,
    'lxc.net.0.flags = up',
    `lxc.net.0.hwaddr = ${fillHwaddr('00:16:3e:xx:xx:xx')}`,
  ];
}

export function withDefaultNetwork(config: string, bridge = defaultBridge()): string {
  let text = config.replace(HWADDR, (_, key: string, value: string, tail: string) => `${key}${/x/i.test(value) ? fillHwaddr(value) : value}${tail}`);
  if (!NET_KEY.test(text)) text = `${text.replace(/\n*$/, '\n')}${defaultNetworkLines(bridge).join('\n')}\n`;
  return text;
}
