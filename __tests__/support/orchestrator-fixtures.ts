// Shared set-up for orchestrator tests: a source schema with watched tables, an environment for
// the orchestrator pointed at a database and an Airbyte double, and an in-process runner.
import { Client } from 'pg';
import { main } from '../../orchestrator/src/app';
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';

export const CONNECTION_ID = '3f1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c11';

/** Fast polling and retries so scenario tests take milliseconds, not minutes. */
export function orchestratorEnv(databaseUrl: string, double: AirbyteDouble, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SOURCE_DATABASE_URL: databaseUrl,
    AIRBYTE_API_URL: double.publicApiUrl,
    AIRBYTE_CLIENT_ID: double.clientId,
    AIRBYTE_CLIENT_SECRET: double.clientSecret,
    AIRBYTE_CONNECTION_ID: CONNECTION_ID,
    POLL_INTERVAL_SECONDS: '0.2',
    JOB_POLL_MIN_SECONDS: '0.02',
    JOB_POLL_MAX_SECONDS: '0.1',
    RETRY_BASE_SECONDS: '0.01',
    RETRY_MAX_SECONDS: '0.05',
    HTTP_TIMEOUT_SECONDS: '2',
    LOG_LEVEL: 'debug',
    // Any free port: test files run in parallel, and 8089 may be taken.
    ORCHESTRATOR_HTTP_ADDR: '127.0.0.1:0',
    ...extra,
  };
}

export async function createWatchedTables(databaseUrl: string, tables: readonly string[] = ['orders', 'customers']): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const table of tables) {
      await client.query(`CREATE TABLE public."${table}" (id serial PRIMARY KEY, note text, updated_at timestamptz NOT NULL DEFAULT now())`);
      await client.query(`CREATE INDEX ON public."${table}" (updated_at)`);
      await client.query(`INSERT INTO public."${table}" (note) SELECT 'seed ' || g FROM generate_series(1, 5) g`);
    }
    await flushStats(client);
  } finally {
    await client.end();
  }
}

/**
 * Table statistics (the change counters) reach the shared view when a backend goes idle, at most
 * once per second (PGSTAT_MIN_INTERVAL). Writers in tests ask for an immediate flush so scenario
 * outcomes do not depend on that timer; the latency itself is measured by the benchmark.
 */
export async function flushStats(client: Client): Promise<void> {
  await client.query('SELECT pg_stat_force_next_flush()');
  await client.query('SELECT 1');
}

/** Runs SQL on the source as a separate session (like an application would) and flushes its stats. */
export async function write(databaseUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
    await flushStats(client);
  } finally {
    await client.end();
  }
}

export async function query<R extends Record<string, unknown>>(databaseUrl: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: string;
  readonly summary?: {
    ok: boolean;
    connections: Array<{ outcome: string; changedTables: string[]; schemaRefreshed: boolean; jobs: Array<{ jobId: number; origin: string; status: string }>; errors: string[] }>;
  };
}

export async function runOrchestrator(argv: string[], env: Record<string, string>, signal?: AbortSignal, readFile?: (path: string) => string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { env, signal, readFile, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  const logs = stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  let summary: RunResult['summary'];
  if (argv[0] === 'once' && stdout.trim()) summary = JSON.parse(stdout.trim().split('\n').pop() as string);
  return { code, stdout, stderr, logs, summary };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && (value as unknown) !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
