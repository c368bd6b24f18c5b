// A config file as a document that can be edited and written back (lxc-create, set-config):
// every line is kept as written, comments and blank lines included, so parse + toString
// gives the same bytes; edits touch only the lines of the key they change. Like LXC, this
// works on the file itself: includes are not expanded.
import { ConfigError } from './errors.js';
import { lookupKey } from './keys.js';
import { lexConfig, type ConfigLine } from './lexer.js';
import { emptyConfig } from './model.js';

/** Quote a value the reader would otherwise trim or unquote. */
function formatValue(value: string): string {
  const trimmed = /^[ \t]|[ \t\r]$/.test(value);
  const quoted = value.length > 1 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0];
  return trimmed || quoted ? `"${value}"` : value;
}

function entryLine(key: string, value: string): ConfigLine {
  return { kind: 'entry', line: 0, raw: value === '' ? `${key} =` : `${key} = ${formatValue(value)}`, key, value };
}

const shared = (a: string, b: string): number => {
  const x = a.split('.');
  const y = b.split('.');
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
};

export class ConfigDocument {
  private lines: ConfigLine[];
  private trailingNewline: boolean;

  private constructor(lines: ConfigLine[], trailingNewline: boolean) {
    this.lines = lines;
    this.trailingNewline = trailingNewline;
  }

  static parse(text: string): ConfigDocument {
    return new ConfigDocument(text === '' ? [] : lexConfig(text), text === '' || text.endsWith('\n'));
  }

  static fromEntries(entries: Iterable<readonly [string, string]>): ConfigDocument {
    const doc = ConfigDocument.parse('');
    for (const [key, value] of entries) doc.add(key, value);
    return doc;
  }

  /** The entries written in this file, in order. */
  entries(): { key: string; value: string }[] {
    return this.lines.filter((l) => l.kind === 'entry').map((l) => ({ key: l.key!, value: l.value! }));
  }

  /** The values of one key in this file, in order. */
  get(key: string): string[] {
    return this.entries().filter((e) => e.key === key).map((e) => e.value);
  }

  /** Check a key and value against the key table; throws ConfigError. */
  static check(key: string, value: string): void {
    const found = lookupKey(key);
    if ('error' in found) throw new ConfigError([{ key, message: found.error, hint: found.hint }]);
    if (/[\n\0]/.test(value)) throw new ConfigError([{ key, message: 'a value cannot contain a newline or NUL' }]);
    if (value === '') return;
    if (found.def.kind === 'prefix' && found.sub === '') throw new ConfigError([{ key, message: `${key} only takes an empty value` }]);
    try {
      found.def.apply(value, { cfg: emptyConfig(), pos: { file: '(set)', line: 0 }, sub: found.sub });
    } catch (err) {
      throw new ConfigError([{ key, message: err instanceof Error ? err.message : String(err) }]);
    }
  }

  /**
   * Set a key as lxc-set-config does: a single key is replaced in place (its other lines
   * removed), a list key gains a line after its last one; an empty value clears the key
   * and its sub-keys and writes "key =" so values from includes are cleared too.
   */
  set(key: string, value: string): void {
    ConfigDocument.check(key, value);
    const found = lookupKey(key);
    if ('error' in found) return;
    if (value === '') {
      this.unset(key);
      this.insert(entryLine(key, ''));
      return;
    }
    if (found.def.kind === 'list') {
      this.insert(entryLine(key, value));
      return;
    }
    const at = this.lines.map((l) => l.key).lastIndexOf(key);
    if (at < 0) return this.insert(entryLine(key, value));
    this.lines[at] = entryLine(key, value);
    this.lines = this.lines.filter((l, i) => i === at || l.key !== key);
  }

  /** Add a line for a key without replacing anything (building a new config in order). */
  add(key: string, value: string): void {
    ConfigDocument.check(key, value);
    this.lines.push(entryLine(key, value));
  }

  /** Remove the lines of a key and of its sub-keys; returns how many were removed. */
  unset(key: string): number {
    const before = this.lines.length;
    this.lines = this.lines.filter((l) => !(l.kind === 'entry' && (l.key === key || l.key!.startsWith(`${key}.`))));
    return before - this.lines.length;
  }

  /** After the last line of the same key, else of its closest relative (lxc.net.0.*), else at the end. */
  private insert(line: ConfigLine): void {
    let best = -1;
    let bestScore = 1; // "lxc" alone is shared by every key
    this.lines.forEach((l, i) => {
      if (l.kind !== 'entry') return;
      const score = l.key === line.key ? Infinity : shared(l.key!, line.key!);
      if (score >= bestScore) [best, bestScore] = [i, score];
    });
    if (best < 0 || bestScore === 1) this.lines.push(line);
    else this.lines.splice(best + 1, 0, line);
  }

  toString(): string {
    if (this.lines.length === 0) return '';
    const text = this.lines.map((l) => l.raw).join('\n');
    return this.trailingNewline ? `${text}\n` : text;
  }
}
