// Options of the debian template and the host facts they default to (pure, unit-tested):
// the release from /etc/os-release, the mirror from the host's apt sources, the cache key.
import { createHash } from 'node:crypto';
import { CorralError } from '../../util/errors.js';

export interface DebianOptions {
  release: string;
  arch: string;
  variant: string;
  mirror: string;
  /** extra packages (--packages a,b) on top of the ones every container needs */
  packages: string[];
  flushCache: boolean;
}

/** What a usable system container needs on top of debootstrap's variant: systemd as init
 * (networkd, part of systemd, is the DHCP client), ip and ps. */
export const BASE_PACKAGES = ['systemd-sysv', 'iproute2', 'procps'];
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
export const FALLBACK_RELEASE = 'bookworm';
const VARIANTS = ['minbase', 'buildd', 'fakechroot', 'standard'];
const NAME = /^[a-z0-9][a-z0-9.+-]*$/;

/** VERSION_CODENAME of a Debian host, else undefined. */
export function hostRelease(osRelease: string): string | undefined {
  const fields = new Map<string, string>();
  for (const line of osRelease.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
  }
  if (fields.get('ID') !== 'debian') return undefined;
  return fields.get('VERSION_CODENAME') || undefined;
}

/**
 * The host's Debian mirror from its apt sources (one-line `deb URL SUITE ...` or deb822
 * `URIs:`/`Suites:` stanzas): the first entry serving `release` itself (not -security,
 * -updates), else the first plain http(s) Debian archive.
 */
export function hostMirror(sources: string[], release: string | undefined): string | undefined {
  const entries: { uri: string; suites: string[] }[] = [];
  for (const text of sources) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(.+)$/m.exec(stanza);
      const suites = /^Suites:\s*(.+)$/m.exec(stanza);
      const types = /^Types:\s*(.+)$/m.exec(stanza);
      if (uris && suites && (!types || types[1]!.split(/\s+/).includes('deb'))) {
        for (const uri of uris[1]!.trim().split(/\s+/)) entries.push({ uri, suites: suites[1]!.trim().split(/\s+/) });
      }
    }
    for (const line of text.split('\n')) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (m) entries.push({ uri: m[1]!, suites: [m[2]!] });
    }
  }
  const debian = entries.filter((e) => /^https?:\/\//.test(e.uri) && !/security/.test(e.uri));
  const exact = release ? debian.find((e) => e.suites.includes(release)) : undefined;
  const any = exact ?? debian.find((e) => /\/debian\/?$/.test(e.uri));
  return any?.uri.replace(/\/+$/, '');
}

function value(args: string[], i: number, name: string): string {
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new CorralError('INVALID_ARGUMENT', `debian template: ${name} needs a value`);
  return v;
}

/** Parse the template's arguments (after `--`); defaults come from `host`. */
export function parseDebianArgs(args: string[], host: { release?: string; mirror?: string; arch: string }): DebianOptions {
  const o: DebianOptions = {
    release: host.release ?? FALLBACK_RELEASE,
    arch: host.arch,
    variant: 'minbase',
    mirror: host.mirror ?? DEFAULT_MIRROR,
    packages: [],
    flushCache: false,
  };
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const eq = raw.indexOf('=');
    const name = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const take = () => inline ?? value(args, i++, name);
    switch (name) {
      case '-r':
      case '--release': o.release = take(); break;
      case '-a':
      case '--arch': o.arch = take(); break;
      case '--variant': o.variant = take(); break;
      case '--mirror': o.mirror = take().replace(/\/+$/, ''); break;
      case '--packages': o.packages.push(...take().split(',').map((p) => p.trim()).filter(Boolean)); break;
      case '-F':
      case '--flush-cache': o.flushCache = true; break;
      default:
        throw new CorralError('INVALID_ARGUMENT', `debian template: unknown option "${raw}"`, {
          hint: 'options: --release R, --arch A, --variant minbase|buildd|standard, --mirror URL, --packages a,b, --flush-cache',
        });
    }
  }
  for (const [what, v] of [['release', o.release], ['arch', o.arch], ...o.packages.map((p) => ['package', p])] as const) {
    if (!NAME.test(v)) throw new CorralError('INVALID_ARGUMENT', `debian template: "${v}" is not a valid ${what} name`);
  }
  if (!VARIANTS.includes(o.variant)) {
    throw new CorralError('INVALID_ARGUMENT', `debian template: unknown variant "${o.variant}"`, { hint: `one of ${VARIANTS.join(', ')}` });
  }
  if (!/^(https?|file):\/\/\S+$/.test(o.mirror)) {
    throw new CorralError('INVALID_ARGUMENT', `debian template: mirror "${o.mirror}" is not an http(s):// or file:// URL`);
  }
  return o;
}

/** The packages given to debootstrap --include, sorted and without duplicates. */
export function includePackages(o: DebianOptions): string[] {
  return [...new Set([...BASE_PACKAGES, ...o.packages])].sort();
}

/** <release>-<arch>-<variant>, plus a digest of the extra packages when there are any. */
export function cacheKey(o: DebianOptions): string {
  const base = `${o.release}-${o.arch}-${o.variant}`;
  if (o.packages.length === 0) return base;
  const digest = createHash('sha256').update(includePackages(o).join(',')).digest('hex').slice(0, 12);
  return `${base}-${digest}`;
}

/** The config lines of a Debian system container (systemd as init). */
export function debianConfig(name: string, ttys: number): string[] {
  return [
    `lxc.uts.name = ${name}`,
    'lxc.autodev = 1',
    `lxc.tty.max = ${ttys}`,
    'lxc.pty.max = 1024',
    // systemd halts on SIGRTMIN+3 (SIGPWR would be ignored), reboots on SIGINT
    'lxc.signal.halt = SIGRTMIN+3',
    'lxc.signal.reboot = SIGINT',
    'lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed',
  ];
}
