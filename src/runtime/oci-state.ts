// The OCI state object (runtime-spec "State") as `state` prints it and hooks receive it.
import type { RuntimeContext } from './context.js';
import { OCI_VERSION, type ContainerRecord, type ContainerStatus } from './state-store.js';

export interface OciState {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

export async function containerStatus(ctx: RuntimeContext, record: ContainerRecord): Promise<ContainerStatus> {
  const base = ctx.store.baseStatus(record);
  if (base !== 'running' || !record.cgroup) return base;
  try {
    return (await ctx.cgroups.isFrozen(record.cgroup)) ? 'paused' : 'running';
  } catch {
    return base;
  }
}

export function ociState(record: ContainerRecord, status: ContainerStatus): OciState {
  const state: OciState = {
    ociVersion: OCI_VERSION,
    id: record.id,
    status,
    pid: status === 'stopped' ? 0 : record.pid,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
    owner: record.owner,
  };
  if (record.annotations && Object.keys(record.annotations).length > 0) state.annotations = record.annotations;
  return state;
}

/** The state hooks receive: the spec's fields only; no pid once there is no process (as runc). */
export function hookState(record: Pick<ContainerRecord, 'id' | 'bundle' | 'annotations'>, status: ContainerStatus, pid: number): object {
  return { ociVersion: OCI_VERSION, id: record.id, status, ...(pid > 0 ? { pid } : {}), bundle: record.bundle, annotations: record.annotations ?? {} };
}
