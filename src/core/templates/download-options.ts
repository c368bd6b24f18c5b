// Options of the download template (LXC's lxc-download spelling, pure, unit-tested) and
// the small texts it produces: the --list table and a progress bar line.
import { CorralError } from '../../util/errors.js';
import type { ImageBuild, ImageQuery } from '../image/simplestreams.js';

export const DEFAULT_SERVER = 'https://images.linuxcontainers.org';

export interface DownloadOptions extends ImageQuery {
  server: string;
  list: boolean;
  flushCache: boolean;
  /** use a cached build whatever its age, without asking the server */
  forceCache: boolean;
  /** which of dist/release/arch/variant the user gave (--list filters on those only) */
  given: (keyof ImageQuery)[];
}

const WORD = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const USAGE = 'options: -d|--dist D -r|--release R [-a|--arch A] [--variant V] [--server URL] [--list] [--flush-cache] [--force-cache]';

/** The host architecture in the names image servers use (Debian's). */
export function hostArch(nodeArch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return names[nodeArch] ?? nodeArch;
}

export function parseDownloadArgs(args: string[], arch: string = hostArch()): DownloadOptions {
  const o: DownloadOptions = { dist: '', release: '', arch, variant: 'default', server: DEFAULT_SERVER, list: false, flushCache: false, forceCache: false, given: [] };
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const eq = raw.indexOf('=');
    const name = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined || v.startsWith('-')) throw new CorralError('INVALID_ARGUMENT', `download template: ${name} needs a value`, { hint: USAGE });
      return v;
    };
    const set = (key: keyof ImageQuery) => {
      o[key] = take();
      if (!o.given.includes(key)) o.given.push(key);
    };
    switch (name) {
      case '-d': case '--dist': set('dist'); break;
      case '-r': case '--release': set('release'); break;
      case '-a': case '--arch': set('arch'); break;
      case '-v': case '--variant': set('variant'); break;
      case '--server': o.server = take().replace(/\/+$/, ''); break;
      case '-l': case '--list': o.list = true; break;
      case '--flush-cache': o.flushCache = true; break;
      case '--force-cache': o.forceCache = true; break;
      // LXC checks GPG signatures unless told not to; simplestreams has none to check, and
      // the sha256 of every file is always checked
      case '--no-validate': break;
      default:
        throw new CorralError('INVALID_ARGUMENT', `download template: unknown option "${raw}"`, { hint: USAGE });
    }
  }
  for (const key of ['dist', 'release', 'arch', 'variant'] as const) {
    if (o[key] !== '' && !WORD.test(o[key])) throw new CorralError('INVALID_ARGUMENT', `download template: "${o[key]}" is not a valid ${key}`);
  }
  if (!o.list && (!o.dist || !o.release)) {
    throw new CorralError('INVALID_ARGUMENT', 'the download template needs a distribution and a release', {
      hint: 'e.g. -- -d debian -r bookworm (-a amd64); see what the server has: -- --list',
    });
  }
  if (!/^https?:\/\/[^\s/]+/.test(o.server)) throw new CorralError('INVALID_ARGUMENT', `download template: server "${o.server}" is not an http(s):// URL`);
  if (o.flushCache && o.forceCache) throw new CorralError('INVALID_ARGUMENT', 'download template: --flush-cache and --force-cache contradict each other');
  return o;
}

/** The builds --list shows: one per product, filtered by what the user gave. */
export function listFilter(builds: ImageBuild[], o: DownloadOptions): ImageBuild[] {
  return builds.filter((b) => o.given.every((k) => b[k] === o[k]));
}

export function imageTable(builds: ImageBuild[]): string {
  const rows = [['DIST', 'RELEASE', 'ARCH', 'VARIANT', 'BUILD'], ...builds.map((b) => [b.dist, b.release, b.arch, b.variant, b.build])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n') + '\n';
}

const MIB = 1024 * 1024;

/** "rootfs.tar.xz [#######-------------]  35%  12.0/34.3 MiB  4.1 MiB/s" */
export function progressLine(label: string, received: number, total: number, elapsedMs: number): string {
  const width = 20;
  const frac = total > 0 ? Math.min(received / total, 1) : 0;
  const filled = Math.round(frac * width);
  const rate = elapsedMs > 0 ? received / MIB / (elapsedMs / 1000) : 0;
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${(received / MIB).toFixed(1)}/${(total / MIB).toFixed(1)} MiB  ${rate.toFixed(1)} MiB/s`;
}
