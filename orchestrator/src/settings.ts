// Turns environment variables (+ the optional configuration document) into validated settings.
// Any problem is a ConfigurationError naming the one variable at fault (CLI exit code 2).
import * as fs from 'fs';
import { ConfigDocumentError, OrchestratorConfigDocument, OrchestratorTable, parseConfigDocument } from './config-document';

export class ConfigurationError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigurationError';
  }
}

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

export interface RetrySettings {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface Settings {
  readonly sourceDatabaseUrl: string;
  readonly stateDatabaseUrl: string;
  readonly stateSchema: string;
  readonly airbyteApiUrl: string;
  readonly airbyteConfigApiUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly connections: ReadonlyArray<ConnectionSettings>;
  readonly cursorColumn: string;
  readonly pollIntervalMs: number;
  readonly jobTimeoutMs: number;
  readonly cursorSweepMs: number;
  readonly jobPollMinMs: number;
  readonly jobPollMaxMs: number;
  readonly httpTimeoutMs: number;
  /** discover_schema's own timeout (it runs a connector synchronously). */
  readonly discoverTimeoutMs: number;
  readonly retry: RetrySettings;
  readonly lockWaitLogMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly source: SourcePreparationSettings;
  /** Slot lag (bytes) above which a cycle syncs without table changes and alerts. */
  readonly walLagAlertBytes: number;
  /** Where `run` serves /healthz, /metrics and the status page; null = off. */
  readonly http: { readonly host: string; readonly port: number } | null;
  /** Airbyte web UI base, for links to jobs. */
  readonly airbyteUiUrl: string;
  readonly alertWebhookUrl?: string;
  /** Consecutive cycles with Airbyte unreachable before alerting. */
  readonly alertUnreachableCycles: number;
}

export interface SourcePreparationSettings {
  /** SOURCE_TABLES: the watched tables for prepare-source, so it needs no Airbyte (first deploy). */
  readonly tables?: ReadonlyArray<{ readonly schema: string; readonly table: string }>;
  /** SOURCE_REPLICATION_PASSWORD: creates the replication login when missing. Never logged. */
  readonly replicationPassword?: string;
  /** SOURCE_SEED_SQL_FILE: SQL run as the admin before the checks (ephemeral environments). */
  readonly seedSqlFile?: string;
  /** The config document's heartbeatActionQuery (what the Airbyte source runs), when it has one. */
  readonly heartbeatActionQuery?: string;
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Logical replication slot; undefined = no CDC slot (WAL guard off, prepare-source refuses). */
  readonly replicationSlot?: string;
  readonly publication?: string;
  /** The login Airbyte reads the source with (grants go to it). */
  readonly airbyteUser: string;
  /** Privileged URL for prepare-source/retire-source. */
  readonly adminDatabaseUrl: string;
}

export interface LoadOptions {
  /** false for commands that never talk to Airbyte (retire-source): no credentials or connections required. */
  readonly requireAirbyte?: boolean;
  /** prepare-source with SOURCE_TABLES: SOURCE_DATABASE_URL may be omitted (SOURCE_ADMIN_DATABASE_URL stands in). */
  readonly adminUrlAsSource?: boolean;
}

export type Environment = Readonly<Record<string, string | undefined>>;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function optional(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function required(env: Environment, name: string, what: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigurationError(name, `is required (${what})`);
  return value;
}

function positiveSeconds(env: Environment, name: string, fallback: number, max = 7 * 24 * 3600): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new ConfigurationError(name, `expected a positive number of seconds up to ${max}, got "${raw}"`);
  }
  return Math.round(value * 1000);
}

function nonNegativeSeconds(env: Environment, name: string, max = 7 * 24 * 3600): number | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new ConfigurationError(name, `expected a number of seconds from 0 to ${max}, got "${raw}"`);
  }
  return Math.round(value * 1000);
}

/** The freshness objective when neither the environment nor the document sets one. */
export const DEFAULT_FRESHNESS_TARGET_SECONDS = 600;

function positiveInteger(env: Environment, name: string, fallback: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigurationError(name, `expected a whole number from 1 to ${max}, got "${raw}"`);
  }
  return value;
}

function postgresUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(name, 'is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigurationError(name, `expected a postgres:// or postgresql:// URL, got scheme "${url.protocol.replace(/:$/, '')}"`);
  }
  if (!url.hostname && !url.searchParams.get('host')) throw new ConfigurationError(name, 'has no host');
  return value;
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(name, 'is not a valid URL (expected e.g. http://localhost:8000/api/public/v1)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(name, `expected an http(s) URL, got scheme "${url.protocol.replace(/:$/, '')}"`);
  }
  if (url.username || url.password) throw new ConfigurationError(name, 'must not embed credentials; use AIRBYTE_CLIENT_ID/AIRBYTE_CLIENT_SECRET');
  return url.toString().replace(/\/+$/, '');
}

/** `…/api/public/v1` → `…/api/v1` (abctl serves both on one port); otherwise `<origin>/api/v1`. */
export function deriveConfigApiUrl(publicApiUrl: string): string {
  const url = new URL(publicApiUrl);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/public/v1') ? `${path.slice(0, -'/public/v1'.length)}/v1` : '/api/v1';
  return url.toString().replace(/\/+$/, '');
}

function identifier(name: string, value: string): string {
  if (value.length > 63 || value.includes('\0')) throw new ConfigurationError(name, `expected a PostgreSQL identifier of at most 63 characters, got "${value}"`);
  return value;
}

function readDocument(env: Environment, readFile: (path: string) => string): OrchestratorConfigDocument | undefined {
  const file = optional(env, 'ORCHESTRATOR_CONFIG');
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError('ORCHESTRATOR_CONFIG', `cannot read file ${file}${code ? ` (${code})` : ''}`);
  }
  try {
    return parseConfigDocument(text);
  } catch (error) {
    if (error instanceof ConfigDocumentError) throw new ConfigurationError('ORCHESTRATOR_CONFIG', `${file}: ${error.message}`);
    throw error;
  }
}

/** Environment variables win over the document; the document wins over built-in defaults. */
export function loadSettings(env: Environment, readFile: (path: string) => string = (p) => fs.readFileSync(p, 'utf8'), loadOptions: LoadOptions = {}): Settings {
  const requireAirbyte = loadOptions.requireAirbyte ?? true;
  const document = readDocument(env, readFile);
  const sourceRaw =
    loadOptions.adminUrlAsSource && optional(env, 'SOURCE_DATABASE_URL') === undefined && optional(env, 'SOURCE_ADMIN_DATABASE_URL') !== undefined
      ? (optional(env, 'SOURCE_ADMIN_DATABASE_URL') as string)
      : required(env, 'SOURCE_DATABASE_URL', 'the source PostgreSQL URL');
  const sourceDatabaseUrl = postgresUrl('SOURCE_DATABASE_URL', sourceRaw);
  const stateRaw = optional(env, 'STATE_DATABASE_URL');
  const stateDatabaseUrl = stateRaw === undefined ? sourceDatabaseUrl : postgresUrl('STATE_DATABASE_URL', stateRaw);
  const stateSchema = identifier('STATE_SCHEMA', optional(env, 'STATE_SCHEMA') ?? 'airbyte_orchestrator');
  const airbyteApiUrl = httpUrl('AIRBYTE_API_URL', optional(env, 'AIRBYTE_API_URL') ?? 'http://localhost:8000/api/public/v1');
  const configRaw = optional(env, 'AIRBYTE_CONFIG_API_URL');
  const airbyteConfigApiUrl = configRaw === undefined ? deriveConfigApiUrl(airbyteApiUrl) : httpUrl('AIRBYTE_CONFIG_API_URL', configRaw);
  const clientId = requireAirbyte ? required(env, 'AIRBYTE_CLIENT_ID', 'the Airbyte application client id') : (optional(env, 'AIRBYTE_CLIENT_ID') ?? '');
  const clientSecret = requireAirbyte ? required(env, 'AIRBYTE_CLIENT_SECRET', 'the Airbyte application client secret') : (optional(env, 'AIRBYTE_CLIENT_SECRET') ?? '');

  const cursorColumn = identifier('CURSOR_COLUMN', optional(env, 'CURSOR_COLUMN') ?? document?.cursorColumn ?? 'updated_at');

  // Environment variables win over the document (per connection, then document-wide), as elsewhere.
  const targetFromEnv = optional(env, 'FRESHNESS_TARGET_SECONDS') === undefined ? undefined : positiveSeconds(env, 'FRESHNESS_TARGET_SECONDS', DEFAULT_FRESHNESS_TARGET_SECONDS);
  const capFromEnv = nonNegativeSeconds(env, 'MIN_SYNC_INTERVAL_SECONDS');
  const objective = (connection?: { freshnessTargetSeconds?: number; minSyncIntervalSeconds?: number }) => ({
    freshnessTargetMs: targetFromEnv ?? Math.round((connection?.freshnessTargetSeconds ?? document?.freshnessTargetSeconds ?? DEFAULT_FRESHNESS_TARGET_SECONDS) * 1000),
    minSyncIntervalMs: capFromEnv ?? Math.round((connection?.minSyncIntervalSeconds ?? document?.minSyncIntervalSeconds ?? 0) * 1000),
  });
  const connections: ConnectionSettings[] = (document?.connections ?? []).map((connection) => ({
    connectionId: connection.connectionId,
    name: connection.name,
    tables: connection.tables?.map((table) => ({ schema: table.schema, table: table.table, cursorColumn: table.cursorColumn ?? cursorColumn })),
    ...objective(connection),
  }));
  const fromEnv = optional(env, 'AIRBYTE_CONNECTION_ID');
  if (fromEnv !== undefined) {
    for (const id of fromEnv.split(',').map((part) => part.trim()).filter(Boolean)) {
      if (!UUID_PATTERN.test(id)) throw new ConfigurationError('AIRBYTE_CONNECTION_ID', `expected comma-separated connection ids (UUIDs), got "${id}"`);
      if (!connections.some((c) => c.connectionId === id.toLowerCase())) connections.push({ connectionId: id.toLowerCase(), ...objective() });
    }
  }
  if (connections.length === 0 && requireAirbyte) {
    throw new ConfigurationError('AIRBYTE_CONNECTION_ID', 'is required unless ORCHESTRATOR_CONFIG lists connections');
  }

  const pollFallback = document?.pollIntervalSeconds ?? 30;
  const pollIntervalMs = positiveSeconds(env, 'POLL_INTERVAL_SECONDS', pollFallback);
  const jobPollMinMs = positiveSeconds(env, 'JOB_POLL_MIN_SECONDS', 1);
  const jobPollMaxMs = positiveSeconds(env, 'JOB_POLL_MAX_SECONDS', 15);
  if (jobPollMaxMs < jobPollMinMs) throw new ConfigurationError('JOB_POLL_MAX_SECONDS', 'must be at least JOB_POLL_MIN_SECONDS');
  const baseDelayMs = positiveSeconds(env, 'RETRY_BASE_SECONDS', 0.5);
  const maxDelayMs = positiveSeconds(env, 'RETRY_MAX_SECONDS', 30);
  if (maxDelayMs < baseDelayMs) throw new ConfigurationError('RETRY_MAX_SECONDS', 'must be at least RETRY_BASE_SECONDS');

  const logLevel = (optional(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new ConfigurationError('LOG_LEVEL', `expected debug, info, warn or error, got "${logLevel}"`);

  return {
    sourceDatabaseUrl,
    stateDatabaseUrl,
    stateSchema,
    airbyteApiUrl,
    airbyteConfigApiUrl,
    clientId,
    clientSecret,
    connections,
    cursorColumn,
    pollIntervalMs,
    // Room for a CDC initial snapshot: the Postgres source's initial_load_timeout_hours defaults to 8 h.
    jobTimeoutMs: positiveSeconds(env, 'JOB_TIMEOUT_SECONDS', 9 * 3600),
    cursorSweepMs: positiveSeconds(env, 'CURSOR_SWEEP_SECONDS', 300),
    jobPollMinMs,
    jobPollMaxMs,
    httpTimeoutMs: positiveSeconds(env, 'HTTP_TIMEOUT_SECONDS', 30, 3600),
    // Below abctl's 600 s ingress timeout, so the orchestrator gives up before the proxy does.
    discoverTimeoutMs: positiveSeconds(env, 'DISCOVER_TIMEOUT_SECONDS', 540, 3600),
    retry: { maxAttempts: positiveInteger(env, 'HTTP_MAX_ATTEMPTS', 6, 100), baseDelayMs, maxDelayMs },
    lockWaitLogMs: 30_000,
    logLevel: logLevel as Settings['logLevel'],
    source: sourcePreparation(env, document, sourceDatabaseUrl),
    walLagAlertBytes: byteCount(env, 'WAL_LAG_ALERT_BYTES', 1024 ** 3),
    http: httpAddress(env),
    airbyteUiUrl: optional(env, 'AIRBYTE_UI_URL') === undefined ? new URL(airbyteApiUrl).origin : httpUrl('AIRBYTE_UI_URL', optional(env, 'AIRBYTE_UI_URL') as string),
    alertWebhookUrl: webhookUrl(env),
    alertUnreachableCycles: positiveInteger(env, 'ALERT_UNREACHABLE_CYCLES', 3, 10_000),
  };
}

const SLOT_PATTERN = /^[a-z0-9_]{1,63}$/;

/** `airbyte_<env>_slot` / `airbyte_<env>_publication`, as the Airbyte stack names them (config/validate.ts). */
export function defaultReplicationNames(environment: string): { slot: string; publication: string } {
  const stem = environment.replace(/-/g, '_').toLowerCase();
  return { slot: `airbyte_${stem}_slot`, publication: `airbyte_${stem}_publication` };
}

function sourcePreparation(env: Environment, document: OrchestratorConfigDocument | undefined, sourceDatabaseUrl: string): SourcePreparationSettings {
  const environment = optional(env, 'CDC_ENVIRONMENT');
  if (environment !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(environment)) {
    throw new ConfigurationError('CDC_ENVIRONMENT', `expected an environment name such as dev or pr-123, got "${environment}"`);
  }
  const derived = environment === undefined ? undefined : defaultReplicationNames(environment);
  const slotVariable = optional(env, 'REPLICATION_SLOT') !== undefined ? 'REPLICATION_SLOT' : document?.replicationSlot !== undefined ? 'ORCHESTRATOR_CONFIG replicationSlot' : 'CDC_ENVIRONMENT';
  const replicationSlot = optional(env, 'REPLICATION_SLOT') ?? document?.replicationSlot ?? derived?.slot;
  if (replicationSlot !== undefined) {
    if (!SLOT_PATTERN.test(replicationSlot)) {
      throw new ConfigurationError(slotVariable, `expected a slot name of lowercase letters, digits and underscores (at most 63), got "${replicationSlot}"`);
    }
    if (replicationSlot.startsWith('rds')) throw new ConfigurationError(slotVariable, `slot names starting with "rds" are reserved by RDS, got "${replicationSlot}"`);
  }
  const publication = optional(env, 'PUBLICATION') ?? document?.publication ?? derived?.publication;
  if (publication !== undefined) identifier('PUBLICATION', publication);
  const adminRaw = optional(env, 'SOURCE_ADMIN_DATABASE_URL');
  const adminDatabaseUrl = adminRaw === undefined ? sourceDatabaseUrl : postgresUrl('SOURCE_ADMIN_DATABASE_URL', adminRaw);
  let airbyteUser = optional(env, 'AIRBYTE_DATABASE_USER');
  if (airbyteUser === undefined) {
    airbyteUser = decodeURIComponent(new URL(sourceDatabaseUrl).username) || 'airbyte';
  }
  identifier('AIRBYTE_DATABASE_USER', airbyteUser);
  return {
    replicationSlot,
    publication,
    airbyteUser,
    adminDatabaseUrl,
    tables: sourceTables(env),
    replicationPassword: env.SOURCE_REPLICATION_PASSWORD === undefined || env.SOURCE_REPLICATION_PASSWORD === '' ? undefined : env.SOURCE_REPLICATION_PASSWORD,
    seedSqlFile: optional(env, 'SOURCE_SEED_SQL_FILE'),
    heartbeatActionQuery: document?.heartbeatActionQuery,
    lockTimeoutMs: positiveSeconds(env, 'SOURCE_LOCK_TIMEOUT_SECONDS', 5, 3600),
    statementTimeoutMs: positiveSeconds(env, 'SOURCE_STATEMENT_TIMEOUT_SECONDS', 120, 24 * 3600),
  };
}

/** SOURCE_TABLES=schema.table,schema.table (names as stored, no quoting). */
function sourceTables(env: Environment): Array<{ schema: string; table: string }> | undefined {
  const raw = optional(env, 'SOURCE_TABLES');
  if (raw === undefined) return undefined;
  const tables: Array<{ schema: string; table: string }> = [];
  for (const part of raw.split(',').map((p) => p.trim())) {
    const dot = part.indexOf('.');
    const schema = dot > 0 ? part.slice(0, dot) : '';
    const table = dot > 0 ? part.slice(dot + 1) : '';
    if (!schema || !table || schema.length > 63 || table.length > 63 || part.includes('\0')) {
      throw new ConfigurationError('SOURCE_TABLES', `expected comma-separated schema.table names (e.g. public.orders,public.customers), got "${part}"`);
    }
    if (!tables.some((t) => t.schema === schema && t.table === table)) tables.push({ schema, table });
  }
  return tables;
}

function byteCount(env: Environment, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*(|B|KB|MB|GB|KiB|MiB|GiB)$/i.exec(raw);
  const units: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
  const value = match ? Number(match[1]) * units[match[2].toLowerCase()] : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(name, `expected a positive number of bytes, optionally with a unit (e.g. 1073741824, 512MiB, 1GiB), got "${raw}"`);
  }
  return value;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;

function httpAddress(env: Environment): Settings['http'] {
  const raw = optional(env, 'ORCHESTRATOR_HTTP_ADDR') ?? '127.0.0.1:8089';
  if (raw.toLowerCase() === 'off') return null;
  const match = /^(?:\[([0-9a-f:]+)\]|([^:\s]+)):(\d{1,5})$/i.exec(raw);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new ConfigurationError('ORCHESTRATOR_HTTP_ADDR', `expected host:port (e.g. 127.0.0.1:8089, [::1]:8089) or "off", got "${raw}"`);
  }
  const host = match[1] ?? match[2];
  const allowRemote = (optional(env, 'ORCHESTRATOR_HTTP_ALLOW_REMOTE') ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(allowRemote)) {
    throw new ConfigurationError('ORCHESTRATOR_HTTP_ALLOW_REMOTE', `expected true or false, got "${allowRemote}"`);
  }
  if (!LOOPBACK.test(host) && allowRemote !== 'true') {
    throw new ConfigurationError(
      'ORCHESTRATOR_HTTP_ADDR',
      `"${host}" is not a loopback address; the status page has no authentication, so it listens on 127.0.0.1 and is reached through the SSM tunnel. Set ORCHESTRATOR_HTTP_ALLOW_REMOTE=true to listen elsewhere anyway`,
    );
  }
  return { host, port };
}

function webhookUrl(env: Environment): string | undefined {
  const raw = optional(env, 'ALERT_WEBHOOK_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError('ALERT_WEBHOOK_URL', 'is not a valid URL (expected an https:// incoming-webhook URL, Slack-compatible)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError('ALERT_WEBHOOK_URL', `expected an http(s) URL, got scheme "${url.protocol.replace(/:$/, '')}"`);
  }
  return raw;
}
