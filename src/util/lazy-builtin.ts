// Node's child_process on first use. Loading it costs ~4 ms of a CLI start (with net and
// the stream machinery behind it), and most commands (info, stop without hooks, ls) never
// spawn anything; a static import would make every one of them pay.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function childProcess(): typeof import('node:child_process') {
  return load('node:child_process') as typeof import('node:child_process');
}
