/**
 * Readers for resolved Terraform attributes. Values arrive exactly as they will be written to
 * cdk.tf.json: literals, or strings holding "${...}" expressions for anything known only at plan
 * time. Rules only accept literals as proof of compliance, because an expression cannot be
 * checked at synth time.
 */

export type Attributes = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Attributes {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when the string is or contains a Terraform expression. */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.includes('${');
}

export function isLiteralTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** Nested blocks synthesize as an object (max one) or a list; rules treat both as a list. */
export function blocks(value: unknown): Attributes[] {
  if (Array.isArray(value)) return value.filter(isPlainObject);
  if (isPlainObject(value)) return [value];
  return [];
}

export function firstBlock(value: unknown): Attributes | undefined {
  return blocks(value)[0];
}

/** A list-of-strings attribute; a single string counts as a one-element list (IAM allows both). */
export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

export function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/**
 * Whether `value` refers to the resource `type.logicalId` (any attribute of it), e.g.
 * "${aws_s3_bucket.assets.id}". The trailing dot keeps `assets` from matching `assets2`.
 */
export function refersTo(value: unknown, type: string, logicalId: string): boolean {
  if (!isExpression(value)) return false;
  return value.includes(`${type}.${logicalId}.`);
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'not set';
  return JSON.stringify(value);
}
