import { CorralError } from '../util/errors.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
export const MAX_NAME = 64;

/** Checked before anything is created: the name becomes a directory and a hostname. */
export function validateName(name: string | undefined): string {
  if (!name) throw new CorralError('INVALID_ARGUMENT', 'a container name is required', { hint: 'pass -n NAME' });
  if (name.length > MAX_NAME || !NAME_RE.test(name) || name.includes('..')) {
    // quoted as JSON: a newline or a control character in it must not break the message
    const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);
    throw new CorralError('INVALID_ARGUMENT', `invalid container name ${shown}`, {
      hint: `names are 1-${MAX_NAME} characters of letters, digits, "_", ".", "+", "-", start with a letter or digit, and contain no "/" or ".."`,
    });
  }
  return name;
}
