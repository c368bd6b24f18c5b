// The kernel build configuration: where to find it (as lxc-checkconfig looks) and what an
// option is set to. Only the tristate matters to us: y (built in), m (module), n.
import { gunzipSync } from 'node:zlib';
import type { Host } from './types.js';

export type ConfigState = 'y' | 'm' | 'n' | 'absent';

export interface KernelConfig {
  /** the file it came from */
  source: string;
  /** from the '# Linux/x86 6.1.0 Kernel Configuration' header, when present */
  version?: string;
  state(option: string): ConfigState;
  /** 'CONFIG_VETH=y', 'CONFIG_VLAN_8021Q is not set', 'CONFIG_FOO not in config' */
  describe(option: string): string;
}

const normalise = (option: string) => (option.startsWith('CONFIG_') ? option : `CONFIG_${option}`);

export function parseKernelConfig(text: string, source: string): KernelConfig {
  const values = new Map<string, string>();
  let version: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (set) {
      values.set(set[1]!, set[2]!.replace(/^"(.*)"$/, '$1'));
      continue;
    }
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset) values.set(unset[1]!, 'n');
    const header = /^# Linux\/\S+ (\S+) Kernel Configuration$/.exec(line);
    if (header) version = header[1];
  }
  const state = (option: string): ConfigState => {
    const v = values.get(normalise(option));
    if (v === undefined) return 'absent';
    // non-tristate options (numbers, strings) count as set: they exist only when enabled
    return v === 'm' ? 'm' : v === 'n' || v === '' ? 'n' : 'y';
  };
  const describe = (option: string): string => {
    const name = normalise(option);
    const v = values.get(name);
    if (v === undefined) return `${name} not in config`;
    return v === 'n' ? `${name} is not set` : `${name}=${v}`;
  };
  return { source, version, state, describe };
}

export interface ConfigLookup {
  config?: KernelConfig;
  /** every place looked at, in order */
  tried: string[];
  /** $CONFIG was given: the file describes the kernel the user asked about, maybe not this one */
  explicit: boolean;
  /** why the explicit file could not be used */
  error?: string;
}

function decode(data: Buffer): string {
  // /proc/config.gz and many distribution copies are gzip; the magic decides, not the name
  return data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data).toString('utf8') : data.toString('utf8');
}

/**
 * $CONFIG if set (and only it: falling back to the running kernel's config would answer a
 * question the user did not ask), else /proc/config.gz, /boot/config-$(uname -r) and the
 * installed headers' .config, as lxc-checkconfig does.
 */
export async function loadKernelConfig(host: Host): Promise<ConfigLookup> {
  const given = host.env.CONFIG;
  const paths = given ? [given] : ['/proc/config.gz', `/boot/config-${host.release}`, `/lib/modules/${host.release}/build/.config`];
  const tried: string[] = [];
  for (const path of paths) {
    tried.push(path);
    const data = await host.readFile(path);
    if (!data) continue;
    try {
      return { config: parseKernelConfig(decode(data), path), tried, explicit: Boolean(given) };
    } catch (e) {
      const error = `${path}: ${(e as Error).message}`;
      if (given) return { tried, explicit: true, error };
    }
  }
  return { tried, explicit: Boolean(given), error: given ? `CONFIG=${given}: not found or not readable` : undefined };
}
