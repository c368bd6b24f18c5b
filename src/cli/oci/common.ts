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

/**
 * The log target first (runc's --log, --log-format), before anything can fail: containerd's
 * shim reads a failure back from the --log file only, usage errors and refusals included.
 */
export function applyLogTarget(opts: Values): void {
  setLogTarget({ file: typeof opts.log === 'string' ? opts.log : undefined, format: opts.logFormat === 'json' ? 'json' : 'text' });
}

export async function contextFor(opts: Values): Promise<RuntimeContext> {
  applyLogTarget(opts);
  const logFormat = String(opts.logFormat ?? 'text');
  if (logFormat !== 'json' && logFormat !== 'text') {
    throw new CorralError('INVALID_ARGUMENT', `--log-format "${logFormat}" is not text or json`);
  }
  if (opts.systemdCgroup) {
    throw new CorralError('NOT_SUPPORTED', '--systemd-cgroup is not supported: Corral manages cgroupfs directly', {
      hint: 'configure the client for the cgroupfs cgroup manager (podman: --cgroup-manager=cgroupfs; containerd: SystemdCgroup = false)',
    });
  }
  const { RuntimeContext } = await import('../../runtime/context.js');
  return new RuntimeContext({ root: opts.root as string, debug: opts.debug === true, log: (level, msg) => logLine(level, msg) });
}

export const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);
/** `--preserve-fds N`: a non-negative integer (runc's flag on create, run and exec). */
export function fdCount(v: Values[string]): number {
  const text = typeof v === 'string' ? v : '0';
  if (!/^\d+$/.test(text) || Number(text) > 1024) {
    throw new CorralError('INVALID_ARGUMENT', `--preserve-fds "${text}" is not a number of fds (0-1024)`);
  }
  return Number(text);
}

export const PRESERVE_FDS_OPTION = {
  flags: '--preserve-fds <n>',
  description: 'pass N more fds (3..3+N-1) to the container process, after stdio',
  default: '0',
};

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
