// The typed view of a container config, built by replaying the effective entries through
// the key table (keys.ts). Everything that maps to the OCI spec or to launch options is
// here; toOciSpec reads nothing else.
import type { SourcePos } from './errors.js';
import type { MountAuto } from './mount-auto.js';
import type { MountEntry } from './mount-entry.js';
import type { NetDevice } from './net.js';

export interface ConfigEntry {
  key: string;
  /** '' clears the key (and everything under it, for a prefix) */
  value: string;
  pos: SourcePos;
}

export interface IdMap {
  type: 'u' | 'g';
  containerId: number;
  hostId: number;
  range: number;
  pos: SourcePos;
}

export interface CgroupSetting {
  version: 1 | 2;
  /** controller file, e.g. memory.limit_in_bytes */
  key: string;
  value: string;
  pos: SourcePos;
}

export interface RootfsConfig {
  /** dir, overlay, loop, btrfs, ... ('dir' for a plain path) */
  backend: string;
  /** the value after "<backend>:" (for overlay "lower:upper") */
  path: string;
  /** lxc.rootfs.path as written, for LXC_ROOTFS_PATH */
  spec: string;
}

export const HOOK_TYPES = [
  'pre-start', 'pre-mount', 'mount', 'autodev', 'start-host', 'start', 'stop', 'post-stop', 'clone', 'destroy',
] as const;
export type HookType = (typeof HOOK_TYPES)[number];

export interface HookCommand {
  command: string;
  pos: SourcePos;
}

export interface Rlimit {
  soft: number;
  hard: number;
  pos: SourcePos;
}

export interface LxcConfig {
  /** the top-level config file (LXC_CONFIG_FILE), if read from a file */
  file?: string;
  /** the effective entries in order, after includes and clearing ('' values mark a clear) */
  entries: ConfigEntry[];
  /** keys that were set or cleared anywhere (to tell "not given" from "cleared") */
  touched: Set<string>;
  warnings: string[];

  utsName?: string;
  rootfs?: RootfsConfig;
  rootfsOptions: string[];
  rootfsMount?: string;
  mountAuto: MountAuto;
  /** lxc.mount.fstab lines, then lxc.mount.entry lines, in that order (as LXC mounts them) */
  fstabEntries: MountEntry[];
  mountEntries: MountEntry[];
  autodev: boolean;
  autodevTmpfsSize?: number;
  ttyMax: number;
  ttyDir?: string;
  ptyMax?: number;
  console: { path?: string; logfile?: string; size?: number; bufferSize?: number; rotate?: boolean };
  init: { cmd?: string[]; uid?: number; gid?: number; cwd?: string };
  executeCmd?: string[];
  environment: { name: string; value?: string; pos: SourcePos }[];
  capDrop: string[];
  /** undefined: no lxc.cap.keep; [] after "none" */
  capKeep?: string[];
  capPos?: SourcePos;
  cgroup: CgroupSetting[];
  cgroupDir?: string;
  prlimits: Map<string, Rlimit>;
  sysctl: Map<string, { value: string; pos: SourcePos }>;
  proc: Map<string, { value: string; pos: SourcePos }>;
  signals: { halt?: number; reboot?: number; stop?: number };
  seccompProfile?: string;
  noNewPrivs: boolean;
  idmaps: IdMap[];
  hooks: Map<HookType, HookCommand[]>;
  hookVersion: 0 | 1;
  start: { auto: boolean; delay: number; order: number };
  groups: string[];
  arch?: string;
  ephemeral: boolean;
  lsm: { apparmorProfile?: string; allowNesting?: boolean; selinuxContext?: string };
  log: { level?: number; file?: string };
  network: Map<number, NetDevice>;
}

export function emptyConfig(file?: string): LxcConfig {
  return {
    file,
    entries: [],
    touched: new Set(),
    warnings: [],
    rootfsOptions: [],
    mountAuto: {},
    fstabEntries: [],
    mountEntries: [],
    autodev: true,
    ttyMax: 0,
    console: {},
    init: {},
    environment: [],
    capDrop: [],
    cgroup: [],
    prlimits: new Map(),
    sysctl: new Map(),
    proc: new Map(),
    signals: {},
    noNewPrivs: false,
    idmaps: [],
    hooks: new Map(),
    hookVersion: 0,
    start: { auto: false, delay: 0, order: 0 },
    groups: [],
    ephemeral: false,
    lsm: {},
    log: {},
    network: new Map(),
  };
}
