// The pure parts of talking to a registry: an image reference in skopeo's transport syntax
// (`docker://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]`), a WWW-Authenticate challenge, and
// which manifest of an index/manifest list fits this host.
import { CorralError } from '../../util/errors.js';
import type { Descriptor } from './oci-layout.js';

export interface RegistryRef {
  /** host[:port] as given, e.g. "127.0.0.1:5000" */
  host: string;
  /** the repository path, e.g. "library/busybox" */
  repo: string;
  /** a tag or a digest ("sha256:..."), what goes after /manifests/ */
  reference: string;
  /** true when `reference` is a digest the manifest must hash to */
  byDigest: boolean;
}

// the distribution spec's grammar: path components of lowercase alphanumerics joined by
// separators, tags of at most 128 word characters, dots and dashes
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function bad(url: string, why: string): never {
  throw new CorralError('INVALID_ARGUMENT', `"${url}" is not an image reference: ${why}`, { hint: 'docker://HOST[:PORT]/REPO[:TAG] or docker://HOST[:PORT]/REPO@sha256:DIGEST' });
}

/** docker://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]; the host is required (no implicit Docker Hub), the tag defaults to "latest". */
export function parseRegistryRef(url: string): RegistryRef {
  if (!url.startsWith('docker://')) bad(url, 'it does not start with docker://');
  let rest = url.slice('docker://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) bad(url, 'it names no registry host');
  const host = rest.slice(0, slash);
  if (!HOST.test(host)) bad(url, `"${host}" is not a host[:port]`);
  rest = rest.slice(slash + 1);
  let reference = 'latest';
  let byDigest = false;
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    if (!DIGEST.test(reference)) bad(url, `"${reference}" is not a sha256 digest`);
    byDigest = true;
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      reference = rest.slice(colon + 1);
      if (!TAG.test(reference)) bad(url, `"${reference}" is not a valid tag`);
      rest = rest.slice(0, colon);
    }
  }
  if (rest === '' || !rest.split('/').every((c) => COMPONENT.test(c))) bad(url, `"${rest}" is not a repository name (lowercase components separated by /)`);
  if (rest.length > 255) bad(url, 'the repository name is longer than 255 characters');
  return { host, repo: rest, reference, byDigest };
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** The challenges of a WWW-Authenticate header (RFC 7235: `Scheme k=v, k="v", Scheme2 ...`). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const skip = (chars: string) => {
    while (i < header.length && chars.includes(header[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < header.length && !' \t,="'.includes(header[i]!)) i++;
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(' \t,');
    const word = token();
    if (word === '') break;
    skip(' \t');
    if (header[i] !== '=') {
      out.push({ scheme: word.toLowerCase(), params: {} });
      continue;
    }
    i++;
    skip(' \t');
    let value = '';
    if (header[i] === '"') {
      for (i++; i < header.length && header[i] !== '"'; i++) value += header[i] === '\\' ? header[++i] ?? '' : header[i];
      i++;
    } else {
      value = token();
    }
    const current = out[out.length - 1];
    if (current) current.params[word.toLowerCase()] = value;
  }
  return out;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** This host as an image platform (GOARCH names; Node says x64, ia32, ppc64 for ppc64le). */
export function hostPlatform(arch: string = process.arch): Platform {
  const names: Record<string, Platform> = {
    x64: { os: 'linux', architecture: 'amd64' },
    ia32: { os: 'linux', architecture: '386' },
    arm64: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
    ppc64: { os: 'linux', architecture: 'ppc64le' },
  };
  return names[arch] ?? { os: 'linux', architecture: arch };
}

/** The entry of an index/manifest list for `want`: os and architecture must match; of several, the one whose variant matches, else one without a variant, else the first. */
export function pickPlatform(manifests: Descriptor[], want: Platform): Descriptor {
  const fits = manifests.filter((m) => m.platform?.os === want.os && m.platform.architecture === want.architecture);
  const best = fits.find((m) => want.variant !== undefined && m.platform?.variant === want.variant) ?? fits.find((m) => !m.platform?.variant) ?? fits[0];
  if (!best) {
    const offered = manifests.map((m) => (m.platform ? [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/') : 'no platform')).join(', ');
    throw new CorralError('NOT_FOUND', `the image has no ${want.os}/${want.architecture} manifest`, { hint: `it offers: ${offered || 'nothing'}` });
  }
  return best;
}
