import { isPlainObject } from './attributes';
import { containsReference, parseJsonencode, splitInterpolations } from './terraform-expressions';

/** A clear-text secret found in an element's configuration. */
export interface SecretLeak {
  /** Attribute path inside the element, e.g. `configuration.password`. */
  readonly location: string;
  readonly reason: string;
}

// Singular `token` only: `tokens` names settings such as the EC2 metadata `http_tokens`.
const SECRET_WORDS = new Set([
  'password', 'passwd', 'passphrase', 'secret', 'secrets', 'token',
  'credential', 'credentials', 'bearer', 'apikey', 'privatekey',
]);

/** Word pairs that name key material (`private_key`, `client_key`, `ssh_key`, ...). */
const SECRET_PAIRS = new Set(['private key', 'api key', 'access key', 'secret key', 'ssh key', 'signing key', 'client key']);

/**
 * Last words that make a secret-sounding name describe something else: its id or ARN, its
 * type, a length, a URL... (`secret_id`, `token_url`, `credential_type`, `password_length`).
 */
const NOT_A_SECRET_SUFFIX = new Set([
  'id', 'ids', 'arn', 'arns', 'name', 'names', 'version', 'versions', 'url', 'uri', 'endpoint',
  'type', 'length', 'path', 'file', 'filename', 'kms', 'enabled', 'required', 'mode', 'method',
  'ttl', 'expiration', 'expiry', 'count', 'policy', 'rotation', 'lifetime', 'duration', 'header',
  'location', 'format', 'prefix', 'field', 'fields', 'days', 'seconds', 'hours', 'behavior', 'source',
]);

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** isSecretKey's answers: a synth asks about the same few hundred attribute names thousands of times. */
const SECRET_KEY_ANSWERS = new Map<string, boolean>();

/** Whether an attribute with this name holds a secret value (password, token, private key...). */
export function isSecretKey(key: string): boolean {
  let answer = SECRET_KEY_ANSWERS.get(key);
  if (answer === undefined) {
    answer = decideSecretKey(key);
    SECRET_KEY_ANSWERS.set(key, answer);
  }
  return answer;
}

function decideSecretKey(key: string): boolean {
  const parts = words(key);
  if (parts.length === 0 || NOT_A_SECRET_SUFFIX.has(parts[parts.length - 1])) return false;
  if (parts.some((part) => SECRET_WORDS.has(part))) return true;
  return parts.some((part, index) => index > 0 && SECRET_PAIRS.has(`${parts[index - 1]} ${part}`));
}

/**
 * Helm charts name the entry of a Kubernetes Secret to read with `<what>SecretKey`
 * (`passwordSecretKey: DATABASE_PASSWORD`): the value is a key name in SCREAMING_SNAKE_CASE,
 * a shape no generated credential has. Only that pair is exempt; `awsSecretKey: "wJal..."` is not.
 */
export function isSecretEntryName(key: string, value: string): boolean {
  const parts = words(key);
  return parts.length >= 3 && parts[parts.length - 2] === 'secret' && parts[parts.length - 1] === 'key' && /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(value);
}

/** Literal text that is a credential whatever attribute holds it. */
const SECRET_SHAPES: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/, what: 'a PEM private key' },
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, what: 'an AWS access key id' },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}\b/, what: 'a Google API key' },
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{36}\b/, what: 'a GitHub token' },
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/, what: 'a Slack token' },
];

/** `"key" = "literal"` or `key: "literal"` pairs inside an expression or unparsed text. */
const QUOTED_PAIR = /"?([A-Za-z_][\w-]*)"?\s*[=:]\s*"((?:[^"\\]|\\.)*)"/g;

function join(location: string, key: string | number): string {
  if (typeof key === 'number') return `${location}[${key}]`;
  return location ? `${location}.${key}` : key;
}

function tryParseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/**
 * Walks a resolved configuration and reports secrets written in clear text: a secret-named
 * attribute holding literal text (also inside JSON strings and `${jsonencode(...)}`), and
 * credential-shaped literals anywhere. A secret-named attribute passes when its value is empty
 * or a pure reference (random_password, a Secrets Manager data source, a variable, a
 * cross-stack output...): then Terraform, not the synthesized JSON, carries the value.
 */
export function findClearTextSecrets(value: unknown, location = '', key = ''): SecretLeak[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => findClearTextSecrets(item, join(location, index), key));
  }
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([childKey, child]) => findClearTextSecrets(child, join(location, childKey), childKey));
  }
  if (typeof value !== 'string' || value === '') return [];

  const structured = tryParseJson(value) ?? parseJsonencode(value);
  if (structured !== undefined && typeof structured === 'object' && structured !== null) {
    return findClearTextSecrets(structured, location, key);
  }

  const leaks: SecretLeak[] = [];
  const { literal, expressions } = splitInterpolations(value);
  const shapes = SECRET_SHAPES.filter((shape) => shape.pattern.test(literal)).map((shape) => shape.what);
  if (key && isSecretKey(key) && literal.trim() !== '' && !(expressions.length === 0 && isSecretEntryName(key, literal))) {
    const what = expressions.length > 0 ? 'the value is partly literal text' : 'the value is a literal';
    leaks.push({ location, reason: shapes.length > 0 ? `${what} (${shapes.join(', ')})` : what });
  } else {
    leaks.push(...shapes.map((what) => ({ location, reason: `literal text contains ${what}` })));
    if (key && isSecretKey(key) && !expressions.some(containsReference)) {
      leaks.push({ location, reason: 'the value is an expression over literals only (no reference)' });
    }
  }
  for (const expression of expressions) {
    for (const [, pairKey, pairValue] of expression.matchAll(QUOTED_PAIR)) {
      if (pairValue !== '' && !pairValue.includes('${') && isSecretKey(pairKey) && !isSecretEntryName(pairKey, pairValue)) {
        leaks.push({ location: join(location, pairKey), reason: 'a literal inside an expression' });
      }
    }
    for (const shape of SECRET_SHAPES) {
      if (shape.pattern.test(expression)) leaks.push({ location, reason: `an expression contains ${shape.what}` });
    }
  }
  return leaks;
}
