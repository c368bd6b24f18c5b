// Cross-field rules for sysctls and seccomp, following runc's validator.
import { statSync } from 'node:fs';
import { childPath, type Ctx } from './schema.js';
import type { Namespace, NamespaceType, Seccomp, Spec } from './types.js';

/** The IPC-namespaced sysctls (ipc/ipc_sysctl.c and ipc/mq_sysctl.c in the kernel). */
function isIpcSysctl(key: string): boolean {
  return /^kernel\.(shm|msg)/.test(key) || key === 'kernel.sem' || key.startsWith('kernel.sem_') || key.startsWith('fs.mqueue.');
}

/** True if `path` is the network namespace we run in: joining it gives no isolation, and
 *  net.* sysctls would then change the host. Unreadable paths are left to create to report. */
function isHostNetns(path: string): boolean {
  try {
    const a = statSync(path);
    const b = statSync('/proc/self/ns/net');
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

function sysctlProblem(key: string, spec: Spec, ns: Map<NamespaceType, Namespace>): string | undefined {
  if (isIpcSysctl(key)) return ns.has('ipc') ? undefined : 'requires an ipc namespace in linux.namespaces (it would change the host)';
  if (key.startsWith('net.')) {
    const net = ns.get('network');
    if (!net) return 'requires a network namespace in linux.namespaces (it would change the host)';
    if (net.path !== undefined && isHostNetns(net.path)) return 'cannot be set: the network namespace joined is the host one';
    return undefined;
  }
  if (key === 'kernel.hostname' || key === 'kernel.domainname') {
    if (!ns.has('uts')) return 'requires a uts namespace in linux.namespaces (it would change the host)';
    const field = key.slice('kernel.'.length) as 'hostname' | 'domainname';
    return spec[field] ? `conflicts with the "${field}" field; set only one` : undefined;
  }
  return 'is not namespaced: setting it would change the host for every container';
}

export function checkSysctl(spec: Spec, ns: Map<NamespaceType, Namespace>, ctx: Ctx): void {
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    // "kernel/msgmax" is the same sysctl as "kernel.msgmax" (runc accepts both forms).
    const problem = sysctlProblem(key.replace(/\//g, '.'), spec, ns);
    if (problem) ctx.issues.push({ path: childPath('$.linux.sysctl', key), message: `sysctl ${JSON.stringify(key)} ${problem}` });
  }
}

// errnoRet is the value returned to the process; only these actions return one.
const ERRNO_ACTIONS = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

function checkSyscalls(seccomp: Seccomp, ctx: Ctx): void {
  seccomp.syscalls?.forEach((rule, i) => {
    const at = `$.linux.seccomp.syscalls[${i}]`;
    if (rule.names.length === 0) ctx.issues.push({ path: `${at}.names`, message: 'must contain at least one syscall name' });
    rule.names.forEach((name, j) => {
      if (!/^[a-z0-9_]+$/.test(name)) ctx.issues.push({ path: `${at}.names[${j}]`, message: `invalid syscall name ${JSON.stringify(name)}` });
    });
    if (rule.errnoRet !== undefined && !ERRNO_ACTIONS.has(rule.action)) {
      ctx.issues.push({ path: `${at}.errnoRet`, message: `only valid with action SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${rule.action}` });
    }
    if (rule.action === 'SCMP_ACT_NOTIFY' && !seccomp.listenerPath) {
      ctx.issues.push({ path: `${at}.action`, message: 'SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath' });
    }
  });
}

export function checkSeccomp(spec: Spec, ctx: Ctx): void {
  const seccomp = spec.linux?.seccomp;
  if (!seccomp) return;
  if (seccomp.defaultErrnoRet !== undefined && !ERRNO_ACTIONS.has(seccomp.defaultAction)) {
    ctx.issues.push({
      path: '$.linux.seccomp.defaultErrnoRet',
      message: `only valid with defaultAction SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${seccomp.defaultAction}`,
    });
  }
  // Every syscall, including the ones the listener itself needs, would wait for a listener.
  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY') {
    ctx.issues.push({ path: '$.linux.seccomp.defaultAction', message: 'SCMP_ACT_NOTIFY cannot be the default action' });
  }
  checkSyscalls(seccomp, ctx);
}
