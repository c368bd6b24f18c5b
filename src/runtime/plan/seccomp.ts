// OCI seccomp -> SECCOMP_* plan ops with libseccomp's numeric action and operator values.
import type { Seccomp } from '../spec/types.js';
import { CorralError } from '../../util/errors.js';
import type { PlanOp } from './ops.js';

const EPERM = 1;

const CMP: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** libseccomp's SCMP_ACT_* encoding (seccomp.h). */
export function seccompAction(action: string, errnoRet: number | undefined): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0;
    case 'SCMP_ACT_KILL_PROCESS':
      return 0x80000000;
    case 'SCMP_ACT_TRAP':
      return 0x00030000;
    case 'SCMP_ACT_ERRNO':
      return 0x00050000 | ((errnoRet ?? EPERM) & 0xffff);
    case 'SCMP_ACT_TRACE':
      return 0x7ff00000 | ((errnoRet ?? EPERM) & 0xffff);
    case 'SCMP_ACT_LOG':
      return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW':
      return 0x7fff0000;
    default:
      throw new CorralError('NOT_SUPPORTED', `seccomp action ${action} is not supported`, {
        hint: 'SCMP_ACT_NOTIFY needs a seccomp agent (listenerPath), which Corral does not implement yet',
      });
  }
}

export function seccompArchName(arch: string): string {
  return arch.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

export function seccompOps(seccomp: Seccomp | undefined): PlanOp[] {
  if (!seccomp) return [];
  const defaultAction = seccompAction(seccomp.defaultAction, seccomp.defaultErrnoRet);
  const ops: PlanOp[] = [{ op: 'SECCOMP_INIT', args: [defaultAction] }];
  for (const arch of seccomp.architectures ?? []) ops.push({ op: 'SECCOMP_ARCH', args: [seccompArchName(arch)] });
  for (const rule of seccomp.syscalls ?? []) {
    const action = seccompAction(rule.action, rule.errnoRet);
    const args = (rule.args ?? []).flatMap((a) => [a.index, CMP[a.op] ?? 4, BigInt(a.value), BigInt(a.valueTwo ?? 0)]);
    for (const name of rule.names) {
      ops.push({ op: 'SECCOMP_RULE', args: [name, action, (rule.args ?? []).length, ...args] });
    }
  }
  const log = (seccomp.flags ?? []).includes('SECCOMP_FILTER_FLAG_LOG') ? 1 : 0;
  ops.push({ op: 'SECCOMP_LOAD', args: [log] });
  return ops;
}
