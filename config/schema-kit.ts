/**
 * Building blocks for the environment schema (config/schema.ts): zod 4 schemas whose messages say
 * what was given and what is allowed, in the words the hand-written checks used before, plus the
 * metadata `npm run docs` reads (scripts/docs.ts).
 */
import * as z from 'zod';

/**
 * Documentation of one field for the generated README reference. `type` overrides the type the
 * generator would derive; `default` describes a default computed from other fields.
 */
export interface FieldDoc {
  readonly description?: string;
  readonly type?: string;
  readonly default?: string;
}

/** Attaches a field's documentation (read by scripts/docs.ts through zod's global registry). */
export function doc<T extends z.ZodType>(schema: T, description: string, extra: Omit<FieldDoc, 'description'> = {}): T {
  return schema.meta({ description, ...extra });
}

/** A value as the message shows it: JSON, so a string is quoted and a missing value reads `undefined`. */
export function shown(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

function allowedList(allowed: readonly (string | number)[]): string {
  return allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')}, … (${allowed.length} values)` : allowed.join(', ');
}

const notAllowed = (allowed: readonly (string | number)[]) => (issue: { input?: unknown }) =>
  `${shown(issue.input)} is not allowed; expected one of: ${allowedList(allowed)}`;

/** One of a fixed set of string literals (typed). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: notAllowed(values) });
}

/** One of a list known only as `string[]` (regions, locations, instance types). */
export function oneOfList(values: readonly string[], docType = 'string') {
  return z
    .string({ error: notAllowed(values) })
    .refine((v) => values.includes(v), { error: notAllowed(values) })
    .meta({ type: docType });
}

/** One of a list of numbers (CloudWatch retention days). */
export function oneOfNumbers(values: readonly number[]) {
  return z
    .number({ error: notAllowed(values) })
    .refine((v) => values.includes(v), { error: notAllowed(values) })
    .meta({ type: `one of ${values.join(', ')}` });
}

/** An integer in [min, max]. */
export function integer(min: number, max: number) {
  const error = (issue: { input?: unknown }) => `${shown(issue.input)} is out of range; expected an integer from ${min} to ${max}`;
  return z
    .number({ error })
    .refine((v) => Number.isInteger(v) && v >= min && v <= max, { error })
    .meta({ type: `integer, ${min}–${max}` });
}

/** A string matching `pattern`; `expected` says what that is, in words. */
export function matching(pattern: RegExp, expected: string) {
  const error = (issue: { input?: unknown }) => `${shown(issue.input)} is invalid; expected ${expected}`;
  return z.string({ error }).regex(pattern, { error }).meta({ type: `string: ${expected}` });
}

/** A non-empty string, then (when given) `pattern`. */
export function requiredMatching(pattern: RegExp | undefined, expected: string) {
  return z
    .string({ error: 'is required; expected a non-empty string' })
    .superRefine((value, ctx) => {
      if (value.trim() === '') ctx.addIssue({ code: 'custom', message: 'is required; expected a non-empty string', input: value });
      else if (pattern && !pattern.test(value)) ctx.addIssue({ code: 'custom', message: `${shown(value)} is invalid; expected ${expected}`, input: value });
    })
    .meta({ type: `string: ${expected}` });
}

export function bool() {
  return z.boolean({ error: (issue) => `${shown(issue.input)} is invalid; expected true or false` });
}

/** A list of `item`, with the message naming the whole field when it is not a list at all. */
export function list<T extends z.ZodType>(item: T) {
  return z.array(item, { error: (issue) => `${shown(issue.input)} is invalid; expected a list` });
}

/** Fields of an object; a missing or non-object value is named at the object's path. */
export function object<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape, { error: (issue) => `${shown(issue.input)} is invalid; expected an object` });
}

/**
 * A union told apart by `key`. An unknown tag is reported at `<path>.<key>` with the allowed tags,
 * `quoted` in the "create" or "existing" style when there are two and the old message did so.
 */
export function tagged<K extends string, O extends readonly [z.ZodObject, ...z.ZodObject[]]>(key: K, options: O, style: 'list' | 'quoted' = 'list') {
  const tags = options.map((o) => ((o.shape as Record<string, z.ZodType>)[key] as z.ZodLiteral<string>).value);
  return z.discriminatedUnion(key, options as unknown as [z.ZodObject, ...z.ZodObject[]], {
    error: (issue) => {
      if (issue.code === 'invalid_union') {
        const given = (issue.input as Record<string, unknown> | undefined)?.[key];
        return style === 'quoted'
          ? `${shown(given)} is not allowed; expected ${tags.map((t) => JSON.stringify(t)).join(' or ')}`
          : `${shown(given)} is not allowed; expected one of: ${tags.join(', ')}`;
      }
      return `${shown(issue.input)} is invalid; expected an object with ${key} ${tags.map((t) => JSON.stringify(t)).join(' or ')}`;
    },
  }) as unknown as z.ZodDiscriminatedUnion<[...O]>;
}

/** `a.b[0].c` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? String(part) : `${text}.${String(part)}`), '');
}

/** Every issue as `<path>: <message>`, duplicates (one value failing two ways alike) once. */
export function issueLines(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines = issues.map((issue) => (issue.path.length === 0 ? issue.message : `${formatPath(issue.path)}: ${issue.message}`));
  return [...new Set(lines)];
}

/** For fields without a message of their own (there should be none): still the value and the expectation. */
export const fallbackError: z.core.$ZodErrorMap = (issue) => {
  const expected = 'expected' in issue && issue.expected ? `expected ${String(issue.expected)}` : issue.message ?? 'see the configuration reference in README.md';
  return `${shown(issue.input)} is invalid; ${expected}`;
};
