/**
 * Reading the Terraform expressions cdktf writes into strings ("${...}"). Rules need two things
 * from them: which parts of a string are literal text, and the data inside `${jsonencode(...)}`
 * (what `Fn.jsonencode` produces), whose keys and literal values are still visible.
 */

export interface InterpolationSplit {
  /** The string with every "${...}" removed: what would be written as is. */
  readonly literal: string;
  /** The inside of each "${...}". */
  readonly expressions: string[];
}

/** Separates literal text from "${...}" interpolations (nested braces included). */
export function splitInterpolations(value: string): InterpolationSplit {
  const expressions: string[] = [];
  let literal = '';
  let index = 0;
  while (index < value.length) {
    const start = value.indexOf('${', index);
    if (start < 0) {
      literal += value.slice(index);
      break;
    }
    literal += value.slice(index, start);
    const end = matchingBrace(value, start + 1);
    if (end < 0) {
      // Unbalanced: treat the rest as literal so it still gets scanned.
      literal += value.slice(start);
      break;
    }
    expressions.push(value.slice(start + 2, end));
    index = end + 1;
  }
  return { literal, expressions };
}

/** Index of the `}` closing the `{` at `open`, skipping quoted strings; -1 if none. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Whether an expression refers to something (`random_password.x.result`, `var.x`, `data.a.b.c`). */
export function containsReference(expression: string): boolean {
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return /[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*/.test(withoutStrings);
}

/**
 * The data inside a string that is exactly `${jsonencode(<value>)}`, with nested expressions
 * kept as "${expression}" strings; undefined when the string is anything else or cannot be read.
 */
export function parseJsonencode(value: string): unknown {
  const match = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(value.trim());
  if (!match) return undefined;
  try {
    const parser = new HclValueParser(match[1]);
    const result = parser.value();
    return parser.atEnd() ? result : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A small reader for the HCL object/list/string syntax cdktf uses when rendering jsonencode
 * arguments: `{"key" = value, ...}`, `[a, b]`, `"text"`, and bare expressions.
 */
class HclValueParser {
  private position = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    this.skipSpace();
    return this.position >= this.text.length;
  }

  value(): unknown {
    this.skipSpace();
    const ch = this.text[this.position];
    if (ch === '{') return this.object();
    if (ch === '[') return this.list();
    if (ch === '"') return this.string();
    return this.bare();
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.position++;
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.position] === '}') {
        this.position++;
        return result;
      }
      const key = this.text[this.position] === '"' ? this.string() : this.identifier();
      this.skipSpace();
      const separator = this.text[this.position];
      if (separator !== '=' && separator !== ':') throw new Error(`expected = after ${key}`);
      this.position++;
      result[key] = this.value();
    }
  }

  private list(): unknown[] {
    const result: unknown[] = [];
    this.position++;
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.position] === ']') {
        this.position++;
        return result;
      }
      result.push(this.value());
    }
  }

  private string(): string {
    let result = '';
    this.position++;
    while (this.position < this.text.length) {
      const ch = this.text[this.position];
      if (ch === '\\') {
        const next = this.text[this.position + 1];
        result += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        this.position += 2;
      } else if (ch === '$' && this.text[this.position + 1] === '{') {
        const end = matchingBrace(this.text, this.position + 1);
        if (end < 0) throw new Error('unterminated interpolation');
        result += this.text.slice(this.position, end + 1);
        this.position = end + 1;
      } else if (ch === '"') {
        this.position++;
        return result;
      } else {
        result += ch;
        this.position++;
      }
    }
    throw new Error('unterminated string');
  }

  private identifier(): string {
    const match = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.position));
    if (!match) throw new Error('expected a key');
    this.position += match[0].length;
    return match[0];
  }

  /** A bare expression, up to the next `,` `}` `]` at depth 0. */
  private bare(): unknown {
    const start = this.position;
    let depth = 0;
    while (this.position < this.text.length) {
      const ch = this.text[this.position];
      if (ch === '"') {
        this.string();
        continue;
      }
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') {
        if (depth === 0) break;
        depth--;
      } else if ((ch === ',' || ch === '\n') && depth === 0) break;
      this.position++;
    }
    const expression = this.text.slice(start, this.position).trim();
    if (expression === '') throw new Error('expected a value');
    if (expression === 'true') return true;
    if (expression === 'false') return false;
    if (expression === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(expression)) return Number(expression);
    return '${' + expression + '}';
  }

  /** Skips blanks, and with `separators` also the commas and newlines between entries. */
  private skipSpace(separators = false): void {
    const skippable = separators ? /[\s,]/ : /\s/;
    while (this.position < this.text.length && skippable.test(this.text[this.position])) this.position++;
  }
}
