// OCI mount options -> mount(2) flags, propagation and the fs-specific data string.
import { MS } from './linux-constants.js';

const SET: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS,
  remount: MS.REMOUNT, mand: MS.MANDLOCK, dirsync: MS.DIRSYNC, noatime: MS.NOATIME,
  nodiratime: MS.NODIRATIME, bind: MS.BIND, rbind: MS.BIND | MS.REC, relatime: MS.RELATIME,
  strictatime: MS.STRICTATIME, silent: MS.SILENT, nosymfollow: MS.NOSYMFOLLOW, lazytime: MS.LAZYTIME,
};
const CLEAR: Record<string, number> = {
  rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS,
  nomand: MS.MANDLOCK, atime: MS.NOATIME, diratime: MS.NODIRATIME, norelatime: MS.RELATIME,
  nostrictatime: MS.STRICTATIME, loud: MS.SILENT, symfollow: MS.NOSYMFOLLOW, nolazytime: MS.LAZYTIME,
};
const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};
/** Options that belong to runtimes rather than the kernel and that we do not act on. */
const IGNORED = new Set(['tmpcopyup', 'idmap', 'ridmap', 'X-mount.mkdir', 'defaults']);

export interface ParsedMountOptions {
  flags: number;
  propagation: number[];
  data: string;
  bind: boolean;
  recursive: boolean;
  ignored: string[];
}

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  const ignored: string[] = [];
  for (const opt of options) {
    const set = SET[opt];
    const clear = CLEAR[opt];
    const prop = PROPAGATION[opt];
    if (set !== undefined) flags |= set;
    else if (clear !== undefined) flags &= ~clear;
    else if (prop !== undefined) propagation.push(prop);
    else if (IGNORED.has(opt)) ignored.push(opt);
    else data.push(opt);
  }
  return {
    flags,
    propagation,
    data: data.join(','),
    bind: (flags & MS.BIND) !== 0,
    recursive: (flags & MS.REC) !== 0,
    ignored,
  };
}

/** Flags that a bind mount needs a second, remounting pass to apply. */
export const BIND_REMOUNT_FLAGS =
  MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME | MS.RELATIME | MS.STRICTATIME | MS.NOSYMFOLLOW;

export function propagationFlag(name: string | undefined): number | undefined {
  return name === undefined ? undefined : PROPAGATION[name];
}
