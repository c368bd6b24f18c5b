// The YAML that image servers put in metadata.yaml (Go's yaml marshaller): block mappings
// and sequences by indentation, plain and quoted scalars, `{}`/`[]`, `[a, b]` of plain
// words, `|`/`>` block text. No anchors, tags or richer flow collections: metadata.yaml
// has none, and a document that needs them is refused rather than half read.
import { CorralError } from '../../util/errors.js';

export type Yaml = string | Yaml[] | { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  raw: string;
  no: number;
}

function fail(line: Line | undefined, why: string): never {
  throw new CorralError('INVALID_ARGUMENT', `metadata.yaml line ${line?.no ?? '?'}: ${why}`, { hint: 'the image is damaged or in a format Corral does not know' });
}

function scalar(text: string, line: Line): Yaml {
  const t = text.trim();
  if (t === '{}') return {};
  if (t === '[]') return [];
  if (t.startsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      fail(line, `bad double-quoted string ${t}`);
    }
  }
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) fail(line, `bad single-quoted string ${t}`);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  // a flow sequence of plain words (`when: [create, copy]`); anything richer is refused
  const flow = /^\[\s*([A-Za-z0-9_./-]+(?:\s*,\s*[A-Za-z0-9_./-]+)*)\s*\]$/.exec(t);
  if (flow) return flow[1]!.split(',').map((w) => w.trim());
  if (/^[[{&*!|>]/.test(t)) fail(line, `unsupported YAML: ${t}`);
  return t.replace(/\s+#.*$/, '');
}

const isItem = (l: Line) => l.text === '-' || l.text.startsWith('- ');

/** key: rest, the key plain or quoted. */
function splitKey(line: Line): [string, string] {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#'"][^:]*?)\s*:(?:\s+(.*))?$/.exec(line.text);
  if (!m) fail(line, `expected "key: value", got ${line.text}`);
  const key = m[1]!.startsWith('"') || m[1]!.startsWith("'") ? (scalar(m[1]!, line) as string) : m[1]!;
  return [key, m[2] ?? ''];
}

class Parser {
  i = 0;
  constructor(readonly lines: Line[]) {}

  block(indent: number): Yaml {
    const first = this.lines[this.i];
    if (!first || first.indent < indent) return '';
    return isItem(first) ? this.sequence(first.indent) : this.mapping(first.indent);
  }

  text(parentIndent: number, folded: boolean): string {
    const out: string[] = [];
    let indent = -1;
    while (this.i < this.lines.length && (this.lines[this.i]!.indent > parentIndent || this.lines[this.i]!.text === '')) {
      const l = this.lines[this.i++]!;
      if (indent < 0 && l.text !== '') indent = l.indent;
      out.push(l.raw.slice(Math.max(indent, 0)));
    }
    return `${out.join(folded ? ' ' : '\n').trimEnd()}\n`;
  }

  value(rest: string, line: Line): Yaml {
    if (rest === '|' || rest === '|-' || rest === '>' || rest === '>-') {
      const t = this.text(line.indent, rest.startsWith('>'));
      return rest.endsWith('-') ? t.replace(/\n$/, '') : t;
    }
    if (rest !== '' && !rest.startsWith('#')) return scalar(rest, line);
    const next = this.lines[this.i];
    // a sequence may sit at the key's own indent (`when:\n- create`)
    if (next && (next.indent > line.indent || (next.indent === line.indent && isItem(next) && !isItem(line)))) return this.block(next.indent);
    return '';
  }

  mapping(indent: number): Yaml {
    const out: Record<string, Yaml> = {};
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!;
      if (line.text === '') {
        this.i++;
        continue;
      }
      if (line.indent < indent || isItem(line)) break;
      if (line.indent > indent) fail(line, 'unexpected indentation');
      this.i++;
      const [key, rest] = splitKey(line);
      out[key] = this.value(rest, line);
    }
    return out;
  }

  sequence(indent: number): Yaml {
    const out: Yaml[] = [];
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!;
      if (line.text === '') {
        this.i++;
        continue;
      }
      if (line.indent !== indent || !isItem(line)) break;
      const rest = line.text.slice(1).trimStart();
      if (/^[^'"[{].*?:(\s|$)/.test(rest)) {
        // "- key: v": a mapping whose first key sits where `rest` starts
        const at = line.indent + (line.text.length - rest.length);
        this.lines[this.i] = { ...line, indent: at, text: rest };
        out.push(this.mapping(at));
        continue;
      }
      this.i++;
      out.push(this.value(rest, { ...line, indent: line.indent }));
    }
    return out;
  }
}

export function parseYaml(text: string): Yaml {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, n) => {
    const body = raw.replace(/\r$/, '');
    if (/^\s*#/.test(body) || body.trim() === '---' || body.trim() === '...') return;
    if (/^\t/.test(body)) fail({ indent: 0, text: body, raw: body, no: n + 1 }, 'tabs are not valid indentation');
    const indent = body.length - body.trimStart().length;
    lines.push({ indent, text: body.trim(), raw: body, no: n + 1 });
  });
  const p = new Parser(lines);
  const doc = p.block(0);
  while (p.i < lines.length && lines[p.i]!.text === '') p.i++;
  if (p.i < lines.length) fail(lines[p.i], `unexpected ${lines[p.i]!.text}`);
  return doc;
}
