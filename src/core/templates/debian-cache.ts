// The bootstrapped Debian tree, built once by debootstrap and kept under
// /var/cache/corral/debian/<key>/rootfs ($CORRAL_CACHE_DIR/debian/...). It is built in
// <key>.partial under a lock (a second create waits), renamed into place when complete,
// and copied (cp -a, reflinks where the filesystem has them) into each new container.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { lockContainerWait } from '../lock.js';
import { cacheKey, includePackages, type DebianOptions } from './debian-options.js';

export function cacheRoot(): string {
  return join(process.env.CORRAL_CACHE_DIR || '/var/cache/corral', 'debian');
}

interface Run {
  code: number;
  output: string;
}

/** Run a program; each stdout/stderr line goes to `onLine`; the tail of the output is kept. */
export function run(cmd: string, args: string[], onLine: (line: string) => void = () => {}, env?: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let tail = '';
    let partial = '';
    const feed = (d: Buffer) => {
      const text = partial + d.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail = (tail + line + '\n').slice(-4000);
        if (line.trim()) onLine(line);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (e) => done({ code: 127, output: e.message }));
    child.on('close', (c) => done({ code: c ?? 1, output: tail + partial }));
  });
}

/** True when debootstrap's failure is the network's (the mirror cannot be reached). */
export function isNetworkFailure(output: string): boolean {
  return /Failed getting release file|Couldn't download|could not resolve|Temporary failure in name resolution|Connection (refused|timed out)|No route to host|Network is unreachable|Unable to fetch/i.test(output);
}

async function debootstrap(o: DebianOptions, target: string, progress: (m: string) => void): Promise<void> {
  const args = [`--variant=${o.variant}`, `--arch=${o.arch}`, `--include=${includePackages(o).join(',')}`, o.release, target, o.mirror];
  progress(`debootstrap ${args.join(' ')}`);
  let last = 0;
  const r = await run('debootstrap', args, (line) => {
    // one line in a while: "I: Retrieving ...", "I: Unpacking ...", "I: Configuring ..."
    const now = Date.now();
    if (/^[IWE]: (Retrieving Release|Resolving|Checking|Extracting|Installing|Configuring|Base system)/.test(line) || now - last > 3000 || /^[WE]:/.test(line)) {
      last = now;
      progress(line.replace(/^I: /, ''));
    }
  });
  if (r.code === 127) throw new CorralError('NOT_FOUND', 'debootstrap is not installed', { hint: 'apt-get install debootstrap' });
  if (r.code !== 0) {
    const network = isNetworkFailure(r.output);
    throw new CorralError(network ? 'NOT_FOUND' : 'INTERNAL', `debootstrap of ${o.release} from ${o.mirror} failed (exit ${r.code}): ${r.output.trim().split('\n').slice(-3).join(' | ')}`, {
      hint: network ? `the mirror ${o.mirror} cannot be reached: check the network, or give --mirror URL` : `see ${target}/debootstrap/debootstrap.log`,
    });
  }
}

/** Make the cached tree neutral: no host resolver, no machine id, no apt lists. */
function neutralise(rootfs: string): void {
  writeFileSync(join(rootfs, 'etc/resolv.conf'), '');
  writeFileSync(join(rootfs, 'etc/machine-id'), '');
  rmSync(join(rootfs, 'var/lib/dbus/machine-id'), { force: true });
  writeFileSync(join(rootfs, 'etc/hostname'), 'debian\n');
}

/** The cached tree for these options, bootstrapped first if there is none (or --flush-cache). */
export async function cachedTree(o: DebianOptions, progress: (m: string) => void): Promise<string> {
  const root = cacheRoot();
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const key = cacheKey(o);
  const dir = join(root, key);
  const lock = await lockContainerWait(root, key, 'debootstrap', 30 * 60_000);
  try {
    if (o.flushCache && existsSync(dir)) {
      progress(`flushing the cache ${dir}`);
      rmSync(dir, { recursive: true, force: true });
    }
    if (existsSync(join(dir, 'complete'))) {
      progress(`using the cached ${key} tree in ${dir}`);
      return join(dir, 'rootfs');
    }
    rmSync(dir, { recursive: true, force: true });
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { mode: 0o700 });
    try {
      await debootstrap(o, join(partial, 'rootfs'), progress);
      neutralise(join(partial, 'rootfs'));
      writeFileSync(join(partial, 'complete'), `${JSON.stringify({ ...o, flushCache: undefined, include: includePackages(o), built: new Date().toISOString() })}\n`);
      renameSync(partial, dir);
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      throw err;
    }
    return join(dir, 'rootfs');
  } finally {
    lock.release();
  }
}

/** Copy the cached tree into a container's rootfs, everything kept (owners, modes, xattrs). */
export async function copyTree(from: string, to: string): Promise<void> {
  mkdirSync(to, { recursive: true, mode: 0o755 });
  const r = await run('cp', ['-a', '--reflink=auto', `${from}/.`, `${to}/`]);
  if (r.code !== 0) throw new CorralError('INTERNAL', `copying ${from} to ${to} failed: ${r.output.trim()}`);
}

export function readCacheInfo(tree: string): unknown {
  try {
    return JSON.parse(readFileSync(join(tree, '..', 'complete'), 'utf8'));
  } catch {
    return undefined;
  }
}
