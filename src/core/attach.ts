// lxc-attach: a process in all of a running container's namespaces and its cgroup, with
// its capabilities, rlimits and seccomp filter. Interactive use gets a new pty proxied to
// the terminal (never the host's terminal itself: TIOCSTI).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeContext } from '../runtime/context.js';
import { exec } from '../runtime/exec.js';
import type { Spec } from '../runtime/spec/types.js';
import { CorralError } from '../util/errors.js';
import { stateOf } from './state.js';

export interface AttachOptions {
  command: string[];
  /** LXC: keep-env (the caller's environment) is its default; ours is the container's */
  envMode: 'container' | 'keep' | 'clear';
  keepVars: string[];
  setVars: string[];
  uid?: number;
  gid?: number;
  tty: boolean;
  onForeground?: (helperPid: number) => void;
}

interface PasswdEntry {
  home: string;
  shell: string;
}

function passwdEntry(rootfs: string, uid: number): PasswdEntry | undefined {
  try {
    for (const line of readFileSync(join(rootfs, 'etc/passwd'), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 7 && Number(f[2]) === uid) return { home: f[5] || '/', shell: f[6] || '/bin/sh' };
    }
  } catch {
    // an image without /etc/passwd: defaults below
  }
  return undefined;
}

function environment(spec: Spec, opts: AttachOptions, home: string): string[] {
  const host = process.env;
  const base =
    opts.envMode === 'keep'
      ? Object.entries(host).map(([k, v]) => `${k}=${v ?? ''}`)
      : opts.envMode === 'clear'
        ? []
        : [...(spec.process?.env ?? []), `HOME=${home}`];
  const env = new Map(base.map((e) => [e.slice(0, e.indexOf('=')), e]));
  env.set('container', 'container=lxc');
  if (opts.envMode !== 'clear' && host.TERM && !env.has('TERM')) env.set('TERM', `TERM=${host.TERM}`);
  for (const k of opts.keepVars) if (host[k] !== undefined) env.set(k, `${k}=${host[k]}`);
  for (const kv of opts.setVars) {
    if (!kv.includes('=')) throw new CorralError('INVALID_ARGUMENT', `-v ${kv}: expected VAR=VALUE`);
    env.set(kv.slice(0, kv.indexOf('=')), kv);
  }
  return [...env.values()];
}

export async function attachContainer(ctx: RuntimeContext, name: string, opts: AttachOptions): Promise<number> {
  const view = await stateOf(ctx, name);
  if (view.state !== 'RUNNING' || !view.record) {
    throw new CorralError('BAD_STATE', `container "${name}" is ${view.state.toLowerCase()}, not running`, { hint: `start it: corral start -n ${name}` });
  }
  const spec = JSON.parse(readFileSync(view.record.configPath, 'utf8')) as Spec;
  const uid = opts.uid ?? spec.process?.user.uid ?? 0;
  const gid = opts.gid ?? (opts.uid !== undefined ? opts.uid : (spec.process?.user.gid ?? 0));
  const pw = passwdEntry(view.record.rootfs, uid);
  const command = opts.command.length > 0 ? opts.command : [pw?.shell ?? '/bin/sh'];
  const result = await exec(ctx, name, {
    args: command,
    env: environment(spec, opts, pw?.home ?? '/'),
    replaceEnv: true,
    user: `${uid}:${gid}`,
    cwd: pw?.home && pw.home !== '/nonexistent' ? pw.home : '/',
    tty: opts.tty,
    onForeground: opts.onForeground,
  });
  return result.exitCode ?? 0;
}
