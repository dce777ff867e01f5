// The commands behind the CLI. `main` returns the exit code instead of exiting, so tests can run
// it in-process: 0 ok, 1 a sync failed / Airbyte or a database unreachable, 2 bad configuration.
import { Client } from 'pg';
import { AirbyteClient } from './airbyte-client';
import { sleep } from './backoff';
import { CycleRunner, CycleSummary } from './cycle';
import { Logger, createLogger, secretsFromUrls } from './logger';
import { ConfigurationError, Environment, Settings, loadSettings } from './settings';
import { StateStore, StatusRow } from './state-store';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_CONFIGURATION = 2;

export interface MainOptions {
  readonly env?: Environment;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Aborting asks `run` (or a waiting `once`) to stop cleanly. */
  readonly signal?: AbortSignal;
  readonly readFile?: (path: string) => string;
}

const USAGE = 'usage: orchestrator <migrate | once | run | status [--json]>';

async function connect(url: string, applicationName: string, extraOptions?: string): Promise<Client> {
  const client = new Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: 15_000,
    ...(extraOptions ? { options: extraOptions } : {}),
  });
  // Without a listener, a dropped connection would crash the process instead of failing the cycle.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function acquireLock(store: StateStore, logger: Logger, signal: AbortSignal | undefined): Promise<boolean> {
  let announced = false;
  for (;;) {
    if (await store.tryLock()) {
      if (announced) logger.info('orchestrator lock acquired');
      return true;
    }
    if (!announced) {
      logger.info('another orchestrator holds the lock for this state database; waiting');
      announced = true;
    }
    if (signal?.aborted) return false;
    await sleep(500, signal);
  }
}

function cycleLine(summary: CycleSummary): string {
  return JSON.stringify({
    ok: summary.ok,
    durationMs: summary.durationMs,
    connections: summary.connections.map((c) => ({
      connectionId: c.connectionId,
      ...(c.name ? { name: c.name } : {}),
      outcome: c.outcome,
      changedTables: c.changedTables,
      schemaRefreshed: c.schemaRefreshed,
      jobs: c.jobs,
      errors: c.errors,
    })),
  });
}

function renderStatus(rows: readonly StatusRow[]): string {
  if (rows.length === 0) return 'no state recorded yet (run `once` or `run` first)\n';
  const header = ['connection', 'table', 'watermark', 'column hash', 'last synced', 'lag (s)', 'last job', 'error'];
  const lines = rows.map((row) => [
    row.connectionId,
    `${row.schema}.${row.table}`,
    row.cursorWatermark ?? '-',
    row.columnHash ? row.columnHash.slice(0, 12) : '-',
    row.lastSyncedAt ?? 'never',
    row.lagSeconds === null ? '-' : String(row.lagSeconds),
    row.lastJob ? `${row.lastJob.jobId} ${row.lastJob.status ?? 'running'} (${row.lastJob.origin})` : '-',
    row.lastError ?? '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  return [header, ...lines].map((line) => line.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n') + '\n';
}

export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  const [command, ...rest] = argv;
  const bootLogger = createLogger({ write: stderr });

  if (!command || !['migrate', 'once', 'run', 'status'].includes(command) || rest.some((arg) => arg !== '--json' || command !== 'status')) {
    bootLogger.error('bad command line', { error: USAGE, argv: [...argv] });
    return EXIT_BAD_CONFIGURATION;
  }

  let settings: Settings;
  try {
    settings = loadSettings(env, options.readFile);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      bootLogger.error(`configuration error: ${error.message}`, { variable: error.variable });
      return EXIT_BAD_CONFIGURATION;
    }
    throw error;
  }

  const logger = createLogger({
    level: settings.logLevel,
    write: stderr,
    secrets: [settings.clientSecret, ...secretsFromUrls([settings.sourceDatabaseUrl, settings.stateDatabaseUrl])],
  }).child({ command });

  const clients: Client[] = [];
  try {
    let stateClient: Client;
    try {
      stateClient = await connect(settings.stateDatabaseUrl, `airbyte-orchestrator-${command}`);
    } catch (error) {
      logger.error('cannot connect to the state database (STATE_DATABASE_URL, or SOURCE_DATABASE_URL by default)', { error: (error as Error).message });
      return EXIT_FAILED;
    }
    clients.push(stateClient);
    const store = new StateStore(stateClient, settings.stateSchema);

    if (command === 'migrate') {
      const applied = await store.migrate();
      logger.info('state schema up to date', { schema: settings.stateSchema, applied });
      stdout(`${JSON.stringify({ ok: true, schema: settings.stateSchema, applied })}\n`);
      return EXIT_OK;
    }

    if (command === 'status') {
      await store.assertMigrated();
      const rows = await store.status();
      stdout(rest.includes('--json') ? `${JSON.stringify({ tables: rows })}\n` : renderStatus(rows));
      return EXIT_OK;
    }

    if (!(await acquireLock(store, logger, options.signal))) {
      logger.info('stopped while waiting for the lock');
      return EXIT_OK;
    }
    const applied = await store.migrate();
    if (applied.length > 0) logger.info('state schema migrated', { applied });

    let sourceClient: Client;
    try {
      sourceClient = await connect(settings.sourceDatabaseUrl, 'airbyte-orchestrator-probe', '-c TimeZone=UTC -c DateStyle=ISO');
    } catch (error) {
      logger.error('cannot connect to the source database (SOURCE_DATABASE_URL)', { error: (error as Error).message });
      return EXIT_FAILED;
    }
    clients.push(sourceClient);

    const airbyte = new AirbyteClient({
      apiUrl: settings.airbyteApiUrl,
      configApiUrl: settings.airbyteConfigApiUrl,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      requestTimeoutMs: settings.httpTimeoutMs,
      retry: settings.retry,
      logger,
    });
    const runner = new CycleRunner({
      source: sourceClient,
      store,
      airbyte,
      logger,
      connections: settings.connections,
      signal: options.signal,
      options: {
        cursorColumn: settings.cursorColumn,
        jobTimeoutMs: settings.jobTimeoutMs,
        jobPollMinMs: settings.jobPollMinMs,
        jobPollMaxMs: settings.jobPollMaxMs,
        connectionCacheMs: command === 'run' ? 300_000 : 0,
        cursorSweepMs: settings.cursorSweepMs,
      },
    });

    if (command === 'once') {
      const summary = await runner.runCycle();
      stdout(`${cycleLine(summary)}\n`);
      return summary.ok || summary.interrupted ? EXIT_OK : EXIT_FAILED;
    }

    // A lost database session also loses the advisory lock: exit so the supervisor restarts us
    // cleanly instead of cycling on a dead connection.
    let lostConnection: string | undefined;
    stateClient.on('end', () => (lostConnection ??= 'state database'));
    sourceClient.on('end', () => (lostConnection ??= 'source database'));
    logger.info('daemon started', { pollIntervalSeconds: settings.pollIntervalMs / 1000, connections: settings.connections.length });
    while (!options.signal?.aborted) {
      if (lostConnection) {
        logger.error('database connection lost; exiting so the service restarts', { database: lostConnection });
        return EXIT_FAILED;
      }
      const summary = await runner.runCycle();
      const level = summary.ok || summary.interrupted ? 'info' : 'error';
      logger[level]('cycle finished', { ok: summary.ok, durationMs: summary.durationMs, jobs: summary.connections.flatMap((c) => c.jobs) });
      await sleep(settings.pollIntervalMs, options.signal);
    }
    logger.info('daemon stopped');
    return EXIT_OK;
  } catch (error) {
    logger.error(`${command} failed`, { error: (error as Error).message });
    return EXIT_FAILED;
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}
