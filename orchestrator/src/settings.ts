// Turns environment variables (+ the optional configuration document) into validated settings.
// Every variable is one entry of one zod schema (`ORCHESTRATOR_VARIABLES`): its parsing, its
// default (written once, there) and its documentation (orchestrator/README.md's settings table is
// generated from it by `npm run docs`). Any problem is a ConfigurationError naming the variable at
// fault, what was given and what is allowed (CLI exit code 2); several problems are reported at once.
import * as fs from 'fs';
import * as z from 'zod';
import { NAMING_CONSTANTS, publicationName, replicationSlotName } from '../../config/naming';
import { ConfigDocumentError, OrchestratorConfigDocument, OrchestratorTable, parseConfigDocument } from './config-document';
import { LOG_FORMATS, LogFormat } from './ops/logger';

export class ConfigurationError extends Error {
  constructor(
    readonly variable: string,
    readonly detail: string,
    /** Further problems found in the same pass, reported on the same line. */
    readonly others: ReadonlyArray<{ readonly variable: string; readonly detail: string }> = [],
  ) {
    super(`${variable}: ${detail}${others.length > 0 ? `; also ${others.map((o) => `${o.variable}: ${o.detail}`).join('; ')}` : ''}`);
    this.name = 'ConfigurationError';
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** The freshness objective when neither the environment nor the document sets one. */
export const DEFAULT_FRESHNESS_TARGET_SECONDS = 600;
const WEEK_SECONDS = 7 * 24 * 3600;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLOT_PATTERN = /^[a-z0-9_]{1,63}$/;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Documentation of one variable for the generated settings table (scripts/docs.ts). */
export interface VariableDoc {
  readonly description: string;
  readonly type: string;
  /** The default in words; omitted when the variable is required or has none. */
  readonly default?: string;
}

/** How a variable is read: `fallback` is the text used when it is unset (so it is parsed like a given value and documented as written). */
interface VariableOptions {
  readonly fallback?: string;
  /** Shown in the table when the default is not a fixed text (derived from another variable or the document). */
  readonly defaultDoc?: string;
  readonly trim?: boolean;
}

/** A variable: blank counts as unset; `parse` turns the trimmed text into the value or reports what is wrong. */
function variable<T>(docs: Omit<VariableDoc, 'default'>, parse: (raw: string, fail: (detail: string) => never) => T, options: VariableOptions & { fallback: string }): z.ZodType<T, string | undefined>;
function variable<T>(docs: Omit<VariableDoc, 'default'>, parse: (raw: string, fail: (detail: string) => never) => T, options?: VariableOptions): z.ZodType<T | undefined, string | undefined>;
function variable<T>(docs: Omit<VariableDoc, 'default'>, parse: (raw: string, fail: (detail: string) => never) => T, options: VariableOptions = {}) {
  const read = (text: string) =>
    parse(options.trim === false ? text : text.trim(), (detail) => {
      throw new VariableProblem(detail);
    });
  return z
    .string()
    .optional()
    .transform((value, ctx): T | undefined => {
      if (value === undefined || value.trim() === '') return options.fallback === undefined ? undefined : read(options.fallback);
      try {
        return read(value);
      } catch (error) {
        if (!(error instanceof VariableProblem)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message, input: value });
        return z.NEVER;
      }
    })
    .meta({ ...docs, default: options.fallback ?? options.defaultDoc, fallback: options.fallback });
}

class VariableProblem extends Error {}

type Default = { readonly fallback: string } | { readonly defaultDoc?: string; readonly fallback?: undefined };

const seconds = <D extends Default>(description: string, dflt: D, max = WEEK_SECONDS) =>
  variable(
    { description, type: `seconds, > 0 and ≤ ${max} (fractions allowed)` },
    (raw, fail) => {
      const value = Number(raw);
      if (!Number.isFinite(value) || value <= 0 || value > max) fail(`expected a positive number of seconds up to ${max}, got "${raw}"`);
      return Math.round(value * 1000);
    },
    dflt as VariableOptions & { fallback: string },
  ) as z.ZodType<D extends { fallback: string } ? number : number | undefined, string | undefined>;

const wholeNumber = (description: string, fallback: string, max: number) =>
  variable(
    { description, type: `whole number, 1–${max}` },
    (raw, fail) => {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 1 || value > max) fail(`expected a whole number from 1 to ${max}, got "${raw}"`);
      return value;
    },
    { fallback },
  );

/** `raw` as a URL with one of `schemes`; `example` says what a valid one looks like, `expected` which schemes are allowed. */
function parseUrl(raw: string, fail: (detail: string) => never, example: string, schemes: readonly string[], expected: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`is not a valid URL (expected ${example})`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme)) fail(`expected ${expected}, got scheme "${scheme}"`);
  return url;
}

function checkPostgresUrl(raw: string, fail: (detail: string) => never): string {
  const url = parseUrl(raw, fail, 'postgres://user:password@host:port/database', ['postgres', 'postgresql'], 'a postgres:// or postgresql:// URL');
  if (!url.hostname && !url.searchParams.get('host')) fail('has no host');
  return raw;
}
const postgresUrl = (description: string, defaultDoc?: string) => variable({ description, type: 'postgres:// or postgresql:// URL' }, checkPostgresUrl, { defaultDoc });

function checkHttpUrl(raw: string, fail: (detail: string) => never): string {
  const url = parseUrl(raw, fail, 'e.g. http://localhost:8000/api/public/v1', ['http', 'https'], 'an http(s) URL');
  if (url.username || url.password) fail('must not embed credentials; use AIRBYTE_CLIENT_ID/AIRBYTE_CLIENT_SECRET');
  return url.toString().replace(/\/+$/, '');
}
const HTTP_URL = 'http(s) URL without credentials';

function checkIdentifier(raw: string, fail: (detail: string) => never): string {
  if (raw.length > 63 || raw.includes('\0')) fail(`expected a PostgreSQL identifier of at most 63 characters, got "${raw}"`);
  return raw;
}
const IDENTIFIER = 'PostgreSQL identifier, ≤ 63 characters';

const plain = (description: string, type: string, defaultDoc?: string) => variable({ description, type }, (raw) => raw, { defaultDoc });

/** Defaults that the document may override, so they are applied after reading it (and documented from here). */
export const DOCUMENT_DEFAULTS = { cursorColumn: 'updated_at', pollIntervalSeconds: 30, minSyncIntervalSeconds: 0 } as const;

/** Tags each variable of a group with its section (the headings of .env.example) and, where useful, an example value. */
function section<S extends Record<string, z.ZodType>>(title: string, examples: Partial<Record<keyof S, string>>, shape: S): S {
  return Object.fromEntries(
    Object.entries(shape).map(([name, schema]) => [name, schema.meta({ ...(z.globalRegistry.get(schema) ?? {}), section: title, example: examples[name] })]),
  ) as S;
}

const REQUIRED = section('required', { SOURCE_DATABASE_URL: 'postgres://orchestrator:change-me@localhost:5432/app' }, {
  SOURCE_DATABASE_URL: postgresUrl('Source PostgreSQL (the CDC database); its password is never logged. Required (prepare-source with SOURCE_TABLES may use SOURCE_ADMIN_DATABASE_URL instead).'),
  AIRBYTE_CLIENT_ID: plain('Airbyte application client id (kubectl -n airbyte-abctl get secret airbyte-auth-secrets). Required except for retire-source.', 'string'),
  AIRBYTE_CLIENT_SECRET: plain('Airbyte application client secret. Required except for retire-source.', 'string (secret)'),
  AIRBYTE_CONNECTION_ID: variable(
    { description: 'Connection id(s), comma-separated. Required unless ORCHESTRATOR_CONFIG lists connections.', type: 'comma-separated UUIDs' },
    (raw, fail) => {
      const ids: string[] = [];
      for (const id of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
        if (!UUID_PATTERN.test(id)) fail(`expected comma-separated connection ids (UUIDs), got "${id}"`);
        ids.push(id.toLowerCase());
      }
      return ids;
    },
  ),
});

const OPTIONAL_EXAMPLES = {
  ORCHESTRATOR_CONFIG: '/etc/airbyte-orchestrator/config.json',
  AIRBYTE_CONFIG_API_URL: 'http://localhost:8000/api/v1',
  CURSOR_COLUMN: 'updated_at',
  POLL_INTERVAL_SECONDS: '30',
  FRESHNESS_TARGET_SECONDS: '600',
  MIN_SYNC_INTERVAL_SECONDS: '0',
  LOG_FORMAT: 'json',
};
const OPTIONAL = section('optional', OPTIONAL_EXAMPLES, {
  ORCHESTRATOR_CONFIG: plain('JSON configuration document (connections, per-table overrides, slot, freshness objectives; see orchestrator/README.md), written by the Airbyte stack; variables win over it.', 'file path', 'none'),
  STATE_DATABASE_URL: postgresUrl('Where sync_state and the job history live.', 'SOURCE_DATABASE_URL'),
  STATE_SCHEMA: variable({ description: 'Schema of the state tables.', type: IDENTIFIER }, checkIdentifier, { fallback: 'airbyte_orchestrator' }),
  AIRBYTE_API_URL: variable({ description: 'Airbyte public API base.', type: HTTP_URL }, checkHttpUrl, { fallback: 'http://localhost:8000/api/public/v1' }),
  AIRBYTE_CONFIG_API_URL: variable({ description: 'Airbyte config API base (schema refresh).', type: HTTP_URL }, checkHttpUrl, { defaultDoc: 'derived from AIRBYTE_API_URL (…/api/public/v1 → …/api/v1)' }),
  CURSOR_COLUMN: variable({ description: 'Change column of every table (per-table overrides in the document).', type: IDENTIFIER }, checkIdentifier, {
    defaultDoc: `the document's cursorColumn, else ${DOCUMENT_DEFAULTS.cursorColumn}`,
  }),
  POLL_INTERVAL_SECONDS: seconds('Cycle period of `run`.', { defaultDoc: `the document's pollIntervalSeconds, else ${DOCUMENT_DEFAULTS.pollIntervalSeconds}` }),
  FRESHNESS_TARGET_SECONDS: seconds('Freshness objective per table: alert and status page when a change stays unsynced longer.', {
    defaultDoc: `the document's freshnessTargetSeconds (per connection, then document-wide), else ${DEFAULT_FRESHNESS_TARGET_SECONDS}`,
  }),
  MIN_SYNC_INTERVAL_SECONDS: variable(
    { description: 'Cost cap: minimum time between the starts of two syncs of a connection; under a cap, a sync also waits until a look finds no new change (settle rule, at most one cap interval). 0 = sync as soon as a change is seen.', type: `seconds, 0–${WEEK_SECONDS}` },
    (raw, fail) => {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0 || value > WEEK_SECONDS) fail(`expected a number of seconds from 0 to ${WEEK_SECONDS}, got "${raw}"`);
      return Math.round(value * 1000);
    },
    { defaultDoc: `the document's minSyncIntervalSeconds (per connection, then document-wide), else ${DOCUMENT_DEFAULTS.minSyncIntervalSeconds}` },
  ),
  // Room for a CDC initial snapshot: the Postgres source's initial_load_timeout_hours defaults to 8 h.
  JOB_TIMEOUT_SECONDS: seconds("A sync we triggered running longer than this is cancelled (only while it is still the connection's current job); one we attached to is let go. Leaves room for a CDC initial snapshot (the Postgres source's initial_load_timeout_hours defaults to 8 h).", { fallback: String(9 * 3600) }),
  // Below abctl's 600 s ingress timeout, so the orchestrator gives up before the proxy does.
  DISCOVER_TIMEOUT_SECONDS: seconds("Timeout of a schema discover (POST /api/v1/sources/discover_schema runs a connector pod synchronously), below abctl's 600 s proxy timeout; never retried after a timeout.", { fallback: '540' }, 3600),
  CURSOR_SWEEP_SECONDS: seconds('max(cursor) of a table is re-read when its change counters move, and of every table at least this often.', { fallback: '300' }),
  JOB_POLL_MIN_SECONDS: seconds('Job status polling: first interval (grows ×1.5).', { fallback: '1' }),
  JOB_POLL_MAX_SECONDS: seconds('Job status polling: largest interval; at least JOB_POLL_MIN_SECONDS.', { fallback: '15' }),
  HTTP_TIMEOUT_SECONDS: seconds('Per-request timeout of Airbyte API calls.', { fallback: '30' }, 3600),
  HTTP_MAX_ATTEMPTS: wholeNumber('Attempts per Airbyte request on 5xx/429/timeouts/resets (capped exponential backoff with jitter).', '6', 100),
  RETRY_BASE_SECONDS: seconds('Backoff base.', { fallback: '0.5' }),
  RETRY_MAX_SECONDS: seconds('Backoff cap; at least RETRY_BASE_SECONDS.', { fallback: '30' }),
  LOG_LEVEL: variable(
    { description: 'Lowest level logged.', type: LOG_LEVELS.join(' | ') },
    (raw, fail) => {
      const level = raw.toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(level)) fail(`expected debug, info, warn or error, got "${level}"`);
      return level as (typeof LOG_LEVELS)[number];
    },
    { fallback: 'info' },
  ),
  // Read by the command line before the settings (errors are printed in this format); listed here so it is documented with the rest.
  LOG_FORMAT: variable(
    { description: 'JSON lines (for journald, kubectl logs, log shippers) or readable lines.', type: LOG_FORMATS.join(' | ') },
    (raw, fail) => {
      const format = raw.toLowerCase();
      if (!(LOG_FORMATS as readonly string[]).includes(format)) fail(`expected ${LOG_FORMATS.join(' or ')}, got "${raw}"`);
      return format as LogFormat;
    },
    { defaultDoc: 'text when stderr is a terminal, json otherwise' },
  ),
});

const SOURCE_EXAMPLES = {
  CDC_ENVIRONMENT: 'dev',
  REPLICATION_SLOT: 'airbyte_dev_slot',
  PUBLICATION: 'airbyte_dev_publication',
  AIRBYTE_DATABASE_USER: 'airbyte',
  SOURCE_ADMIN_DATABASE_URL: 'postgres://postgres:change-me@localhost:5432/app',
  SOURCE_TABLES: 'public.orders,public.customers',
  SOURCE_SEED_SQL_FILE: '/path/to/seed.sql',
};
const SOURCE = section('source preparation and WAL guard (CDC)', SOURCE_EXAMPLES, {
  CDC_ENVIRONMENT: variable(
    { description: 'Environment name: the slot and publication default to airbyte_<env>_slot / airbyte_<env>_publication (config/naming.ts; "-" becomes "_"), as the Airbyte stack names them. scripts/stack.sh sets it for retire-source.', type: 'environment name' },
    (raw, fail) => {
      if (!new RegExp(NAMING_CONSTANTS.ENVIRONMENT_NAME_PATTERN).test(raw)) fail(`expected an environment name such as dev or pr-123, got "${raw}"`);
      return raw;
    },
    { defaultDoc: 'none' },
  ),
  REPLICATION_SLOT: plain(
    'Logical replication slot (pgoutput): lowercase letters, digits, _ (≤ 63); may not start with "rds". None: the WAL guard is off and prepare-source refuses.',
    'slot name',
    "the document's replicationSlot, else CDC_ENVIRONMENT's slot, else none",
  ),
  PUBLICATION: plain('Publication covering exactly the publishable watched tables (+ airbyte_heartbeat.heartbeat).', IDENTIFIER, "the document's publication, else CDC_ENVIRONMENT's publication, else none"),
  AIRBYTE_DATABASE_USER: variable({ description: 'Login Airbyte reads the source with; prepare-source grants it rds_replication (RDS), USAGE and SELECT. Must differ from the admin login.', type: IDENTIFIER }, checkIdentifier, {
    defaultDoc: 'the user in SOURCE_DATABASE_URL, else airbyte',
  }),
  SOURCE_ADMIN_DATABASE_URL: postgresUrl('Privileged URL for prepare-source/retire-source (the RDS master user).', 'SOURCE_DATABASE_URL'),
  SOURCE_TABLES: variable(
    { description: 'prepare-source: the watched tables. When set, prepare-source asks Airbyte nothing (no Airbyte credentials needed, and SOURCE_DATABASE_URL may be omitted: the admin URL stands in), as before the first <env>-airbyte apply.', type: 'comma-separated schema.table' },
    (raw, fail) => {
      const tables: Array<{ readonly schema: string; readonly table: string }> = [];
      for (const part of raw.split(',').map((p) => p.trim())) {
        const dot = part.indexOf('.');
        const schema = dot > 0 ? part.slice(0, dot) : '';
        const table = dot > 0 ? part.slice(dot + 1) : '';
        if (!schema || !table || schema.length > 63 || table.length > 63 || part.includes('\0')) {
          fail(`expected comma-separated schema.table names (e.g. public.orders,public.customers), got "${part}"`);
        }
        if (!tables.some((t) => t.schema === schema && t.table === table)) tables.push({ schema, table });
      }
      return tables;
    },
    { defaultDoc: "the connections' streams" },
  ),
  // Not trimmed: a password may start or end with spaces.
  SOURCE_REPLICATION_PASSWORD: variable(
    { description: 'prepare-source: password of AIRBYTE_DATABASE_USER. When set and the login is missing, prepare-source creates it, sending only a SCRAM-SHA-256 verifier. Never printed or logged.', type: 'string (secret)' },
    (raw) => raw,
    { trim: false, defaultDoc: 'none' },
  ),
  SOURCE_SEED_SQL_FILE: plain('prepare-source: SQL file run as the admin inside the preparation transaction, before the checks (ephemeral environments; must be idempotent, e.g. CREATE TABLE IF NOT EXISTS).', 'file path', 'none'),
  SOURCE_LOCK_TIMEOUT_SECONDS: seconds('prepare-source/retire-source: lock_timeout of their transaction.', { fallback: '5' }, 3600),
  SOURCE_STATEMENT_TIMEOUT_SECONDS: seconds('prepare-source/retire-source: statement_timeout of their transaction.', { fallback: '120' }, 24 * 3600),
  WAL_LAG_ALERT_BYTES: variable(
    { description: 'Slot lag (WAL not yet confirmed by Airbyte) above which a cycle syncs without table changes and alerts.', type: 'bytes, optionally with a unit (KB MB GB KiB MiB GiB)' },
    (raw, fail) => {
      const match = /^(\d+)\s*(|B|KB|MB|GB|KiB|MiB|GiB)$/i.exec(raw);
      const units: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
      const value = match ? Number(match[1]) * units[match[2].toLowerCase()] : NaN;
      if (!Number.isSafeInteger(value) || value < 1) fail(`expected a positive number of bytes, optionally with a unit (e.g. 1073741824, 512MiB, 1GiB), got "${raw}"`);
      return value;
    },
    { fallback: '1GiB' },
  ),
});

const OPERATIONS = section('status page, metrics, alerts', { AIRBYTE_UI_URL: 'http://localhost:8000', ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX' }, {
  ORCHESTRATOR_HTTP_ADDR: variable(
    { description: 'Where `run` serves the status page, /status.json, /healthz and /metrics; loopback only unless ORCHESTRATOR_HTTP_ALLOW_REMOTE is true.', type: 'host:port or "off"' },
    (raw, fail): { readonly host: string; readonly port: number } | null => {
      if (raw.toLowerCase() === 'off') return null;
      const match = /^(?:\[([0-9a-f:]+)\]|([^:\s]+)):(\d{1,5})$/i.exec(raw);
      const port = match ? Number(match[3]) : NaN;
      if (!match || port > 65535) return fail(`expected host:port (e.g. 127.0.0.1:8089, [::1]:8089) or "off", got "${raw}"`);
      return { host: match[1] ?? match[2], port };
    },
    { fallback: '127.0.0.1:8089' },
  ),
  ORCHESTRATOR_HTTP_ALLOW_REMOTE: variable(
    { description: 'Let the status page listen on a non-loopback address (it has no authentication).', type: 'true | false' },
    (raw, fail) => {
      const value = raw.toLowerCase();
      if (value !== 'true' && value !== 'false') fail(`expected true or false, got "${value}"`);
      return value === 'true';
    },
    { fallback: 'false' },
  ),
  AIRBYTE_UI_URL: variable({ description: 'Airbyte web UI base, for links to jobs.', type: HTTP_URL }, checkHttpUrl, { defaultDoc: 'the origin of AIRBYTE_API_URL' }),
  ALERT_WEBHOOK_URL: variable(
    { description: 'Slack-compatible incoming webhook for alerts ({"text": …} POST); its path is a secret, never logged.', type: 'http(s) URL' },
    (raw, fail) => {
      parseUrl(raw, fail, 'an https:// incoming-webhook URL, Slack-compatible', ['https', 'http'], 'an http(s) URL');
      return raw;
    },
    { defaultDoc: 'none' },
  ),
  ALERT_UNREACHABLE_CYCLES: wholeNumber('Consecutive cycles with Airbyte unreachable before alerting.', '3', 10_000),
});

/** Every variable the orchestrator reads, in the order the settings table and .env.example list them. */
export const ORCHESTRATOR_VARIABLES = z.object({ ...REQUIRED, ...OPTIONAL, ...SOURCE, ...OPERATIONS });

/** The variables as parsed, with the defaults that do not depend on the document applied. */
export type OrchestratorVariables = z.output<typeof ORCHESTRATOR_VARIABLES>;

/** How long a wait for the state lock goes before it is logged (not a variable). */
const LOCK_WAIT_LOG_MS = 30_000;
/** The login Airbyte reads the source with when neither AIRBYTE_DATABASE_USER nor the source URL names one. */
const DEFAULT_AIRBYTE_USER = 'airbyte';

export interface ConnectionSettings {
  readonly connectionId: string;
  readonly name?: string;
  /** Explicit tables; undefined means "the connection's selected streams". */
  readonly tables?: ReadonlyArray<Required<OrchestratorTable>>;
  /** Freshness objective: a change should reach BigQuery within this many ms. */
  readonly freshnessTargetMs: number;
  /** Cost cap: at least this long between the starts of two syncs of the connection (0 = off). */
  readonly minSyncIntervalMs: number;
}

export interface LoadOptions {
  /** false for commands that never talk to Airbyte (retire-source): no credentials or connections required. */
  readonly requireAirbyte?: boolean;
  /** prepare-source with SOURCE_TABLES: SOURCE_DATABASE_URL may be omitted (SOURCE_ADMIN_DATABASE_URL stands in). */
  readonly adminUrlAsSource?: boolean;
}

/** `…/api/public/v1` → `…/api/v1` (abctl serves both on one port); otherwise `<origin>/api/v1`. */
export function deriveConfigApiUrl(publicApiUrl: string): string {
  const url = new URL(publicApiUrl);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/public/v1') ? `${path.slice(0, -'/public/v1'.length)}/v1` : '/api/v1';
  return url.toString().replace(/\/+$/, '');
}

/** `airbyte_<env>_slot` / `airbyte_<env>_publication`, as the Airbyte stack names them (config/naming.ts). */
export function defaultReplicationNames(environment: string): { slot: string; publication: string } {
  return { slot: replicationSlotName(environment), publication: publicationName(environment) };
}

type Problem = { readonly variable: string; readonly detail: string };

function fail(problems: readonly Problem[]): never {
  const [first, ...others] = problems;
  throw new ConfigurationError(first.variable, first.detail, others);
}

function readDocument(file: string | undefined, readFile: (path: string) => string): OrchestratorConfigDocument | Problem | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { variable: 'ORCHESTRATOR_CONFIG', detail: `cannot read file ${file}${code ? ` (${code})` : ''}` };
  }
  try {
    return parseConfigDocument(text);
  } catch (error) {
    if (error instanceof ConfigDocumentError) return { variable: 'ORCHESTRATOR_CONFIG', detail: `${file}: ${error.message}` };
    throw error;
  }
}

const ms = (value: number | undefined, fallbackSeconds: number) => value ?? Math.round(fallbackSeconds * 1000);

/** Environment variables win over the document; the document wins over built-in defaults. */
export function loadSettings(env: Environment, readFile: (path: string) => string = (p) => fs.readFileSync(p, 'utf8'), loadOptions: LoadOptions = {}) {
  // jitless: parsed once per process; compiling zod's eval-based fast path would cost more than it saves.
  const parsed = ORCHESTRATOR_VARIABLES.safeParse(env, { jitless: true });
  const problems: Problem[] = parsed.success ? [] : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), detail: issue.message }));
  const document = readDocument(parsed.success ? parsed.data.ORCHESTRATOR_CONFIG : undefined, readFile);
  if (document !== undefined && 'detail' in document) problems.push(document);
  if (!parsed.success || problems.length > 0) fail(problems);
  return resolve(parsed.data, document as OrchestratorConfigDocument | undefined, loadOptions);
}

/** Rules between variables, the document and the command; all their problems at once. */
function resolve(v: OrchestratorVariables, document: OrchestratorConfigDocument | undefined, loadOptions: LoadOptions) {
  const requireAirbyte = loadOptions.requireAirbyte ?? true;
  const problems: Problem[] = [];
  const required = (value: string | undefined, variable: string, what: string): string => {
    if (value === undefined) problems.push({ variable, detail: `is required (${what})` });
    return value ?? '';
  };

  const sourceDatabaseUrl =
    loadOptions.adminUrlAsSource && v.SOURCE_DATABASE_URL === undefined && v.SOURCE_ADMIN_DATABASE_URL !== undefined
      ? v.SOURCE_ADMIN_DATABASE_URL
      : required(v.SOURCE_DATABASE_URL, 'SOURCE_DATABASE_URL', 'the source PostgreSQL URL');
  const clientId = requireAirbyte ? required(v.AIRBYTE_CLIENT_ID, 'AIRBYTE_CLIENT_ID', 'the Airbyte application client id') : (v.AIRBYTE_CLIENT_ID ?? '');
  const clientSecret = requireAirbyte ? required(v.AIRBYTE_CLIENT_SECRET, 'AIRBYTE_CLIENT_SECRET', 'the Airbyte application client secret') : (v.AIRBYTE_CLIENT_SECRET ?? '');
  const airbyteApiUrl = v.AIRBYTE_API_URL;
  const cursorColumn = v.CURSOR_COLUMN ?? document?.cursorColumn ?? DOCUMENT_DEFAULTS.cursorColumn;

  // Environment variables win over the document (per connection, then document-wide).
  const objective = (connection?: { freshnessTargetSeconds?: number; minSyncIntervalSeconds?: number }) => ({
    freshnessTargetMs: ms(v.FRESHNESS_TARGET_SECONDS, connection?.freshnessTargetSeconds ?? document?.freshnessTargetSeconds ?? DEFAULT_FRESHNESS_TARGET_SECONDS),
    minSyncIntervalMs: ms(v.MIN_SYNC_INTERVAL_SECONDS, connection?.minSyncIntervalSeconds ?? document?.minSyncIntervalSeconds ?? DOCUMENT_DEFAULTS.minSyncIntervalSeconds),
  });
  const connections: ConnectionSettings[] = (document?.connections ?? []).map((connection) => ({
    connectionId: connection.connectionId,
    name: connection.name,
    tables: connection.tables?.map((table) => ({ schema: table.schema, table: table.table, cursorColumn: table.cursorColumn ?? cursorColumn })),
    ...objective(connection),
  }));
  for (const id of v.AIRBYTE_CONNECTION_ID ?? []) {
    if (!connections.some((c) => c.connectionId === id)) connections.push({ connectionId: id, ...objective() });
  }
  if (connections.length === 0 && requireAirbyte) problems.push({ variable: 'AIRBYTE_CONNECTION_ID', detail: 'is required unless ORCHESTRATOR_CONFIG lists connections' });

  const jobPollMinMs = v.JOB_POLL_MIN_SECONDS;
  const jobPollMaxMs = v.JOB_POLL_MAX_SECONDS;
  if (jobPollMaxMs < jobPollMinMs) problems.push({ variable: 'JOB_POLL_MAX_SECONDS', detail: 'must be at least JOB_POLL_MIN_SECONDS' });
  const baseDelayMs = v.RETRY_BASE_SECONDS;
  const maxDelayMs = v.RETRY_MAX_SECONDS;
  if (maxDelayMs < baseDelayMs) problems.push({ variable: 'RETRY_MAX_SECONDS', detail: 'must be at least RETRY_BASE_SECONDS' });

  const http = v.ORCHESTRATOR_HTTP_ADDR;
  if (http && !LOOPBACK.test(http.host) && v.ORCHESTRATOR_HTTP_ALLOW_REMOTE !== true) {
    problems.push({
      variable: 'ORCHESTRATOR_HTTP_ADDR',
      detail: `"${http.host}" is not a loopback address; the status page has no authentication, so it listens on 127.0.0.1 and is reached through the SSM tunnel. Set ORCHESTRATOR_HTTP_ALLOW_REMOTE=true to listen elsewhere anyway`,
    });
  }

  const source = sourcePreparation(v, document, sourceDatabaseUrl, problems);
  if (problems.length > 0) fail(problems);

  return {
    sourceDatabaseUrl,
    stateDatabaseUrl: v.STATE_DATABASE_URL ?? sourceDatabaseUrl,
    stateSchema: v.STATE_SCHEMA,
    airbyteApiUrl,
    airbyteConfigApiUrl: v.AIRBYTE_CONFIG_API_URL ?? deriveConfigApiUrl(airbyteApiUrl),
    clientId,
    clientSecret,
    connections: connections as ReadonlyArray<ConnectionSettings>,
    cursorColumn,
    pollIntervalMs: ms(v.POLL_INTERVAL_SECONDS, document?.pollIntervalSeconds ?? DOCUMENT_DEFAULTS.pollIntervalSeconds),
    jobTimeoutMs: v.JOB_TIMEOUT_SECONDS,
    cursorSweepMs: v.CURSOR_SWEEP_SECONDS,
    jobPollMinMs,
    jobPollMaxMs,
    httpTimeoutMs: v.HTTP_TIMEOUT_SECONDS,
    /** discover_schema's own timeout (it runs a connector synchronously). */
    discoverTimeoutMs: v.DISCOVER_TIMEOUT_SECONDS,
    retry: { maxAttempts: v.HTTP_MAX_ATTEMPTS, baseDelayMs, maxDelayMs } as RetrySettings,
    lockWaitLogMs: LOCK_WAIT_LOG_MS,
    logLevel: v.LOG_LEVEL,
    source,
    /** Slot lag (bytes) above which a cycle syncs without table changes and alerts. */
    walLagAlertBytes: v.WAL_LAG_ALERT_BYTES,
    /** Where `run` serves /healthz, /metrics and the status page; null = off. */
    http,
    /** Airbyte web UI base, for links to jobs. */
    airbyteUiUrl: v.AIRBYTE_UI_URL ?? new URL(airbyteApiUrl).origin,
    alertWebhookUrl: v.ALERT_WEBHOOK_URL,
    /** Consecutive cycles with Airbyte unreachable before alerting. */
    alertUnreachableCycles: v.ALERT_UNREACHABLE_CYCLES,
  };
}

function sourcePreparation(v: OrchestratorVariables, document: OrchestratorConfigDocument | undefined, sourceDatabaseUrl: string, problems: Problem[]) {
  const derived = v.CDC_ENVIRONMENT === undefined ? undefined : defaultReplicationNames(v.CDC_ENVIRONMENT);
  const slotVariable = v.REPLICATION_SLOT !== undefined ? 'REPLICATION_SLOT' : document?.replicationSlot !== undefined ? 'ORCHESTRATOR_CONFIG replicationSlot' : 'CDC_ENVIRONMENT';
  const replicationSlot = v.REPLICATION_SLOT ?? document?.replicationSlot ?? derived?.slot;
  if (replicationSlot !== undefined) {
    if (!SLOT_PATTERN.test(replicationSlot)) {
      problems.push({ variable: slotVariable, detail: `expected a slot name of lowercase letters, digits and underscores (at most 63), got "${replicationSlot}"` });
    } else if (replicationSlot.startsWith('rds')) {
      problems.push({ variable: slotVariable, detail: `slot names starting with "rds" are reserved by RDS, got "${replicationSlot}"` });
    }
  }
  const publication = v.PUBLICATION ?? document?.publication ?? derived?.publication;
  if (publication !== undefined && (publication.length > 63 || publication.includes('\0'))) {
    problems.push({ variable: 'PUBLICATION', detail: `expected a PostgreSQL identifier of at most 63 characters, got "${publication}"` });
  }
  let airbyteUser = v.AIRBYTE_DATABASE_USER;
  if (airbyteUser === undefined && sourceDatabaseUrl !== '') {
    airbyteUser = decodeURIComponent(new URL(sourceDatabaseUrl).username) || DEFAULT_AIRBYTE_USER;
    if (airbyteUser.length > 63 || airbyteUser.includes('\0')) {
      problems.push({ variable: 'AIRBYTE_DATABASE_USER', detail: `expected a PostgreSQL identifier of at most 63 characters, got "${airbyteUser}"` });
    }
  }
  return {
    /** Logical replication slot; undefined = no CDC slot (WAL guard off, prepare-source refuses). */
    replicationSlot: replicationSlot as string | undefined,
    publication: publication as string | undefined,
    /** The login Airbyte reads the source with (grants go to it). */
    airbyteUser: airbyteUser ?? DEFAULT_AIRBYTE_USER,
    /** Privileged URL for prepare-source/retire-source. */
    adminDatabaseUrl: v.SOURCE_ADMIN_DATABASE_URL ?? sourceDatabaseUrl,
    /** SOURCE_TABLES: the watched tables for prepare-source, so it needs no Airbyte (first deploy). */
    tables: v.SOURCE_TABLES as ReadonlyArray<{ readonly schema: string; readonly table: string }> | undefined,
    /** SOURCE_REPLICATION_PASSWORD: creates the replication login when missing. Never logged. */
    replicationPassword: v.SOURCE_REPLICATION_PASSWORD,
    /** SOURCE_SEED_SQL_FILE: SQL run as the admin before the checks (ephemeral environments). */
    seedSqlFile: v.SOURCE_SEED_SQL_FILE,
    /** The config document's heartbeatActionQuery (what the Airbyte source runs), when it has one. */
    heartbeatActionQuery: document?.heartbeatActionQuery,
    lockTimeoutMs: v.SOURCE_LOCK_TIMEOUT_SECONDS,
    statementTimeoutMs: v.SOURCE_STATEMENT_TIMEOUT_SECONDS,
  };
}

export interface RetrySettings {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Validated settings: the variables with the document and every default applied. */
export type Settings = Readonly<ReturnType<typeof resolve>>;
export type SourcePreparationSettings = Readonly<ReturnType<typeof sourcePreparation>>;
