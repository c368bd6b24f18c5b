// process.* of a system container: init, its environment, identity, capabilities (LXC's
// model: everything but lxc.cap.drop, or exactly lxc.cap.keep) and rlimits.
import { CAPABILITY_NAMES } from '../../runtime/spec/capabilities.js';
import type { Process, Rlimit } from '../../runtime/spec/types.js';
import type { Problems } from './errors.js';
import type { LxcConfig } from './model.js';

/** /usr/share/lxc/config/common.conf: dropped when a config says nothing about capabilities. */
export const DEFAULT_CAP_DROP = ['CAP_MAC_ADMIN', 'CAP_MAC_OVERRIDE', 'CAP_SYS_TIME', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO'];

export const DEFAULT_INIT = ['/sbin/init'];

// LXC execs init with a cleared environment and container=lxc; a PATH is added so that a
// relative lxc.init.cmd resolves (LXC relies on execvp's built-in default for that).
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The capability set of init, in capability-number order. */
export function capabilitySet(cfg: LxcConfig): string[] {
  if (cfg.capKeep !== undefined) return CAPABILITY_NAMES.filter((c) => cfg.capKeep!.includes(c));
  const given = cfg.touched.has('lxc.cap.drop') || cfg.touched.has('lxc.cap.keep');
  const drop = given ? cfg.capDrop : DEFAULT_CAP_DROP;
  return CAPABILITY_NAMES.filter((c) => !drop.includes(c));
}

function environment(cfg: LxcConfig, hostEnv: Record<string, string | undefined>, problems: Problems): string[] {
  const env = new Map<string, string>([['container', 'lxc'], ['PATH', DEFAULT_PATH]]);
  for (const e of cfg.environment) {
    const value = e.value ?? hostEnv[e.name];
    if (value === undefined) problems.warn(e.pos, 'lxc.environment', `${e.name} is not set on the host; not passed`);
    else env.set(e.name, value);
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}

function rlimits(cfg: LxcConfig): Rlimit[] {
  return [...cfg.prlimits].map(([name, l]) => ({ type: `RLIMIT_${name.toUpperCase()}`, soft: l.soft, hard: l.hard }));
}

export function buildProcess(cfg: LxcConfig, hostEnv: Record<string, string | undefined>, problems: Problems): Process {
  const caps = capabilitySet(cfg);
  const proc: Process = {
    terminal: false, // the monitor owns the console and ttys
    user: { uid: cfg.init.uid ?? 0, gid: cfg.init.gid ?? 0 },
    args: [...(cfg.init.cmd ?? DEFAULT_INIT)],
    env: environment(cfg, hostEnv, problems),
    cwd: cfg.init.cwd ?? '/',
    capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps], inheritable: [], ambient: [] },
  };
  const limits = rlimits(cfg);
  if (limits.length > 0) proc.rlimits = limits;
  if (cfg.noNewPrivs) proc.noNewPrivileges = true;
  const oom = cfg.proc.get('oom_score_adj');
  if (oom) proc.oomScoreAdj = Number(oom.value);
  return proc;
}
