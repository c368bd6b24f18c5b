// Shared plumbing of the `corral oci` commands: global flags -> a RuntimeContext.
import type { Command } from 'commander';
import { CorralError } from '../../util/errors.js';
import type { RuntimeContext } from '../../runtime/context.js';
import { logLine, setLogTarget } from '../output.js';

export interface GlobalOptions {
  root?: string;
  log?: string;
  logFormat?: string;
  debug?: boolean;
  systemdCgroup?: boolean;
}

export async function contextFor(cmd: Command): Promise<RuntimeContext> {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  if (g.systemdCgroup) {
    throw new CorralError('NOT_SUPPORTED', '--systemd-cgroup is not supported: Corral manages cgroupfs directly', {
      hint: 'configure the client for the cgroupfs cgroup manager (podman: --cgroup-manager=cgroupfs; containerd: SystemdCgroup = false)',
    });
  }
  const format = g.logFormat === 'json' ? 'json' : 'text';
  if (g.logFormat && g.logFormat !== 'json' && g.logFormat !== 'text') {
    throw new CorralError('INVALID_ARGUMENT', `--log-format "${g.logFormat}" is not text or json`);
  }
  setLogTarget({ file: g.log, format });
  const { RuntimeContext } = await import('../../runtime/context.js');
  return new RuntimeContext({ root: g.root, debug: g.debug, log: (level, msg) => logLine(level, msg) });
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Forward terminal signals to the helper so that they reach the container, not just us. */
export function forwardSignals(pid: number): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const) {
    process.on(sig, () => {
      try {
        process.kill(pid, sig);
      } catch {
        // helper already gone
      }
    });
  }
}
