// `checkconfig`: what this host supports for containers. Every area runs concurrently and
// every probe is bounded, so the whole report takes about as long as the slowest probe.
import { realHost } from './host.js';
import { loadKernelConfig, type ConfigLookup } from './kernel-config.js';
import { cgroupChecks, gatherCgroupFacts } from './probes-cgroups.js';
import { criuChecks } from './probes-criu.js';
import { namespaceChecks } from './probes-namespaces.js';
import { networkChecks } from './probes-network.js';
import { securityChecks } from './probes-security.js';
import { usernsChecks } from './probes-userns.js';
import type { CheckContext, CheckResult, Host } from './types.js';

export type { CheckResult, CheckStatus, Host, RunResult, Section } from './types.js';
export { exitCodeFor } from './report.js';

export interface RunChecksOptions {
  /** the seam for every file read and command run; the real host by default */
  host?: Host;
  /** false: judge the kernel config alone (--no-probes) */
  probes?: boolean;
}

function configCheck(lookup: ConfigLookup, host: Host, probes: boolean): CheckResult {
  const b = { id: 'kernel.config', section: 'kernel' as const, name: 'Kernel configuration', required: false };
  const { config } = lookup;
  if (!config) {
    const detail = `${lookup.error ?? `not found (looked at ${lookup.tried.join(', ')})`}${probes ? '; relying on live probes' : ''}`;
    return { ...b, status: 'warning', detail, hint: 'modprobe configs (for /proc/config.gz), or point at it: CONFIG=/path/to/config corral checkconfig' };
  }
  const other = config.version && !host.release.startsWith(config.version) ? `, for ${config.version}` : '';
  if (lookup.explicit && probes) {
    // live probes describe the running kernel, not the one $CONFIG may be about
    return { ...b, status: 'warning', detail: `${config.source}${other}`, hint: 'live probes still describe the running kernel; add --no-probes to judge this config alone' };
  }
  return { ...b, status: 'ok', detail: `${config.source}${other}` };
}

function kernelChecks(lookup: ConfigLookup, host: Host, probes: boolean): CheckResult[] {
  const root = host.uid === 0;
  return [
    { id: 'kernel.release', section: 'kernel', name: 'Kernel', required: false, status: 'ok', detail: host.release },
    configCheck(lookup, host, probes),
    root
      ? { id: 'kernel.user', section: 'kernel', name: 'Running as', required: false, status: 'ok', detail: 'root' }
      : { id: 'kernel.user', section: 'kernel', name: 'Running as', required: false, status: 'warning', detail: `uid ${host.uid}: probes ran inside a user namespace`, hint: 'privileged containers need root: run as root (sudo) for a conclusive answer' },
  ];
}

export async function runChecks(opts: RunChecksOptions = {}): Promise<CheckResult[]> {
  const host = opts.host ?? realHost();
  const probes = opts.probes ?? true;
  const lookup = await loadKernelConfig(host);
  const ctx: CheckContext = { host, config: lookup.config, probes };
  const facts = probes ? await gatherCgroupFacts(host) : undefined;
  const areas = await Promise.all([
    namespaceChecks(ctx),
    cgroupChecks(ctx, facts),
    networkChecks(ctx),
    securityChecks(ctx),
    usernsChecks(ctx, facts),
    criuChecks(ctx),
  ]);
  return [...kernelChecks(lookup, host, probes), ...areas.flat()];
}
