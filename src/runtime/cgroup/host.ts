// The host seam: every cgroupfs side effect goes through a CgroupHost, so unit tests can
// assert the exact writes (recordingCgroupHost) and only integration tests need root.
import { constants } from 'node:fs';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import type { CgroupHost } from './types.js';

// cgroupfs is an in-kernel filesystem: its calls never block on a disk, so synchronous
// calls are much cheaper than a round trip through libuv's thread pool per file (a create
// on a hybrid host touches ~40 files). The interface stays async for the fake and callers.
export const realCgroupHost: CgroupHost = {
  readFile: async (p) => fs.readFileSync(p, 'utf8'),
  async writeFile(p, data) {
    // O_CREAT would turn a missing controller file into a confusing EACCES/EPERM; without
    // it the error is ENOENT. Write-only files (cgroup.kill, devices.allow) forbid O_RDWR.
    const fd = fs.openSync(p, constants.O_WRONLY | constants.O_TRUNC);
    try {
      const buf = Buffer.from(data, 'utf8');
      const written = fs.writeSync(fd, buf, 0, buf.length);
      if (written !== buf.length) throw Object.assign(new Error(`short write to ${p}`), { code: 'EIO' });
    } finally {
      fs.closeSync(fd);
    }
  },
  async mkdir(p) {
    fs.mkdirSync(p, { recursive: true });
  },
  rmdir: async (p) => fs.rmdirSync(p),
  exists: async (p) => fs.existsSync(p),
  async readdir(p) {
    return fs
      .readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
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
