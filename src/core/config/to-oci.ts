// An LXC container config -> the OCI spec of a system container as LXC would make it, plus
// the launch options OCI has no place for. Pure apart from one look into the rootfs (is
// init systemd?), so unit tests can compare whole specs.
import { DEFAULT_OCI_VERSION } from '../../runtime/spec/default.js';
import type { Linux, Namespace, Spec } from '../../runtime/spec/types.js';
import { cgroupResources, type CgroupLayout } from './cgroup-resources.js';
import { Problems } from './errors.js';
import { mapsId, toOciMappings } from './idmap.js';
import { ARCHES_32 } from './key-values.js';
import { launchOptions, type LaunchOptions } from './launch.js';
import type { LxcConfig } from './model.js';
import { buildHooks } from './oci-hooks.js';
import { buildMounts } from './oci-mounts.js';
import { buildProcess } from './oci-process.js';
import { hostname } from './values.js';
import { seccompFor } from '../seccomp/profile.js';
import type { LxcHostArch } from '../seccomp/lxc-format.js';
import { CorralError } from '../../util/errors.js';

export interface ToOciOptions {
  /** the container's name: default hostname, LXC_NAME of hooks, cgroup leaf */
  name: string;
  /** the rootfs as mounted on the host (root.path) */
  rootfs: string;
  cgroupLayout: CgroupLayout;
  /** where lxc.environment = NAME takes its value; process.env by default */
  hostEnv?: Record<string, string | undefined>;
  /** how lxc.seccomp.profile is read (fs.readFileSync by default) and for which host */
  readFile?: (path: string) => string;
  hostArch?: LxcHostArch;
}

export interface OciResult {
  spec: Spec;
  launch: LaunchOptions;
  /** the config's own warnings (cfg.warnings) and those of the conversion */
  warnings: string[];
}

function namespaces(cfg: LxcConfig): Namespace[] {
  const hostNet = [...cfg.network.values()].some((d) => d.type === 'none');
  const types: Namespace['type'][] = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'];
  if (cfg.idmaps.length > 0) types.push('user');
  return types.filter((t) => !(t === 'network' && hostNet)).map((type) => ({ type }));
}

function buildLinux(cfg: LxcConfig, opts: ToOciOptions, problems: Problems): Linux {
  const linux: Linux = { namespaces: namespaces(cfg), resources: cgroupResources(cfg, opts.cgroupLayout, problems) };
  if (cfg.idmaps.length > 0) {
    linux.uidMappings = toOciMappings(cfg.idmaps, 'u');
    linux.gidMappings = toOciMappings(cfg.idmaps, 'g');
  }
  if (cfg.sysctl.size > 0) linux.sysctl = Object.fromEntries([...cfg.sysctl].map(([k, s]) => [k, s.value]));
  if (cfg.cgroupDir) linux.cgroupsPath = `${cfg.cgroupDir.replace(/\/+$/, '')}/${opts.name}`;
  if (cfg.arch && (ARCHES_32 as readonly string[]).includes(cfg.arch)) linux.personality = { domain: 'LINUX32' };
  try {
    const seccomp = seccompFor(cfg.seccompProfile, { userNamespace: cfg.idmaps.length > 0, readFile: opts.readFile, hostArch: opts.hostArch });
    if (seccomp) linux.seccomp = seccomp;
  } catch (err) {
    if (!(err instanceof CorralError)) throw err;
    problems.add(undefined, 'lxc.seccomp.profile', err.message, err.hint);
  }
  return linux;
}

function containerHostname(cfg: LxcConfig, name: string, problems: Problems): string {
  if (cfg.utsName) return cfg.utsName;
  try {
    return hostname(name);
  } catch (err) {
    problems.addError(undefined, 'lxc.uts.name', err);
    return name;
  }
}

/** Throws a ConfigError listing every problem (e.g. a cgroup key the host layout cannot take). */
export function toOciSpec(config: LxcConfig, opts: ToOciOptions): OciResult {
  const problems = new Problems();
  const proc = buildProcess(config, opts.hostEnv ?? process.env, problems);
  const caps = proc.capabilities?.bounding ?? [];
  const ownNetns = ![...config.network.values()].some((d) => d.type === 'none');
  const gids = config.idmaps.filter((m) => m.type === 'g');
  const mounts = buildMounts(config, { rootfs: opts.rootfs, caps, ownNetns, ttyGidMapped: gids.length === 0 || mapsId(gids, 5) }, problems);
  const linux = buildLinux(config, opts, problems);
  linux.maskedPaths = mounts.maskedPaths;
  linux.readonlyPaths = mounts.readonlyPaths;
  const { hooks, launch: laterHooks } = buildHooks(config, { name: opts.name, rootfs: opts.rootfs });
  const spec: Spec = {
    ociVersion: DEFAULT_OCI_VERSION,
    process: proc,
    root: config.rootfsOptions.includes('ro') ? { path: opts.rootfs, readonly: true } : { path: opts.rootfs },
    hostname: containerHostname(config, opts.name, problems),
    mounts: mounts.mounts,
    linux,
  };
  if (Object.keys(hooks).length > 0) spec.hooks = hooks;
  problems.throwIfAny(opts.name);
  const launch = launchOptions(config, {
    rootfs: opts.rootfs,
    initCmd: proc.args?.[0] ?? '/sbin/init',
    hooks: laterHooks,
    optionalMounts: mounts.optionalMounts,
    writablePaths: mounts.writablePaths,
  });
  return { spec, launch, warnings: [...config.warnings, ...problems.warnings] };
}
