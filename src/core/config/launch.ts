// What a container needs besides its OCI spec: the things the monitor and lifecycle code do
// themselves (ttys and console, stop signals, autostart, hooks LXC runs outside the
// runtime) and what is configured later (network, seccomp profile).
import type { Hook } from '../../runtime/spec/types.js';
import type { LxcConfig } from './model.js';
import type { NetDevice } from './net.js';
import { isSystemdInit, signalName, SYSTEMD_HALT } from './signals.js';

export interface LaunchOptions {
  /** lxc.tty.max: ptys the monitor makes and binds over ttyPaths */
  ttys: number;
  /** /dev/tty1../dev/ttyN (or /dev/<ttyDir>/ttyN, with /dev/ttyN symlinks, as LXC) */
  ttyPaths: string[];
  ttyDir?: string;
  /** lxc.pty.max; undefined when not set (devpts without a max=) */
  ptys?: number;
  /** lxc.console.path: a host device for the console, or 'none' for no console */
  consolePath?: string;
  consoleLogfile?: string;
  consoleLogSize?: number;
  consoleBufferSize?: number;
  consoleRotate: boolean;
  /** signal names in the forms runtime/signals.ts parseSignal accepts */
  haltSignal: string;
  rebootSignal: string;
  stopSignal: string;
  startAuto: boolean;
  startDelay: number;
  startOrder: number;
  groups: string[];
  arch?: string;
  ephemeral: boolean;
  /** lxc.seccomp.profile as written (LXC's seccomp policy format, compiled later) */
  seccompProfile?: string;
  /** lxc.execute.cmd, for lxc-execute */
  executeCmd?: string[];
  /** lxc.rootfs.path/options, for the storage layer that mounts the rootfs */
  rootfs?: { backend: string; path: string; options: string[] };
  /** hooks LXC runs outside start-up: stop (with namespace paths), clone, destroy */
  hooks: { stop: Hook[]; clone: Hook[]; destroy: Hook[] };
  /** destinations of "optional" mounts: drop them from the spec when their source is missing */
  optionalMounts: string[];
  /** paths under a read-only parent that LXC keeps writable (re-bind them read-write) */
  writablePaths: string[];
  /** lxc.net.*, in index order */
  network: NetDevice[];
  log: { level?: number; file?: string };
}

// LXC's defaults: SIGPWR (halt), SIGINT (reboot, like ctrl-alt-del), SIGKILL (stop).
const DEFAULT_HALT = 30;
const DEFAULT_REBOOT = 2;
const DEFAULT_STOP = 9;

/**
 * container_ttys for init, as LXC sets it: the ttys' names in the container's devpts
 * ("pts/1 pts/2 ..."), which is what systemd's getty generator starts container-getty@N
 * for (it ignores other names). The monitor's plan allocates /dev/console first (pts/0),
 * then tty1..N, in a devpts instance of the container's own.
 */
export function containerTtys(ttys: number, console: boolean): string {
  return Array.from({ length: ttys }, (_, i) => `pts/${console ? i + 1 : i}`).join(' ');
}

function ttyPaths(cfg: LxcConfig): string[] {
  return Array.from({ length: cfg.ttyMax }, (_, i) => (cfg.ttyDir ? `/dev/${cfg.ttyDir}/tty${i + 1}` : `/dev/tty${i + 1}`));
}

export function launchOptions(
  cfg: LxcConfig,
  extra: { rootfs: string; initCmd: string; hooks: LaunchOptions['hooks']; optionalMounts: string[]; writablePaths: string[] },
): LaunchOptions {
  const halt = cfg.signals.halt ?? (isSystemdInit(extra.rootfs, extra.initCmd) ? SYSTEMD_HALT : DEFAULT_HALT);
  const launch: LaunchOptions = {
    ttys: cfg.ttyMax,
    ttyPaths: ttyPaths(cfg),
    consoleRotate: cfg.console.rotate ?? false,
    haltSignal: signalName(halt),
    rebootSignal: signalName(cfg.signals.reboot ?? DEFAULT_REBOOT),
    stopSignal: signalName(cfg.signals.stop ?? DEFAULT_STOP),
    startAuto: cfg.start.auto,
    startDelay: cfg.start.delay,
    startOrder: cfg.start.order,
    groups: [...cfg.groups],
    ephemeral: cfg.ephemeral,
    hooks: extra.hooks,
    optionalMounts: extra.optionalMounts,
    writablePaths: extra.writablePaths,
    network: [...cfg.network.values()].sort((a, b) => a.index - b.index),
    log: { ...cfg.log },
  };
  if (cfg.ttyDir) launch.ttyDir = cfg.ttyDir;
  if (cfg.ptyMax !== undefined) launch.ptys = cfg.ptyMax;
  if (cfg.console.path) launch.consolePath = cfg.console.path;
  if (cfg.console.logfile) launch.consoleLogfile = cfg.console.logfile;
  if (cfg.console.size !== undefined) launch.consoleLogSize = cfg.console.size;
  if (cfg.console.bufferSize !== undefined) launch.consoleBufferSize = cfg.console.bufferSize;
  if (cfg.arch) launch.arch = cfg.arch;
  if (cfg.seccompProfile) launch.seccompProfile = cfg.seccompProfile;
  if (cfg.executeCmd) launch.executeCmd = [...cfg.executeCmd];
  if (cfg.rootfs) launch.rootfs = { backend: cfg.rootfs.backend, path: cfg.rootfs.path, options: [...cfg.rootfsOptions] };
  return launch;
}
