// The LXC container configuration layer: read (with includes and defaults), validate,
// edit and write back <lxcpath>/<name>/config, and turn it into an OCI spec.
export { ConfigError, type ConfigProblem, type SourcePos } from './errors.js';
export { loadConfig, parseConfig, type LoadOptions } from './load.js';
export { nodeFs, type ConfigFs } from './loader.js';
export { KEYS, lookupKey, type KeyDef, type KeyKind } from './keys.js';
export type { LxcConfig, ConfigEntry, IdMap, CgroupSetting, HookType } from './model.js';
export type { NetDevice, IpAddress, NetType } from './net.js';
export type { MountEntry } from './mount-entry.js';
export { toOciSpec, type ToOciOptions, type OciResult } from './to-oci.js';
export type { LaunchOptions } from './launch.js';
export type { CgroupLayout } from './cgroup-resources.js';
export { ConfigDocument } from './document.js';
export { memoryFs } from './memory-fs.js';
