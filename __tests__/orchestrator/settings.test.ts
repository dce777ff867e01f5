// Configuration: environment variables, the configuration document, and their error messages.
import * as fs from 'fs';
import * as path from 'path';
import { ConfigDocumentError, parseConfigDocument, validateConfigDocument } from '../../orchestrator/src/config-document';
import { ConfigurationError, deriveConfigApiUrl, loadSettings } from '../../orchestrator/src/settings';
import { MIGRATIONS } from '../../orchestrator/src/state/migrations';
import { createLogger, redactText } from '../../orchestrator/src/ops/logger';
import { backoffDelay } from '../../orchestrator/src/core/backoff';
import { MAX_CURSOR_QUERY, decodeXmlText, quoteIdentifier, suggestedCursorIndex } from '../../orchestrator/src/probe/source-probe';

const ID_A = '3f1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c11';
const ID_B = '0aa1bb22-cc33-4d44-8e55-ff6677889900';
const base = { SOURCE_DATABASE_URL: 'postgres://app:pw@db.internal:5432/app', AIRBYTE_CLIENT_ID: 'id', AIRBYTE_CLIENT_SECRET: 'secret', AIRBYTE_CONNECTION_ID: ID_A };

function configError(env: Record<string, string>, readFile?: (p: string) => string): ConfigurationError {
  try {
    loadSettings(env, readFile);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadSettings', () => {
  test('defaults from DESIGN.md', () => {
    const settings = loadSettings(base);
    expect(settings).toMatchObject({
      stateDatabaseUrl: base.SOURCE_DATABASE_URL,
      stateSchema: 'airbyte_orchestrator',
      airbyteApiUrl: 'http://localhost:8000/api/public/v1',
      airbyteConfigApiUrl: 'http://localhost:8000/api/v1',
      cursorColumn: 'updated_at',
      pollIntervalMs: 30_000,
      jobTimeoutMs: 32_400_000,
      discoverTimeoutMs: 540_000,
      connections: [{ connectionId: ID_A }],
    });
  });

  test('several comma-separated connection ids', () => {
    expect(loadSettings({ ...base, AIRBYTE_CONNECTION_ID: `${ID_A}, ${ID_B}` }).connections.map((c) => c.connectionId)).toEqual([ID_A, ID_B]);
  });

  test.each([
    [{ SOURCE_DATABASE_URL: '' }, 'SOURCE_DATABASE_URL', /required/],
    [{ SOURCE_DATABASE_URL: 'mysql://x@y/z' }, 'SOURCE_DATABASE_URL', /postgres:\/\//],
    [{ STATE_DATABASE_URL: 'nope' }, 'STATE_DATABASE_URL', /not a valid URL/],
    [{ AIRBYTE_API_URL: 'ftp://host/api' }, 'AIRBYTE_API_URL', /http/],
    [{ AIRBYTE_CLIENT_ID: '' }, 'AIRBYTE_CLIENT_ID', /required/],
    [{ AIRBYTE_CONNECTION_ID: '' }, 'AIRBYTE_CONNECTION_ID', /required unless ORCHESTRATOR_CONFIG/],
    [{ AIRBYTE_CONNECTION_ID: 'abc' }, 'AIRBYTE_CONNECTION_ID', /UUID/],
    [{ POLL_INTERVAL_SECONDS: '-1' }, 'POLL_INTERVAL_SECONDS', /positive/],
    [{ JOB_TIMEOUT_SECONDS: 'an hour' }, 'JOB_TIMEOUT_SECONDS', /positive/],
    [{ DISCOVER_TIMEOUT_SECONDS: '0' }, 'DISCOVER_TIMEOUT_SECONDS', /positive/],
    [{ HTTP_MAX_ATTEMPTS: '0' }, 'HTTP_MAX_ATTEMPTS', /whole number/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /debug, info/],
  ])('%o → error naming %s', (override, variable, message) => {
    const error = configError({ ...base, ...override });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(variable)).toBe(true);
  });

  test('configuration document: connections, table overrides, cursor column; environment wins', () => {
    const doc = JSON.stringify({
      version: 1,
      cursorColumn: 'modified_at',
      pollIntervalSeconds: 10,
      connections: [{ connectionId: ID_B, name: 'main', tables: [{ schema: 'sales', table: 'orders' }, { schema: 'sales', table: 'items', cursorColumn: 'changed' }] }],
    });
    const settings = loadSettings({ ...base, AIRBYTE_CONNECTION_ID: '', ORCHESTRATOR_CONFIG: '/etc/o.json' }, () => doc);
    expect(settings.pollIntervalMs).toBe(10_000);
    expect(settings.connections).toEqual([
      {
        connectionId: ID_B,
        name: 'main',
        tables: [
          { schema: 'sales', table: 'orders', cursorColumn: 'modified_at' },
          { schema: 'sales', table: 'items', cursorColumn: 'changed' },
        ],
        freshnessTargetMs: 600_000,
        minSyncIntervalMs: 0,
      },
    ]);
    expect(loadSettings({ ...base, ORCHESTRATOR_CONFIG: '/etc/o.json', POLL_INTERVAL_SECONDS: '5' }, () => doc).pollIntervalMs).toBe(5_000);
  });

  test('freshness objective and cost cap: defaults, document-wide, per connection, environment wins', () => {
    expect(loadSettings(base).connections[0]).toMatchObject({ freshnessTargetMs: 600_000, minSyncIntervalMs: 0 });
    const doc = JSON.stringify({
      version: 1,
      freshnessTargetSeconds: 120,
      minSyncIntervalSeconds: 300,
      connections: [{ connectionId: ID_A }, { connectionId: ID_B, freshnessTargetSeconds: 45, minSyncIntervalSeconds: 0 }],
    });
    const fromDocument = loadSettings({ ...base, AIRBYTE_CONNECTION_ID: '', ORCHESTRATOR_CONFIG: '/o.json' }, () => doc).connections;
    expect(fromDocument.map((c) => [c.freshnessTargetMs, c.minSyncIntervalMs])).toEqual([
      [120_000, 300_000],
      [45_000, 0],
    ]);
    const fromEnv = loadSettings({ ...base, AIRBYTE_CONNECTION_ID: '', ORCHESTRATOR_CONFIG: '/o.json', FRESHNESS_TARGET_SECONDS: '90', MIN_SYNC_INTERVAL_SECONDS: '0' }, () => doc).connections;
    expect(fromEnv.map((c) => [c.freshnessTargetMs, c.minSyncIntervalMs])).toEqual([
      [90_000, 0],
      [90_000, 0],
    ]);
    expect(configError({ ...base, FRESHNESS_TARGET_SECONDS: '0' }).variable).toBe('FRESHNESS_TARGET_SECONDS');
    expect(configError({ ...base, MIN_SYNC_INTERVAL_SECONDS: '-5' }).message).toMatch(/^MIN_SYNC_INTERVAL_SECONDS: expected a number of seconds from 0/);
    const badDoc = configError({ ...base, ORCHESTRATOR_CONFIG: '/o.json' }, () => JSON.stringify({ version: 1, connections: [{ connectionId: ID_A, freshnessTargetSeconds: 0 }] }));
    expect(badDoc.message).toContain('connections[0].freshnessTargetSeconds: expected a positive number of seconds');
  });

  test('unreadable or invalid document → ORCHESTRATOR_CONFIG error with the field path', () => {
    const unreadable = configError({ ...base, ORCHESTRATOR_CONFIG: '/missing.json' }, () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    });
    expect(unreadable.variable).toBe('ORCHESTRATOR_CONFIG');
    expect(unreadable.message).toContain('ENOENT');
    const invalid = configError({ ...base, ORCHESTRATOR_CONFIG: '/o.json' }, () => JSON.stringify({ version: 1, connections: [{ connectionId: ID_A }, { connectionId: ID_B, tables: [{ table: 'x' }] }] }));
    expect(invalid.message).toContain('connections[1].tables[0].schema');
  });

  test('config API base is derived from the public API URL', () => {
    expect(deriveConfigApiUrl('http://localhost:8000/api/public/v1')).toBe('http://localhost:8000/api/v1');
    expect(deriveConfigApiUrl('https://airbyte.example.com/api/public/v1/')).toBe('https://airbyte.example.com/api/v1');
    expect(deriveConfigApiUrl('http://10.0.0.5:8006/v1')).toBe('http://10.0.0.5:8006/api/v1');
  });
});

describe('configuration document validation names the bad field', () => {
  const cases: Array<[unknown, string]> = [
    [[], '(document)'],
    [{ version: 2, connections: [] }, 'version'],
    [{ version: 1 }, 'connections'],
    [{ version: 1, connections: [{ connectionId: 'x' }] }, 'connections[0].connectionId'],
    [{ version: 1, connections: [{ connectionId: ID_A, tables: [] }] }, 'connections[0].tables'],
    [{ version: 1, connections: [{ connectionId: ID_A, tables: [{ schema: 'a', table: '' }] }] }, 'connections[0].tables[0].table'],
    [{ version: 1, connections: [{ connectionId: ID_A, tables: [{ schema: 'a', table: 'b', cursorColumn: 5 }] }] }, 'connections[0].tables[0].cursorColumn'],
    [{ version: 1, connections: [{ connectionId: ID_A, tables: [{ schema: 'a', table: 'b' }, { schema: 'a', table: 'b' }] }] }, 'connections[0].tables[1]'],
    [{ version: 1, connections: [{ connectionId: ID_A }, { connectionId: ID_A }] }, 'connections[1].connectionId'],
    [{ version: 1, connections: [], pollIntervalSeconds: 0 }, 'pollIntervalSeconds'],
    [{ version: 1, connections: [], freshnessTargetSeconds: 'soon' }, 'freshnessTargetSeconds'],
    [{ version: 1, connections: [], minSyncIntervalSeconds: -1 }, 'minSyncIntervalSeconds'],
    [{ version: 1, connections: [], cursorColum: 'x' }, 'cursorColum'],
  ];
  test.each(cases)('%j → %s', (document, field) => {
    expect(() => validateConfigDocument(document)).toThrow(ConfigDocumentError);
    try {
      validateConfigDocument(document);
    } catch (error) {
      expect((error as ConfigDocumentError).field).toBe(field);
    }
  });
  test('not JSON', () => {
    expect(() => parseConfigDocument('{')).toThrow(/not valid JSON/);
  });
});

test('migrations.ts embeds exactly the SQL files in orchestrator/sql (regenerate with node orchestrator/sql/embed.js)', () => {
  const sqlDir = path.join(__dirname, '..', '..', 'orchestrator', 'sql');
  const files = fs.readdirSync(sqlDir).filter((file) => file.endsWith('.sql')).sort();
  expect(MIGRATIONS.map((m) => m.name)).toEqual(files);
  for (const migration of MIGRATIONS) {
    expect(migration.sql).toBe(fs.readFileSync(path.join(sqlDir, migration.name), 'utf8'));
    expect(migration.version).toBe(parseInt(migration.name, 10));
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { render, target } = require('../../orchestrator/sql/embed.js') as { render: () => string; target: string };
  expect(fs.readFileSync(target, 'utf8')).toBe(render());
});

describe('logger redaction', () => {
  test('passwords in URLs, bearer tokens, secret-named fields and known secret values are scrubbed', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), secrets: ['hunter22'] });
    logger.error('failed', {
      url: 'postgres://app:pa55word@db:5432/app',
      header: 'Bearer abc.def.ghi',
      client_secret: 'xyz',
      nested: { accessToken: 'tok', note: 'pw is hunter22' },
      error: new Error('connect to postgresql://u:p4ss@h/d failed'),
    });
    const text = lines.join('');
    for (const secret of ['pa55word', 'abc.def.ghi', 'xyz', 'tok"', 'hunter22', 'p4ss']) expect(text).not.toContain(secret);
    const record = JSON.parse(text);
    expect(record).toMatchObject({ level: 'error', msg: 'failed', url: 'postgres://app:[redacted]@db:5432/app' });
  });
  test('free text with key=value secrets', () => {
    expect(redactText('client_secret=abc&x=1 password: "p"')).toBe('client_secret=[redacted]&x=1 password: "[redacted]"');
    expect(redactText('{"client_secret": "abc"} AIRBYTE_CLIENT_SECRET=xyz')).toBe('{"client_secret": "[redacted]"} AIRBYTE_CLIENT_SECRET=[redacted]');
    // A settings error names the variable: its message stays readable.
    expect(redactText('AIRBYTE_CLIENT_SECRET: is required')).toBe('AIRBYTE_CLIENT_SECRET: is required');
  });
  test('levels below the threshold are dropped', () => {
    const lines: string[] = [];
    createLogger({ level: 'warn', write: (line) => lines.push(line) }).info('quiet');
    expect(lines).toEqual([]);
  });
});

test('backoff grows exponentially with jitter and is capped', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  expect([1, 2, 3, 4, 5, 9].map((attempt) => backoffDelay(policy, attempt, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
  expect(backoffDelay(policy, 3, () => 0)).toBe(200);
});

test('identifiers are always quoted, including hostile names', () => {
  expect(quoteIdentifier('Order"s; DROP TABLE x')).toBe('"Order""s; DROP TABLE x"');
  // Names reach the max() statement only as bind parameters, quoted server-side by format('%I').
  expect(MAX_CURSOR_QUERY).toContain("format('SELECT max(%I)::text AS m FROM %I.%I'");
  expect(decodeXmlText('a &amp; b &lt;c&gt; &#233; &#x41;')).toBe('a & b <c> é A');
  expect(suggestedCursorIndex({ schema: 'public', table: 'orders', cursorColumn: 'updated_at' })).toBe('CREATE INDEX CONCURRENTLY "orders_updated_at_idx" ON "public"."orders" ("updated_at");');
});
