// A stored container's config, loaded and turned into what starting it needs.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { CgroupLayout } from '../runtime/cgroup/index.js';
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

export function loadForStart(store: ContainerStore, name: string, layout: CgroupLayout): LoadedContainer {
  const config = loadStored(store, name);
  const rootfs = rootfsOf(store, name, config);
  const oci = toOciSpec(config, { name, rootfs, cgroupLayout: layout });
  oci.spec.mounts = dropMissingOptional(oci.spec, oci.launch, rootfs);
  return { config, rootfs, oci };
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
