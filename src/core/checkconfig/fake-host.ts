// A recording fake of the Host seam: files, binaries and command answers from a table, so
// unit tests exercise every probe's interpretation without root or a particular kernel.
import type { FileInfo, Host, RunResult } from './types.js';

export interface FakeHostOptions {
  files?: Record<string, string | Buffer>;
  stats?: Record<string, Partial<FileInfo>>;
  /** commands found on PATH, as /usr/bin/<name> */
  bins?: string[];
  /** paths access(W_OK) refuses */
  readOnly?: string[];
  /** the answer to a command; undefined falls back to a healthy host's answer */
  run?: (cmd: string, args: string[]) => Partial<RunResult> | undefined;
  env?: Record<string, string | undefined>;
  uid?: number;
  gid?: number;
  release?: string;
}

export const ALL_BINS = ['unshare', 'ip', 'setpriv', 'newuidmap', 'newgidmap', 'criu', 'getcap'];

/** What a host where everything works answers. */
function healthy(cmd: string, args: string[]): Partial<RunResult> {
  if (cmd.endsWith('/unshare') && args.includes('sh')) return { code: 0, stdout: 'veth ok\nbridge ok\nmacvlan ok\nvlan ok\n' };
  if (cmd.endsWith('/criu')) return { code: 0, stdout: 'Looks good.\n' };
  return { code: 0 };
}

export interface FakeHost extends Host {
  /** every command run, as [cmd, ...args] */
  calls: string[][];
}

export function fakeHost(opts: FakeHostOptions = {}): FakeHost {
  const files = opts.files ?? {};
  const bins = opts.bins ?? ALL_BINS;
  const calls: string[][] = [];
  return {
    calls,
    async readFile(path) {
      const v = files[path];
      return v === undefined ? undefined : Buffer.isBuffer(v) ? v : Buffer.from(v);
    },
    async stat(path) {
      const s = opts.stats?.[path];
      if (s) return { mode: 0o100755, uid: 0, gid: 0, isDirectory: false, ...s };
      return files[path] !== undefined ? { mode: 0o100644, uid: 0, gid: 0, isDirectory: false } : undefined;
    },
    async writable(path) {
      return !(opts.readOnly ?? []).includes(path);
    },
    async which(cmd) {
      return bins.includes(cmd) ? `/usr/bin/${cmd}` : undefined;
    },
    async run(cmd, args) {
      calls.push([cmd, ...args]);
      const r = opts.run?.(cmd, args) ?? healthy(cmd, args);
      return { code: 0, stdout: '', stderr: '', timedOut: false, ...r };
    },
    env: opts.env ?? {},
    uid: opts.uid ?? 0,
    gid: opts.gid ?? 0,
    release: opts.release ?? '6.1.0-test',
  };
}
