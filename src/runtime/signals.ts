import { constants } from 'node:os';
import { CorralError } from '../util/errors.js';

/** "TERM", "SIGTERM", "15" -> 15, as runc's kill accepts them. */
export function parseSignal(input: string | undefined): number {
  const text = (input ?? 'SIGTERM').trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as NodeJS.Signals;
    const n = constants.signals[name];
    if (n !== undefined) return n;
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
    if (rt) return 34 + Number(rt[1] ?? 0);
  }
  throw new CorralError('INVALID_ARGUMENT', `unknown signal "${text}"`, { hint: 'use a name such as TERM, SIGKILL or a number 1-64' });
}
