// A stored container's config, loaded and turned into what starting it needs.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { CgroupLayout } from '../runtime/cgroup/index.js';
import { CAPABILITIES } from '../runtime/spec/capabilities.js';
import type { Mount, Spec } from '../runtime/spec/types.js';
import { loadConfig, toOciSpec, type LaunchOptions, type LxcConfig, type OciResult } from './config/index.js';
import type { ContainerStore } from './store.js';

export interface LoadedContainer {
  config: LxcConfig;
  rootfs: string;
  oci: OciResult;
}

export function loadStored(store: ContainerStore, name: string): LxcConfig {
  store.mustExist(name);
  return loadConfig(store.configPath(name), { name });
}

export function rootfsOf(store: ContainerStore, name: string, config: LxcConfig): string {
  const r = config.rootfs;
  if (!r || r.backend !== 'dir') return store.defaultRootfs(name);
  return isAbsolute(r.path) ? r.path : join(store.dir(name), r.path);
}

/** `note` hears what is worth a debug line, not a warning (e.g. capabilities the host withholds). */
export function loadForStart(store: ContainerStore, name: string, layout: CgroupLayout, note: (msg: string) => void = () => {}): LoadedContainer {
  const config = loadStored(store, name);
  const rootfs = rootfsOf(store, name, config);
  const oci = toOciSpec(config, { name, rootfs, cgroupLayout: layout });
  oci.spec.mounts = dropMissingOptional(oci.spec, oci.launch, rootfs);
  limitToOwnCapabilities(oci.spec, note);
  return { config, rootfs, oci };
}

/**
 * LXC's capability model is "everything but lxc.cap.drop": everything this runtime holds.
 * A host that withholds some capabilities even from root (this one lacks CAP_SYS_RESOURCE)
 * cannot hand them on, so they are left out rather than failing capset().
 */
function limitToOwnCapabilities(spec: Spec, note: (msg: string) => void): void {
  const caps = spec.process?.capabilities;
  if (!caps) return;
  let own: bigint;
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!m) return;
    own = BigInt(`0x${m[1]}`);
  } catch {
    return;
  }
  const held = (name: string) => {
    const n = CAPABILITIES[name];
    return n !== undefined && ((own >> BigInt(n)) & 1n) === 1n;
  };
  const missing = new Set<string>();
  for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) {
    const list = caps[set];
    if (!list) continue;
    for (const c of list) if (!held(c)) missing.add(c);
    caps[set] = list.filter(held);
  }
  if (missing.size > 0) note(`this host withholds ${[...missing].join(', ')} from root: the container runs without ${missing.size === 1 ? 'it' : 'them'}`);
}

/** LXC's "optional" mounts are skipped when their source is missing. */
function dropMissingOptional(spec: Spec, launch: LaunchOptions, _rootfs: string): Mount[] {
  const optional = new Set(launch.optionalMounts);
  return (spec.mounts ?? []).filter((m) => {
    if (!optional.has(m.destination)) return true;
    const bind = (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
    return !bind || !m.source || !isAbsolute(m.source) || existsSync(m.source);
  });
}

/** Launch options for commands that only need them (stop: the halt signal). */
export function launchOf(store: ContainerStore, name: string): LaunchOptions {
  const config = loadStored(store, name);
  return toOciSpec(config, { name, rootfs: rootfsOf(store, name, config), cgroupLayout: 'v2' }).launch;
}
