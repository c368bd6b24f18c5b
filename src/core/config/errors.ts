// The one error type of the config layer. Every problem in a config (and in the files it
// includes) is collected first and reported together, each with its file, line and key, so
// a user fixes them all in one go, as with the OCI spec validator.
import { CorralError, type ErrorCode } from '../../util/errors.js';

/** Where an entry came from: the file and 1-based line, after includes were expanded. */
export interface SourcePos {
  file: string;
  line: number;
}

export interface ConfigProblem {
  pos?: SourcePos;
  key?: string;
  message: string;
  hint?: string;
}

function formatProblem(p: ConfigProblem): string {
  const where = p.pos ? `${p.pos.file}:${p.pos.line}: ` : '';
  const key = p.key ? `${p.key}: ` : '';
  return `${where}${key}${p.message}`;
}

// 'INVALID_CONFIG' is not (yet) a member of ErrorCode in util/errors.ts, which this layer
// does not own; the double cast keeps the stable code the CLI and tests rely on.
const INVALID_CONFIG: ErrorCode = 'INVALID_CONFIG';

export class ConfigError extends CorralError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], opts: { container?: string } = {}) {
    const list = problems.length > 0 ? problems : [{ message: 'invalid configuration' }];
    const who = opts.container ? `container "${opts.container}": ` : '';
    const head = list.length === 1 ? `${who}invalid configuration` : `${who}invalid configuration (${list.length} problems)`;
    const hint = list.find((p) => p.hint)?.hint ?? 'fix the lines above; man 5 lxc.container.conf describes every key';
    super(INVALID_CONFIG, `${head}:\n${list.map((p) => `  ${formatProblem(p)}`).join('\n')}`, { hint });
    this.name = 'ConfigError';
    this.problems = list;
  }
}

/** Thrown by value parsers; the caller turns it into a ConfigProblem with the entry's position. */
export class ValueError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'ValueError';
    this.hint = hint;
  }
}

export function fail(message: string, hint?: string): never {
  throw new ValueError(message, hint);
}

/** Collects problems and warnings while a config is read, then throws them all at once. */
export class Problems {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: string[] = [];

  add(pos: SourcePos | undefined, key: string | undefined, message: string, hint?: string): void {
    this.problems.push({ pos, key, message, hint });
  }

  /**
   * Record what a value parser threw against an entry. Anything but a ValueError or
   * ConfigError is a bug and is rethrown, so tests (the fuzz test above all) see it.
   */
  addError(pos: SourcePos | undefined, key: string | undefined, err: unknown): void {
    if (err instanceof ValueError) this.add(pos, key, err.message, err.hint);
    else if (err instanceof ConfigError) this.problems.push(...err.problems);
    else throw err;
  }

  warn(pos: SourcePos | undefined, key: string | undefined, message: string): void {
    this.warnings.push(formatProblem({ pos, key, message }));
  }

  throwIfAny(container?: string): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems, { container });
  }
}
