/**
 * Generated documentation (`npm run docs`, runner scripts/run-docs.js): each generator renders one
 * file, or one marked block of it, from the code that holds the facts, so the text cannot drift.
 * __tests__/scripts/docs.test.ts renders every generator in memory and fails when a file differs.
 *
 * To add a generator, append it to GENERATORS: a file path (from the repository root) and a
 * `render(current)` returning the whole new content (use `replaceBlock` to fill a marked block).
 */
import { NAMING_SHELL_FILE, renderNamingShell } from './naming-shell';
import * as z from 'zod';
import { environmentSchema } from '../config/schema';
import { ORCHESTRATOR_VARIABLES } from '../orchestrator/src/settings';

export interface DocsGenerator {
  /** Short name, used in the block markers and in messages. */
  readonly name: string;
  /** Path from the repository root. */
  readonly file: string;
  /** The file's new content, given its current content (undefined when the file does not exist). */
  render(current: string | undefined): string;
}

const marker = (name: string, edge: 'BEGIN' | 'END') => `<!-- ${edge} GENERATED ${name}: edit the source, then run \`npm run docs\` -->`;

/** Replaces the text between the block's markers (kept) with `body`. */
export function replaceBlock(current: string | undefined, name: string, file: string, body: string): string {
  const begin = marker(name, 'BEGIN');
  const end = marker(name, 'END');
  const from = current?.indexOf(begin) ?? -1;
  const to = current?.indexOf(end) ?? -1;
  if (current === undefined || from < 0 || to < from) {
    throw new Error(`${file}: the generated block "${name}" needs its markers, on their own lines:\n${begin}\n${end}`);
  }
  return `${current.slice(0, from + begin.length)}\n${body.trimEnd()}\n${current.slice(to)}`;
}

// ---------------------------------------------------------------- reading the schema

interface Meta {
  description?: string;
  type?: string;
  default?: string;
}

interface Field {
  /** Innermost schema, past optional/default/pipe wrappers. */
  readonly core: z.ZodType;
  readonly meta: Meta;
  readonly optional: boolean;
  readonly defaultValue?: unknown;
  readonly sectionDefault: boolean;
}

const isEmptyObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps optional/default/prefault/pipe layers, merging their documentation (the outer layer wins). */
function field(schema: z.ZodType): Field {
  const layers: Meta[] = [];
  let optional = false;
  let defaultValue: unknown;
  let sectionDefault = false;
  let current = schema;
  for (;;) {
    layers.push((z.globalRegistry.get(current) ?? {}) as Meta);
    const def = defOf(current);
    if (def.type === 'optional') {
      optional = true;
      current = def.innerType as z.ZodType;
    } else if (def.type === 'default' || def.type === 'prefault') {
      if (defaultValue === undefined) {
        defaultValue = (def as unknown as { defaultValue: unknown }).defaultValue;
        // An empty section parsed through its own schema: its fields' defaults apply.
        sectionDefault = def.type === 'prefault' && isEmptyObject(defaultValue);
      }
      current = def.innerType as z.ZodType;
    } else if (def.type === 'pipe') {
      current = def.in as z.ZodType;
    } else {
      break;
    }
  }
  const meta = Object.assign({}, ...layers.reverse()) as Meta;
  return { core: current, meta, optional, defaultValue, sectionDefault };
}

function typeOf(f: Field): string {
  if (f.meta.type) return f.meta.type;
  const def = defOf(f.core);
  switch (def.type) {
    case 'enum':
      return Object.values(def.entries as Record<string, string>).map((v) => JSON.stringify(v)).join(' | ');
    case 'literal':
      return (def.values as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
    case 'array': {
      const item = field(def.element as z.ZodType);
      return defOf(item.core).type === 'object' ? 'list of objects' : `list of ${typeOf(item)}`;
    }
    case 'object':
      return 'object';
    case 'union':
      return 'object';
    case 'record':
      return 'map of string to string';
    default:
      return def.type;
  }
}

function defaultOf(f: Field): string {
  if (f.meta.default !== undefined) return f.meta.default;
  if (f.sectionDefault) return 'the defaults below';
  if (f.defaultValue !== undefined) return `\`${JSON.stringify(f.defaultValue)}\``;
  return f.optional ? 'none' : 'required';
}

interface Row {
  path: string;
  type: string;
  default: string;
  description: string;
  /** The union branches a field belongs to, e.g. `mode "create"`; empty when it applies always. */
  when: string[];
}

/** Rows of `schema` under `path`, depth first, in declaration order. */
function rows(schema: z.ZodType, path: string, when: string[] = []): Row[] {
  const f = field(schema);
  const def = defOf(f.core);
  const own: Row[] = path === '' ? [] : [{ path, type: typeOf(f), default: defaultOf(f), description: f.meta.description ?? '', when }];
  if (def.type === 'object') {
    const shape = def.shape as Record<string, z.ZodType>;
    return [...own, ...Object.entries(shape).flatMap(([key, child]) => rows(child, path === '' ? key : `${path}.${key}`, when))];
  }
  if (def.type === 'array') {
    const item = field(def.element as z.ZodType);
    return defOf(item.core).type === 'object' || defOf(item.core).type === 'union' ? [...own, ...rows(def.element as z.ZodType, `${path}[]`, when).slice(1)] : own;
  }
  if (def.type === 'union' && typeof def.discriminator === 'string') {
    const key = def.discriminator;
    const options = def.options as z.ZodObject[];
    const tags = options.map((o) => (defOf(o.shape[key] as z.ZodType).values as string[])[0]);
    if (own.length > 0) own[0].type = tags.map((t) => `{ ${key}: "${t}" }`).join(' | ');
    // One row per field; a field in several branches lists them (none when it is in all).
    const merged = new Map<string, Row>();
    options.forEach((option, i) => {
      const branch = `${key} "${tags[i]}"`;
      const optionMeta = (z.globalRegistry.get(option) ?? {}) as Meta;
      if (optionMeta.description && own.length > 0) own[0].description += ` ${branch}: ${optionMeta.description}`;
      for (const row of rows(option, path, [...when, branch]).filter((r) => r.path !== path && r.path !== `${path === '' ? '' : `${path}.`}${key}`)) {
        // Merged only when the branches document the field alike (e.g. fields common to both database modes).
        const seen = merged.get(`${row.path}|${row.type}|${row.default}|${row.description}`);
        if (seen) seen.when.push(branch);
        else merged.set(`${row.path}|${row.type}|${row.default}|${row.description}`, { ...row, when: [branch] });
      }
    });
    const all = [...merged.values()].map((row) => ({ ...row, when: row.when.length === options.length ? when : [...when, ...row.when.filter((w) => !when.includes(w))] }));
    return [...own, ...all];
  }
  return own;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: string[], body: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** README's configuration reference: every field of an environment, from config/schema.ts. */
export function configurationReference(): string {
  const environmentFields = defOf(environmentSchema as unknown as z.ZodType).in as z.ZodType;
  const body = rows(environmentFields, '').map((row) => [
    `\`${row.path}\``,
    cell(row.type),
    cell(row.default),
    cell(`${row.when.length > 0 ? `(${row.when.join(', ')}) ` : ''}${row.description}`),
  ]);
  return table(['field', 'type', 'default', 'description'], body);
}

/** orchestrator/README.md's settings table: every variable, from ORCHESTRATOR_VARIABLES in settings.ts. */
export function orchestratorSettingsTable(): string {
  const body = Object.entries(ORCHESTRATOR_VARIABLES.shape).map(([name, schema]) => {
    const meta = (z.globalRegistry.get(schema as z.ZodType) ?? {}) as Meta & { fallback?: string };
    // A fixed default is the variable's text as written; others are described in words.
    const dflt = meta.fallback !== undefined ? `\`${meta.fallback}\`` : (meta.default ?? 'required');
    return [`\`${name}\``, cell(meta.type ?? 'string'), cell(dflt), cell(meta.description ?? '')];
  });
  return table(['variable', 'type', 'default', 'description'], body);
}

/** Comment lines of at most `width` characters. */
function comment(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** .env.example: every variable in its section with its description, default and an example; required ones uncommented. */
export function envExample(): string {
  const out = [
    '# Orchestrator environment (npm run orchestrator -- migrate|once|run|status|prepare-source|retire-source).',
    '# Generated from orchestrator/src/settings.ts by `npm run docs`: edit the descriptions there.',
    '# Copy to .env (never commit real values). Every variable the orchestrator reads is listed here.',
    '# Precedence: environment variable > ORCHESTRATOR_CONFIG document > default.',
  ];
  let section: string | undefined;
  for (const [name, schema] of Object.entries(ORCHESTRATOR_VARIABLES.shape)) {
    const meta = (z.globalRegistry.get(schema as z.ZodType) ?? {}) as Meta & { fallback?: string; section?: string; example?: string };
    if (meta.section !== section) {
      section = meta.section;
      out.push('', `# --- ${section} ${'-'.repeat(Math.max(3, 92 - String(section).length))}`);
    }
    const value = meta.example ?? meta.fallback ?? '';
    if (meta.default === undefined) {
      out.push(...comment(meta.description ?? ''), `${name}=${value}`);
    } else {
      out.push(...comment(`${meta.description ?? ''} Default: ${meta.default}`), `# ${name}=${value}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export const GENERATORS: DocsGenerator[] = [
  // The naming rules of config/naming.ts as a bash library for the operator scripts (scripts/naming-shell.ts).
  { name: 'naming-shell', file: NAMING_SHELL_FILE, render: () => renderNamingShell() },
  { name: 'env-example', file: '.env.example', render: () => envExample() },
  { name: 'configuration-reference', file: 'README.md', render: (current) => replaceBlock(current, 'configuration-reference', 'README.md', configurationReference()) },
  {
    name: 'orchestrator-settings',
    file: 'orchestrator/README.md',
    render: (current) => replaceBlock(current, 'orchestrator-settings', 'orchestrator/README.md', orchestratorSettingsTable()),
  },
];
