// One config file's text -> classified lines, as LXC's parse_line reads them: leading blanks
// skipped, '#' starts a comment line (never an inline comment: '#' inside a value is data),
// the key is everything before the first '=', blanks around key and value are trimmed, and a
// value wrapped in matching single or double quotes loses them. The raw text of every line is
// kept so the document model can write the file back unchanged.

export type LineKind = 'blank' | 'comment' | 'entry' | 'invalid';

export interface ConfigLine {
  kind: LineKind;
  /** 1-based line number in its file */
  line: number;
  /** the line as written, without its newline */
  raw: string;
  key?: string;
  value?: string;
  /** why an 'invalid' line is invalid */
  error?: string;
}

// LXC trims spaces and tabs; a trailing '\r' (a file edited on Windows) is trimmed too,
// since no key or value can end in one meaningfully.
const LEFT = /^[ \t]+/;
const RIGHT = /[ \t\r]+$/;

export function unquote(value: string): string {
  const first = value[0];
  if ((first === '"' || first === "'") && value.length > 1 && value[value.length - 1] === first) {
    return value.slice(1, -1);
  }
  return value;
}

export function classifyLine(raw: string, line: number): ConfigLine {
  const text = raw.replace(LEFT, '').replace(RIGHT, '');
  if (text === '') return { kind: 'blank', line, raw };
  if (text.startsWith('#')) return { kind: 'comment', line, raw };
  if (text.includes('\0')) return { kind: 'invalid', line, raw, error: 'the line contains a NUL byte' };
  const eq = text.indexOf('=');
  if (eq < 0) {
    return { kind: 'invalid', line, raw, error: `not a "key = value" line: ${JSON.stringify(clip(text))}` };
  }
  const key = text.slice(0, eq).replace(RIGHT, '');
  const value = unquote(text.slice(eq + 1).replace(LEFT, ''));
  if (key === '') return { kind: 'invalid', line, raw, error: 'a line has "=" but no key before it' };
  return { kind: 'entry', line, raw, key, value };
}

export function lexConfig(text: string): ConfigLine[] {
  const lines = text.split('\n');
  // a final newline does not start another (empty) line
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, i) => classifyLine(raw, i + 1));
}

/** Long junk lines are cut in messages, so one bad line cannot flood the terminal. */
export function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
