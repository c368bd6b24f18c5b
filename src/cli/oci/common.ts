// Shared plumbing of the `corral oci` commands: global flags -> a RuntimeContext.
import type { RuntimeContext } from '../../runtime/context.js';
import { CorralError } from '../../util/errors.js';
import type { OptionSpec, Values } from '../args.js';
import { logLine, setLogTarget } from '../output.js';

export const OCI_GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: '--root <dir>', description: 'state directory', default: '/run/corral/oci' },
  { flags: '--log <file>', description: 'append log lines (and errors) to this file' },
  { flags: '--log-format <format>', description: 'text or json', default: 'text' },
  { flags: '--debug', description: 'log every step of the native helper and phase timings' },
  { flags: '--systemd-cgroup', description: 'not supported: Corral drives cgroupfs directly' },
  { flags: '--rootless <value>', description: 'accepted for runc compatibility (auto|true|false)' },
  { flags: '--criu <path>', description: 'accepted for runc compatibility (checkpointing is not supported)' },
  { flags: '-v, --version', description: 'print the version' },
];

export async function contextFor(opts: Values): Promise<RuntimeContext> {
  if (opts.systemdCgroup) {
    throw new CorralError('NOT_SUPPORTED', '--systemd-cgroup is not supported: Corral manages cgroupfs directly', {
      hint: 'configure the client for the cgroupfs cgroup manager (podman: --cgroup-manager=cgroupfs; containerd: SystemdCgroup = false)',
    });
  }
  const logFormat = String(opts.logFormat ?? 'text');
  if (logFormat !== 'json' && logFormat !== 'text') {
    throw new CorralError('INVALID_ARGUMENT', `--log-format "${logFormat}" is not text or json`);
  }
  setLogTarget({ file: opts.log as string | undefined, format: logFormat });
  const { RuntimeContext } = await import('../../runtime/context.js');
  return new RuntimeContext({ root: opts.root as string, debug: opts.debug === true, log: (level, msg) => logLine(level, msg) });
}

export const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);
export const list = (v: Values[string]): string[] | undefined => (Array.isArray(v) ? v : undefined);

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
