// lxc.seccomp.profile -> the container's OCI seccomp filter: Corral's default profile when
// the key is unset (or empty), none for "unconfined", else the file, in LXC's format or as
// an OCI linux.seccomp JSON object (recognised by its leading "{").
import { readFileSync } from 'node:fs';
import { validateSeccomp } from '../../runtime/spec/validate.js';
import type { Seccomp } from '../../runtime/spec/types.js';
import { CorralError } from '../../util/errors.js';
import { defaultSeccomp } from './default-profile.js';
import { parseLxcSeccomp, type LxcHostArch } from './lxc-format.js';

/** Corral's own value (like lxc.apparmor.profile = unconfined): no seccomp filter at all. */
export const UNCONFINED = 'unconfined';

export interface ProfileOptions {
  userNamespace: boolean;
  hostArch?: LxcHostArch;
  readFile?: (path: string) => string;
}

export function parseSeccompProfile(text: string, file: string, hostArch?: LxcHostArch): Seccomp {
  if (!text.trimStart().startsWith('{')) return parseLxcSeccomp(text, { file, hostArch });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CorralError('INVALID_CONFIG', `seccomp profile ${file}: not valid JSON: ${(err as Error).message}`);
  }
  try {
    return validateSeccomp(json);
  } catch (err) {
    throw new CorralError('INVALID_CONFIG', `seccomp profile ${file}: ${(err as Error).message}`, {
      hint: 'a JSON profile is an OCI runtime-spec linux.seccomp object ({"defaultAction": ..., "syscalls": [...]})',
    });
  }
}

/** The filter for a container; throws a CorralError when the profile cannot be read or parsed. */
export function seccompFor(profile: string | undefined, opts: ProfileOptions): Seccomp | undefined {
  if (profile === UNCONFINED) return undefined;
  if (!profile) return defaultSeccomp({ userNamespace: opts.userNamespace, hostArch: opts.hostArch });
  let text: string;
  try {
    text = (opts.readFile ?? ((p) => readFileSync(p, 'utf8')))(profile);
  } catch (err) {
    throw new CorralError('INVALID_CONFIG', `cannot read the seccomp profile ${profile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: `fix lxc.seccomp.profile, or set it to "${UNCONFINED}" for no filter`,
    });
  }
  return parseSeccompProfile(text, profile, opts.hostArch);
}
