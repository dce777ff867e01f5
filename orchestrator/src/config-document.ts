// The orchestrator's configuration document. The Airbyte stack writes it (as JSON, to an SSM
// parameter) with `import type` of these interfaces, so writer and reader cannot drift.

export interface OrchestratorConfigDocument {
  /** Format version of this document. */
  readonly version: 1;
  readonly connections: ReadonlyArray<OrchestratorConnection>;
  /** Default change column for every table. @default "updated_at" */
  readonly cursorColumn?: string;
  readonly pollIntervalSeconds?: number;
  /** Logical replication slot of the source (CDC). Enables the WAL guard and prepare-source. */
  readonly replicationSlot?: string;
  /** Publication covering the watched tables (CDC). */
  readonly publication?: string;
  /** Freshness objective for every connection, in seconds (overridable per connection). @default 600 */
  readonly freshnessTargetSeconds?: number;
  /** Cost cap: at least this many seconds between the starts of a connection's syncs. @default 0 */
  readonly minSyncIntervalSeconds?: number;
  /** The Airbyte source's heartbeat_action_query (CDC); prepare-source refuses an empty one. */
  readonly heartbeatActionQuery?: string;
}

export interface OrchestratorConnection {
  readonly connectionId: string;
  /** Human label for logs/status. */
  readonly name?: string;
  /** Tables to watch; @default the connection's selected streams (GET /connections/{id}). */
  readonly tables?: ReadonlyArray<OrchestratorTable>;
  /** @default the document's freshnessTargetSeconds */
  readonly freshnessTargetSeconds?: number;
  /** @default the document's minSyncIntervalSeconds */
  readonly minSyncIntervalSeconds?: number;
}

export interface OrchestratorTable {
  readonly schema: string;
  readonly table: string;
  /** @default the document's cursorColumn */
  readonly cursorColumn?: string;
}

/** A problem in the document, located by a path such as `connections[1].tables[0].schema`. */
export class ConfigDocumentError extends Error {
  constructor(
    readonly field: string,
    readonly expectation: string,
  ) {
    super(`${field}: ${expectation}`);
    this.name = 'ConfigDocumentError';
  }
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function rejectUnknownKeys(value: Record<string, unknown>, allowed: readonly string[], at: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ConfigDocumentError(at ? `${at}.${key}` : key, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }
}

function requireName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 63) {
    throw new ConfigDocumentError(field, `expected a non-empty PostgreSQL identifier of at most 63 characters, got ${describe(value)}`);
  }
  if (value.includes('\0')) throw new ConfigDocumentError(field, 'must not contain a NUL character');
  return value;
}

const MAX_SECONDS = 7 * 24 * 3600;

/** A number of seconds up to a week; zero only where it means "off". */
function seconds(value: unknown, field: string, zeroAllowed: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0) || value > MAX_SECONDS) {
    throw new ConfigDocumentError(field, `expected a ${zeroAllowed ? 'non-negative' : 'positive'} number of seconds up to ${MAX_SECONDS}, got ${describe(value)}`);
  }
  return value;
}

function validateTable(raw: unknown, at: string): OrchestratorTable {
  if (!isRecord(raw)) throw new ConfigDocumentError(at, `expected an object with schema and table, got ${describe(raw)}`);
  rejectUnknownKeys(raw, ['schema', 'table', 'cursorColumn'], at);
  const table: { schema: string; table: string; cursorColumn?: string } = {
    schema: requireName(raw.schema, `${at}.schema`),
    table: requireName(raw.table, `${at}.table`),
  };
  if (raw.cursorColumn !== undefined) table.cursorColumn = requireName(raw.cursorColumn, `${at}.cursorColumn`);
  return table;
}

function validateConnection(raw: unknown, at: string): OrchestratorConnection {
  if (!isRecord(raw)) throw new ConfigDocumentError(at, `expected an object with connectionId, got ${describe(raw)}`);
  rejectUnknownKeys(raw, ['connectionId', 'name', 'tables', 'freshnessTargetSeconds', 'minSyncIntervalSeconds'], at);
  if (typeof raw.connectionId !== 'string' || !UUID_PATTERN.test(raw.connectionId)) {
    throw new ConfigDocumentError(`${at}.connectionId`, `expected an Airbyte connection id (UUID), got ${describe(raw.connectionId)}`);
  }
  const connection: { connectionId: string; name?: string; tables?: OrchestratorTable[]; freshnessTargetSeconds?: number; minSyncIntervalSeconds?: number } = {
    connectionId: raw.connectionId.toLowerCase(),
  };
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string' || raw.name.trim() === '') throw new ConfigDocumentError(`${at}.name`, `expected a non-empty string, got ${describe(raw.name)}`);
    connection.name = raw.name;
  }
  if (raw.tables !== undefined) {
    if (!Array.isArray(raw.tables) || raw.tables.length === 0) {
      throw new ConfigDocumentError(`${at}.tables`, `expected a non-empty array of tables (omit it to watch the connection's streams), got ${describe(raw.tables)}`);
    }
    const tables = raw.tables.map((table, index) => validateTable(table, `${at}.tables[${index}]`));
    const seen = new Set<string>();
    tables.forEach((table, index) => {
      const key = `${table.schema}.${table.table}`;
      if (seen.has(key)) throw new ConfigDocumentError(`${at}.tables[${index}]`, `duplicate table ${key}`);
      seen.add(key);
    });
    connection.tables = tables;
  }
  if (raw.freshnessTargetSeconds !== undefined) connection.freshnessTargetSeconds = seconds(raw.freshnessTargetSeconds, `${at}.freshnessTargetSeconds`, false);
  if (raw.minSyncIntervalSeconds !== undefined) connection.minSyncIntervalSeconds = seconds(raw.minSyncIntervalSeconds, `${at}.minSyncIntervalSeconds`, true);
  return connection;
}

/** Validates a parsed JSON value; throws ConfigDocumentError naming the first bad field. */
export function validateConfigDocument(raw: unknown): OrchestratorConfigDocument {
  if (!isRecord(raw)) throw new ConfigDocumentError('(document)', `expected a JSON object, got ${describe(raw)}`);
  rejectUnknownKeys(raw, ['version', 'connections', 'cursorColumn', 'pollIntervalSeconds', 'replicationSlot', 'publication', 'heartbeatActionQuery', 'freshnessTargetSeconds', 'minSyncIntervalSeconds'], '');
  if (raw.version !== 1) throw new ConfigDocumentError('version', `expected 1, got ${describe(raw.version)}`);
  if (!Array.isArray(raw.connections)) throw new ConfigDocumentError('connections', `expected an array, got ${describe(raw.connections)}`);
  const connections = raw.connections.map((connection, index) => validateConnection(connection, `connections[${index}]`));
  const ids = new Set<string>();
  connections.forEach((connection, index) => {
    if (ids.has(connection.connectionId)) throw new ConfigDocumentError(`connections[${index}].connectionId`, `duplicate connection ${connection.connectionId}`);
    ids.add(connection.connectionId);
  });
  const document: {
    version: 1;
    connections: OrchestratorConnection[];
    cursorColumn?: string;
    pollIntervalSeconds?: number;
    replicationSlot?: string;
    publication?: string;
    heartbeatActionQuery?: string;
    freshnessTargetSeconds?: number;
    minSyncIntervalSeconds?: number;
  } = { version: 1, connections };
  if (raw.freshnessTargetSeconds !== undefined) document.freshnessTargetSeconds = seconds(raw.freshnessTargetSeconds, 'freshnessTargetSeconds', false);
  if (raw.minSyncIntervalSeconds !== undefined) document.minSyncIntervalSeconds = seconds(raw.minSyncIntervalSeconds, 'minSyncIntervalSeconds', true);
  if (raw.cursorColumn !== undefined) document.cursorColumn = requireName(raw.cursorColumn, 'cursorColumn');
  if (raw.replicationSlot !== undefined) document.replicationSlot = requireName(raw.replicationSlot, 'replicationSlot');
  if (raw.publication !== undefined) document.publication = requireName(raw.publication, 'publication');
  if (raw.heartbeatActionQuery !== undefined) {
    if (typeof raw.heartbeatActionQuery !== 'string') throw new ConfigDocumentError('heartbeatActionQuery', `expected a string, got ${describe(raw.heartbeatActionQuery)}`);
    document.heartbeatActionQuery = raw.heartbeatActionQuery;
  }
  if (raw.pollIntervalSeconds !== undefined) {
    if (typeof raw.pollIntervalSeconds !== 'number' || !Number.isFinite(raw.pollIntervalSeconds) || raw.pollIntervalSeconds <= 0) {
      throw new ConfigDocumentError('pollIntervalSeconds', `expected a positive number of seconds, got ${describe(raw.pollIntervalSeconds)}`);
    }
    document.pollIntervalSeconds = raw.pollIntervalSeconds;
  }
  return document;
}

/** Parses and validates the document's JSON text. */
export function parseConfigDocument(text: string): OrchestratorConfigDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigDocumentError('(document)', `is not valid JSON: ${(error as Error).message}`);
  }
  return validateConfigDocument(parsed);
}
