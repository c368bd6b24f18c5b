// Reading JSON files with error positions. Node 20's JSON.parse reports a position for some
// errors only ("Unexpected token 'x', ... is not valid JSON" has none), so on failure a small
// scanner finds the offset of the first error itself; JSON.parse stays the actual parser.
import { readFileSync } from 'node:fs';
import { SpecError } from './errors.js';

class Stop extends Error {
  constructor(readonly offset: number) {
    super('json error');
  }
}

class Scanner {
  i = 0;
  constructor(private readonly s: string) {}

  fail(): never {
    throw new Stop(this.i);
  }

  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }

  lit(word: string): void {
    for (const ch of word) {
      if (this.s[this.i] !== ch) this.fail(); // points at the first wrong character
      this.i++;
    }
  }

  string(): void {
    this.i++; // opening quote
    for (;;) {
      const ch = this.s[this.i];
      if (ch === undefined || ch < ' ') this.fail();
      this.i++;
      if (ch === '"') return;
      if (ch === '\\') {
        const esc = this.s[this.i];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 1, this.i + 5))) this.fail();
          this.i += 5;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) this.i++;
        else this.fail();
      }
    }
  }

  number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) this.fail();
    this.i += m[0].length;
  }

  list(close: string, item: () => void): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === close) return void this.i++;
    for (;;) {
      item();
      this.ws();
      const ch = this.s[this.i];
      if (ch === close) return void this.i++;
      if (ch !== ',') this.fail();
      this.i++;
    }
  }

  member = (): void => {
    this.ws();
    if (this.s[this.i] !== '"') this.fail();
    this.string();
    this.ws();
    if (this.s[this.i] !== ':') this.fail();
    this.i++;
    this.value();
  };

  value = (): void => {
    this.ws();
    const ch = this.s[this.i];
    if (ch === '{') this.list('}', this.member);
    else if (ch === '[') this.list(']', this.value);
    else if (ch === '"') this.string();
    else if (ch === 't') this.lit('true');
    else if (ch === 'f') this.lit('false');
    else if (ch === 'n') this.lit('null');
    else this.number();
  };
}

/** Offset of the first syntax error in `text` (text.length if it only ends too early). */
export function jsonErrorOffset(text: string): number {
  const sc = new Scanner(text);
  try {
    sc.value();
    sc.ws();
    return sc.i < text.length ? sc.i : text.length;
  } catch (e) {
    if (e instanceof Stop) return e.offset;
    throw e;
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Parses JSON text; a syntax error becomes a SpecError issue "line L, column C: ...". */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const { line, column } = lineColumn(text, jsonErrorOffset(text));
    // Drop V8's own (sometimes missing) location so the message carries exactly one.
    const detail = e.message.replace(/ in JSON at position \d+( \(line \d+ column \d+\))?$/, '');
    throw new SpecError([{ path: '$', message: `invalid JSON at line ${line}, column ${column}: ${detail}` }], `cannot parse ${what}`);
  }
}

/** Reads and parses a JSON file such as config.json or an exec process.json. */
export function parseSpecFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : (e as Error).message;
    throw new SpecError([{ path: '$', message: `cannot read ${path}: ${reason}` }], `cannot read ${path}`);
  }
  return parseJson(text.replace(/^\uFEFF/, ''), path);
}
