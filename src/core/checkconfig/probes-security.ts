// Security: seccomp filtering (the kernel must accept a filter program; Corral and LXC load
// one into every container) and which LSM is active. An absent AppArmor or SELinux is a
// fact to report, not an error: containers run fine without, just without that layer.
import { judge, type CheckContext, type CheckResult, type Feature, type Host, type ProbeOutcome } from './types.js';

const SECCOMP: Feature = {
  id: 'security.seccomp', section: 'security', name: 'Seccomp filter', required: true, options: ['CONFIG_SECCOMP', 'CONFIG_SECCOMP_FILTER'],
  hint: 'rebuild the kernel with CONFIG_SECCOMP=y and CONFIG_SECCOMP_FILTER=y (the container profile is a seccomp filter)',
};

const text = async (host: Host, path: string) => (await host.readFile(path))?.toString('utf8');

/**
 * /proc/self/status has 'Seccomp:' only with CONFIG_SECCOMP and 'Seccomp_filters:' only
 * with CONFIG_SECCOMP_FILTER (Linux >= 5.9), so it is a live answer without loading a filter.
 */
export function seccompFromStatus(status: string | undefined): ProbeOutcome | undefined {
  if (!status) return undefined;
  const mode = /^Seccomp:\s*(\d+)/m.exec(status)?.[1];
  if (mode === undefined) return { kind: 'fail', why: 'no Seccomp field in /proc/self/status (kernel without CONFIG_SECCOMP)' };
  const filters = /^Seccomp_filters:\s*(\d+)/m.exec(status)?.[1];
  // mode 2 = this process already runs under a filter (we are inside a container or a sandbox)
  const note = mode === '2' ? `this process is already filtered (${filters ?? '?'} filters); nesting is allowed` : undefined;
  if (filters !== undefined || mode === '2') return note ? { kind: 'ok', note } : { kind: 'ok' };
  return undefined;
}

async function seccompCheck(ctx: CheckContext): Promise<CheckResult> {
  if (!ctx.probes) return judge(SECCOMP, ctx.config);
  let probe = seccompFromStatus(await text(ctx.host, '/proc/self/status'));
  // before 5.9 there is no Seccomp_filters line; the filter sysctls exist with the option
  if (!probe && (await ctx.host.readFile('/proc/sys/kernel/seccomp/actions_avail'))) probe = { kind: 'ok' };
  return judge(SECCOMP, ctx.config, probe);
}

async function apparmorCheck(ctx: CheckContext): Promise<CheckResult> {
  const base = { id: 'security.apparmor', section: 'security' as const, name: 'AppArmor', required: false };
  if (!ctx.probes) return { ...base, status: 'ok', detail: `not probed (${ctx.config?.describe('CONFIG_SECURITY_APPARMOR') ?? 'no kernel config'})` };
  const enabled = (await text(ctx.host, '/sys/module/apparmor/parameters/enabled'))?.trim();
  if (enabled === 'Y') {
    const profiles = await ctx.host.stat('/sys/kernel/security/apparmor');
    return { ...base, status: 'ok', detail: profiles ? 'active' : 'active (securityfs not mounted: profiles cannot be loaded)' };
  }
  return { ...base, status: 'ok', detail: `not active${builtNote(ctx, 'CONFIG_SECURITY_APPARMOR')}` };
}

async function selinuxCheck(ctx: CheckContext): Promise<CheckResult> {
  const base = { id: 'security.selinux', section: 'security' as const, name: 'SELinux', required: false };
  if (!ctx.probes) return { ...base, status: 'ok', detail: `not probed (${ctx.config?.describe('CONFIG_SECURITY_SELINUX') ?? 'no kernel config'})` };
  const enforce = (await text(ctx.host, '/sys/fs/selinux/enforce'))?.trim();
  if (enforce !== undefined) return { ...base, status: 'ok', detail: `active (${enforce === '1' ? 'enforcing' : 'permissive'})` };
  return { ...base, status: 'ok', detail: `not active${builtNote(ctx, 'CONFIG_SECURITY_SELINUX')}` };
}

/** 'built into the kernel but not enabled at boot' tells the user why the option alone is not enough. */
function builtNote(ctx: CheckContext, option: string): string {
  const s = ctx.config?.state(option);
  return s === 'y' ? ' (built into the kernel, not enabled at boot)' : '';
}

export async function securityChecks(ctx: CheckContext): Promise<CheckResult[]> {
  return Promise.all([seccompCheck(ctx), apparmorCheck(ctx), selinuxCheck(ctx)]);
}
