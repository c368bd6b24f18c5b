// The host seam: every cgroupfs side effect goes through a CgroupHost, so unit tests can
// assert the exact writes (recordingCgroupHost) and only integration tests need root.
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CgroupHost } from './types.js';

export const realCgroupHost: CgroupHost = {
  readFile: (p) => fsp.readFile(p, 'utf8'),
  async writeFile(p, data) {
    // O_CREAT would turn a missing controller file into a confusing EACCES/EPERM; without
    // it the error is ENOENT. Write-only files (cgroup.kill, devices.allow) forbid O_RDWR.
    const fh = await fsp.open(p, constants.O_WRONLY | constants.O_TRUNC);
    try {
      const buf = Buffer.from(data, 'utf8');
      const { bytesWritten } = await fh.write(buf, 0, buf.length);
      if (bytesWritten !== buf.length) throw Object.assign(new Error(`short write to ${p}`), { code: 'EIO' });
    } finally {
      await fh.close();
    }
  },
  async mkdir(p) {
    await fsp.mkdir(p, { recursive: true });
  },
  rmdir: (p) => fsp.rmdir(p),
  async exists(p) {
    try {
      await fsp.access(p);
      return true;
    } catch {
      return false;
    }
  },
  async readdir(p) {
    const entries = await fsp.readdir(p, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  },
  kill: (pid, signal) => {
    process.kill(pid, signal);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RecordingHost extends CgroupHost {
  /** current content of every known file; writes replace it */
  files: Map<string, string>;
  writes: { path: string; data: string }[];
  mkdirs: string[];
  rmdirs: string[];
  kills: { pid: number; signal: NodeJS.Signals | number }[];
}

export interface RecordingOptions {
  /** writes to a file not in `files` fail with ENOENT, as on cgroupfs */
  strict?: boolean;
  /** path -> errno code: writes to it fail with that code */
  failWrites?: Record<string, string>;
  /** path -> errno code: only the first write to it fails */
  failOnce?: Record<string, string>;
  /** path -> errno code: rmdir of it fails with that code */
  failRmdirs?: Record<string, string>;
  /** the control files the kernel would create in a new cgroup dir (file name -> content) */
  onMkdir?: (dir: string) => Record<string, string>;
}

function errnoError(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

/** A fake cgroupfs in memory. Directories exist when created or when a file lies under them. */
export function recordingCgroupHost(initialFiles: Record<string, string> = {}, opts: RecordingOptions = {}): RecordingHost {
  const files = new Map(Object.entries(initialFiles));
  const failOnce = new Map(Object.entries(opts.failOnce ?? {}));
  const dirs = new Set<string>();
  const addDirs = (p: string): void => {
    for (let d = p; d !== '/' && d !== '.' && !dirs.has(d); d = dirname(d)) dirs.add(d);
  };
  for (const f of files.keys()) addDirs(dirname(f));
  const host: RecordingHost = {
    files,
    writes: [],
    mkdirs: [],
    rmdirs: [],
    kills: [],
    async readFile(p) {
      const v = files.get(p);
      if (v === undefined) throw errnoError('ENOENT', 'open', p);
      return v;
    },
    async writeFile(p, data) {
      const fail = opts.failWrites?.[p] ?? failOnce.get(p);
      failOnce.delete(p);
      if (fail) throw errnoError(fail, 'write', p);
      if (opts.strict && !files.has(p)) throw errnoError('ENOENT', 'open', p);
      host.writes.push({ path: p, data });
      files.set(p, data);
    },
    async mkdir(p) {
      host.mkdirs.push(p);
      addDirs(p);
      for (const [name, content] of Object.entries(opts.onMkdir?.(p) ?? {})) files.set(`${p}/${name}`, content);
    },
    async rmdir(p) {
      const fail = opts.failRmdirs?.[p];
      if (fail) throw errnoError(fail, 'rmdir', p);
      if (!dirs.has(p)) throw errnoError('ENOENT', 'rmdir', p);
      host.rmdirs.push(p);
      dirs.delete(p);
      for (const f of [...files.keys()]) if (f.startsWith(p + '/')) files.delete(f);
      for (const d of [...dirs]) if (d.startsWith(p + '/')) dirs.delete(d);
    },
    async exists(p) {
      return files.has(p) || dirs.has(p);
    },
    async readdir(p) {
      if (!dirs.has(p)) throw errnoError('ENOENT', 'scandir', p);
      return [...dirs].filter((d) => dirname(d) === p).map((d) => d.slice(p.length + 1));
    },
    kill(pid, signal) {
      host.kills.push({ pid, signal });
    },
    sleep: async () => {},
  };
  return host;
}
