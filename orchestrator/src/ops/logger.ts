// Logs, one line per record on stderr: JSON objects (the default, for journald, kubectl logs and
// log shippers) or, for a person at a terminal, `<level>: <message> key=value…`. Secrets are
// scrubbed here, centrally, so a careless call site cannot leak a password, token or client secret.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;
export type LogFormat = 'json' | 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

/** LOG_FORMAT set to something other than json or text. */
export class LogFormatError extends Error {
  readonly variable = 'LOG_FORMAT';
  constructor(readonly given: string) {
    super(`LOG_FORMAT: expected json or text, got "${given}"`);
    this.name = 'LogFormatError';
  }
}

/**
 * The log format: LOG_FORMAT when set (json or text); otherwise text when stderr is a terminal (a
 * person reads it) and JSON lines when it is not (a service manager, a pipe, a log shipper).
 */
export function resolveLogFormat(raw: string | undefined, stderrIsTerminal: boolean): LogFormat {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return stderrIsTerminal ? 'text' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(value)) throw new LogFormatError(raw as string);
  return value as LogFormat;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /(secret|password|passwd|token|authorization|credential|api[_-]?key)/i;
const REDACTED = '[redacted]';

/** Scrubs credentials embedded in free text: URL passwords, bearer tokens, key=value secrets. */
export function redactText(text: string, knownSecrets: readonly string[] = []): string {
  let result = text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/\s]*)@/gi, `$1${REDACTED}@`)
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`)
    // `KEY=value` anywhere (query strings, env lines such as AIRBYTE_CLIENT_SECRET=…) ...
    .replace(/((?:client_secret|password|access_token)=)[^"'&\s,}]+/gi, `$1${REDACTED}`)
    // ... but `key: value` only for a key of its own: "AIRBYTE_CLIENT_SECRET: is required" names a
    // variable in a settings error, and redacting its next word made the message unreadable.
    .replace(/((?<![A-Za-z0-9_])(?:client_secret|password|access_token)["']?\s*:\s*["']?)[^"'&\s,}]+/gi, `$1${REDACTED}`);
  for (const secret of knownSecrets) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  return result;
}

export function redactValue(value: unknown, knownSecrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, knownSecrets);
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message, knownSecrets) };
  }
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, knownSecrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null && typeof item !== 'boolean' ? REDACTED : redactValue(item, knownSecrets, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Exact secret values (client secret, DB passwords) to scrub wherever they appear. */
  readonly secrets?: readonly string[];
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
  /** @default 'json' */
  readonly format?: LogFormat;
}

/** One readable line: `<level>: <message>` and the fields as key=value (JSON for non-strings). */
export function formatTextRecord(level: LogLevel, message: string, fields: LogFields): string {
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`);
  return [`${level}: ${message.replace(/\s*\n\s*/g, ' ')}`, ...parts].join(' ');
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const secrets = options.secrets ?? [];
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVELS[level] < threshold) return;
    if (options.format === 'text') {
      const redacted = redactValue({ ...bound, ...(fields ?? {}) }, secrets) as LogFields;
      write(`${formatTextRecord(level, redactText(message, secrets), redacted)}\n`);
      return;
    }
    const record = redactValue({ time: now().toISOString(), level, msg: message, ...bound, ...(fields ?? {}) }, secrets);
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** Passwords found in database URLs, so they can be scrubbed even outside URL syntax. */
export function secretsFromUrls(urls: readonly string[]): string[] {
  const found: string[] = [];
  for (const raw of urls) {
    try {
      const password = decodeURIComponent(new URL(raw).password);
      if (password) found.push(password);
    } catch {
      // Not a URL: nothing to extract.
    }
  }
  return found;
}

export const silentLogger: Logger = createLogger({ write: () => undefined });
