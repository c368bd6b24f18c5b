// lxc.hook.* as OCI hooks. LXC runs a hook value through the shell with "NAME SECTION TYPE"
// appended (lxc.hook.version 0) or in the environment (version 1), plus LXC_* variables;
// the same arguments and variables are given here. A plain absolute path is executed
// directly; anything else goes through /bin/sh -c, as LXC's popen does.
import type { Hook, Hooks } from '../../runtime/spec/types.js';
import type { HookCommand, HookType, LxcConfig } from './model.js';

export interface HookContext {
  name: string;
  rootfs: string;
}

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function baseEnv(cfg: LxcConfig, ctx: HookContext): string[] {
  const env = [
    `LXC_NAME=${ctx.name}`,
    `LXC_ROOTFS_MOUNT=${ctx.rootfs}`,
    `LXC_ROOTFS_PATH=${cfg.rootfs?.spec ?? ctx.rootfs}`,
    'LXC_CGNS_AWARE=1',
    `LXC_HOOK_VERSION=${cfg.hookVersion}`,
    PATH,
  ];
  if (cfg.file) env.push(`LXC_CONFIG_FILE=${cfg.file}`);
  if (cfg.log.level !== undefined) env.push(`LXC_LOG_LEVEL=${cfg.log.level}`);
  if (cfg.console.path) env.push(`LXC_CONSOLE=${cfg.console.path}`);
  if (cfg.console.logfile) env.push(`LXC_CONSOLE_LOGPATH=${cfg.console.logfile}`);
  return env;
}

export function lxcHook(cfg: LxcConfig, ctx: HookContext, cmd: HookCommand, type: HookType): Hook {
  const env = [...baseEnv(cfg, ctx), `LXC_HOOK_TYPE=${type}`, 'LXC_HOOK_SECTION=lxc'];
  const extra = cfg.hookVersion === 0 ? [ctx.name, 'lxc', type] : [];
  if (/^\/[A-Za-z0-9_.+\/-]*$/.test(cmd.command)) return { path: cmd.command, args: [cmd.command, ...extra], env };
  const argv0 = cmd.command.trim().split(/\s+/)[0] ?? 'sh';
  return { path: '/bin/sh', args: ['/bin/sh', '-c', `${cmd.command} "$@"`, argv0, ...extra], env };
}

// Where each LXC hook runs, by OCI's nearest equivalent (same namespaces, same order).
const OCI_STAGE: Partial<Record<HookType, keyof Hooks>> = {
  'pre-start': 'createRuntime',
  'start-host': 'createRuntime',
  'pre-mount': 'createContainer',
  mount: 'createContainer',
  autodev: 'createContainer',
  start: 'startContainer',
  'post-stop': 'poststop',
};

/** OCI hooks in LXC's order; stop, clone and destroy are returned for the lifecycle code. */
export function buildHooks(cfg: LxcConfig, ctx: HookContext): { hooks: Hooks; launch: { stop: Hook[]; clone: Hook[]; destroy: Hook[] } } {
  const hooks: Hooks = {};
  const launch = { stop: [] as Hook[], clone: [] as Hook[], destroy: [] as Hook[] };
  for (const type of ['pre-start', 'start-host', 'pre-mount', 'mount', 'autodev', 'start', 'post-stop', 'stop', 'clone', 'destroy'] as const) {
    if (type === 'autodev' && !cfg.autodev) continue; // LXC runs it only with lxc.autodev = 1
    for (const cmd of cfg.hooks.get(type) ?? []) {
      const hook = lxcHook(cfg, ctx, cmd, type);
      const stage = OCI_STAGE[type];
      if (stage) (hooks[stage] ??= []).push(hook);
      else launch[type as 'stop' | 'clone' | 'destroy'].push(hook);
    }
  }
  return { hooks, launch };
}
