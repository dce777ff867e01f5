// The commands behind the CLI. `main` returns the exit code instead of exiting, so tests can run
// it in-process: 0 ok, 1 a sync failed / Airbyte or a database unreachable, 2 bad configuration.
import { setMaxListeners } from 'events';
import * as fs from 'fs';
import { Client } from 'pg';
import { AirbyteClient } from './airbyte/airbyte-client';
import { sleep } from './core/backoff';
import { CycleRunner, CycleSummary } from './core/cycle';
import { Scheduler } from './core/scheduler';
import { Logger, createLogger, secretsFromUrls } from './ops/logger';
import { ConfigurationError, Environment, Settings, loadSettings } from './settings';
import { StateStore, StatusRow } from './state/state-store';
import { startHttpServer, assessHealth } from './ops/http-server';
import { OrchestratorMetrics } from './ops/metrics';
import { Monitor } from './ops/monitor';
import { OperationsStore } from './state/operations-store';
import { HEARTBEAT_SCHEMA, HEARTBEAT_TABLE, SourceNotReadyError, TableName, prepareSource, retireSource } from './probe/source-preparation';
import { watchedTablesFromStreams } from './core/decision';
import { StatusModel, buildStatusModel } from './ops/status-model';
import { createWebhookSender } from './ops/webhook';
import type { AddressInfo } from 'net';

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
  /** Called once `run` serves HTTP (tests use port 0 and read the port here). */
  readonly onHttpListening?: (address: AddressInfo) => void;
}

const USAGE = 'usage: orchestrator <migrate | once | run | status [--json] | prepare-source [--recreate-lost-slot] | retire-source --confirm>';
const COMMANDS: Record<string, readonly string[]> = { migrate: [], once: [], run: [], status: ['--json'], 'prepare-source': ['--recreate-lost-slot'], 'retire-source': ['--confirm'] };

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
      jobs: c.jobs.map((job) => ({ jobId: job.jobId, origin: job.origin, status: job.status, ...(job.reason ? { reason: job.reason } : {}) })),
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

  if (!command || !(command in COMMANDS) || rest.some((arg) => !COMMANDS[command].includes(arg))) {
    bootLogger.error('bad command line', { error: USAGE, argv: [...argv] });
    return EXIT_BAD_CONFIGURATION;
  }

  let settings: Settings;
  try {
    // With SOURCE_TABLES, prepare-source runs before any Airbyte connection exists (first deploy).
    const sourceOnly = command === 'retire-source' || (command === 'prepare-source' && (env.SOURCE_TABLES ?? '').trim() !== '');
    settings = loadSettings(env, options.readFile, { requireAirbyte: !sourceOnly, adminUrlAsSource: sourceOnly });
    if ((command === 'prepare-source' || command === 'retire-source') && (!settings.source.replicationSlot || !settings.source.publication)) {
      const variable = settings.source.replicationSlot ? 'PUBLICATION' : 'REPLICATION_SLOT';
      throw new ConfigurationError(variable, `is required for ${command} (or set CDC_ENVIRONMENT=<env> for airbyte_<env>_slot / airbyte_<env>_publication, or name them in ORCHESTRATOR_CONFIG)`);
    }
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
    secrets: [
      settings.clientSecret,
      ...(settings.source.replicationPassword ? [settings.source.replicationPassword] : []),
      ...secretsFromUrls([settings.sourceDatabaseUrl, settings.stateDatabaseUrl, settings.source.adminDatabaseUrl]),
      ...(settings.alertWebhookUrl ? [settings.alertWebhookUrl, new URL(settings.alertWebhookUrl).pathname].filter((part) => part.length > 1) : []),
    ],
  }).child({ command });

  if (command === 'retire-source' && !rest.includes('--confirm')) {
    logger.error(
      `retire-source drops replication slot "${settings.source.replicationSlot}" and publication "${settings.source.publication}": Airbyte can no longer read changes from this source and a later sync needs a connection reset. Rerun with --confirm to do it`,
      { slot: settings.source.replicationSlot, publication: settings.source.publication },
    );
    return EXIT_BAD_CONFIGURATION;
  }
  if (command === 'retire-source' || command === 'prepare-source') {
    return sourceCommand(command, settings, logger, stdout, { recreateLostSlot: rest.includes('--recreate-lost-slot'), readFile: options.readFile ?? ((p) => fs.readFileSync(p, 'utf8')) });
  }

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

    const operations = new OperationsStore(stateClient, settings.stateSchema);
    if (command === 'status') {
      await store.assertMigrated();
      const rows = await store.status();
      // The page's model, plus the flat per-table rows (watermark, column hash) scripts used before.
      const model = await loadModel(operations, settings);
      stdout(rest.includes('--json') ? `${JSON.stringify({ ...model, tables: rows })}\n` : renderStatus(rows));
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

    const airbyte = airbyteClientFor(settings, logger);
    const metrics = new OrchestratorMetrics();
    const monitor = new Monitor({
      store: operations,
      logger,
      metrics,
      webhook: settings.alertWebhookUrl ? createWebhookSender(settings.alertWebhookUrl, logger) : undefined,
      unreachableCycles: settings.alertUnreachableCycles,
      connections: settings.connections,
      slot: settings.source.replicationSlot ? { name: settings.source.replicationSlot, thresholdBytes: settings.walLagAlertBytes } : undefined,
    });
    let lastProgressAt: number | undefined;
    const runner = new CycleRunner({
      walGuard: settings.source.replicationSlot
        ? { slotName: settings.source.replicationSlot, thresholdBytes: settings.walLagAlertBytes, publication: settings.source.publication }
        : undefined,
      onProgress: () => (lastProgressAt = Date.now()),
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
        waitForCostCap: command === 'run',
        stateSchema: settings.stateSchema,
        airbyteUiUrl: settings.airbyteUiUrl,
        createRetry: settings.retry,
      },
    });

    if (!settings.source.replicationSlot) logger.info('no replication slot configured (REPLICATION_SLOT / CDC_ENVIRONMENT): WAL guard off');

    if (command === 'once') {
      const summary = await runner.runCycle();
      await monitor.afterCycle(summary);
      stdout(`${cycleLine(summary)}\n`);
      return summary.ok || summary.interrupted ? EXIT_OK : EXIT_FAILED;
    }

    // A lost database session also loses the advisory lock: exit so the supervisor restarts us
    // cleanly instead of cycling on a dead connection.
    let lostConnection: string | undefined;
    stateClient.on('end', () => (lostConnection ??= 'state database'));
    sourceClient.on('end', () => (lostConnection ??= 'source database'));

    let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
    if (settings.http) {
      // Its own session: page/metrics reads never interleave with a cycle's transactions.
      const httpClient = await connect(settings.stateDatabaseUrl, 'airbyte-orchestrator-http');
      clients.push(httpClient);
      const httpOperations = new OperationsStore(httpClient, settings.stateSchema);
      const startedAt = Date.now();
      try {
        http = await startHttpServer({
          host: settings.http.host,
          port: settings.http.port,
          logger,
          metrics,
          loadModel: () => loadModel(httpOperations, settings),
          health: async () => {
            let stateDatabase: { ok: true } | { ok: false; error: string } = { ok: true };
            try {
              await withTimeout(httpClient.query('SELECT 1'), 2000, 'no answer within 2 s');
            } catch (error) {
              stateDatabase = { ok: false, error: (error as Error).message };
            }
            const activity = Math.max(monitor.lastCycleEndedAt ?? 0, lastProgressAt ?? 0) || undefined;
            return assessHealth({ now: Date.now(), lastActivityAt: activity, startedAt, pollIntervalMs: settings.pollIntervalMs, stateDatabase });
          },
        });
      } catch (error) {
        logger.error('cannot listen on ORCHESTRATOR_HTTP_ADDR', { host: settings.http.host, port: settings.http.port, error: (error as Error).message });
        return EXIT_BAD_CONFIGURATION;
      }
      options.onHttpListening?.(http.address);
    }
    try {
      logger.info('daemon started', { pollIntervalSeconds: settings.pollIntervalMs / 1000, connections: settings.connections.length });
      // Each connection proceeds on its own (scheduler.ts): a tick never waits for jobs, so one
      // connection's long sync delays neither the others nor the WAL guard, alerts or /healthz.
      // Every connection's work may be sleeping on the shutdown signal at once (job polls, cost cap).
      if (options.signal) setMaxListeners(settings.connections.length * 2 + 10, options.signal);
      const scheduler = new Scheduler({ runner, connections: settings.connections, signal: options.signal, graceMs: Math.min(50, settings.pollIntervalMs / 5) });
      const report = async (summary: CycleSummary): Promise<void> => {
        await monitor.afterCycle(summary);
        if (summary.connections.length === 0) return;
        const level = summary.ok || summary.interrupted ? 'info' : 'error';
        logger[level]('cycle finished', { ok: summary.ok, durationMs: summary.durationMs, jobs: summary.connections.flatMap((c) => c.jobs) });
      };
      while (!options.signal?.aborted) {
        if (lostConnection) {
          logger.error('database connection lost; exiting so the service restarts', { database: lostConnection });
          return EXIT_FAILED;
        }
        const tickStarted = Date.now();
        await report(await scheduler.tick());
        // Our own state writes land in the source's WAL when both share a server; mark them as
        // seen so an idle source keeps its cheap cycles (see SourceProbe).
        if (sharesServer(settings.sourceDatabaseUrl, settings.stateDatabaseUrl)) await runner.settleSourceWal();
        await sleep(Math.max(0, settings.pollIntervalMs - (Date.now() - tickStarted)), options.signal);
      }
      // Interrupted waits leave their jobs in flight (adopted on the next start); record what ended.
      await report(await scheduler.drain());
      logger.info('daemon stopped');
      return EXIT_OK;
    } finally {
      await http?.close();
    }
  } catch (error) {
    logger.error(`${command} failed`, { error: (error as Error).message });
    return EXIT_FAILED;
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

async function loadModel(operations: OperationsStore, settings: Settings): Promise<StatusModel> {
  return buildStatusModel(await operations.snapshot(), { airbyteUiUrl: settings.airbyteUiUrl, connections: settings.connections });
}

/** prepare-source / retire-source, on SOURCE_ADMIN_DATABASE_URL (default SOURCE_DATABASE_URL). */
async function sourceCommand(
  command: 'prepare-source' | 'retire-source',
  settings: Settings,
  logger: Logger,
  stdout: (text: string) => void,
  flags: { recreateLostSlot: boolean; readFile: (path: string) => string },
): Promise<number> {
  const slot = settings.source.replicationSlot as string;
  const publication = settings.source.publication as string;
  // Exit 2 (a person must act): the log line and a JSON report on stdout carry the statements.
  const notReady = (message: string, statements: readonly string[] = [], variable?: string): number => {
    logger.error(`${command}: ${message}`, { ...(variable ? { variable } : {}), ...(statements.length > 0 ? { statements: [...statements] } : {}) });
    stdout(`${JSON.stringify({ ok: false, error: message, statements })}\n`);
    return EXIT_BAD_CONFIGURATION;
  };
  let tables: TableName[] = [];
  let seedSql: string | undefined;
  if (command === 'prepare-source') {
    const heartbeat = settings.source.heartbeatActionQuery;
    if (heartbeat !== undefined && heartbeat.trim() === '') {
      return notReady('the configuration document has an empty heartbeatActionQuery: with CDC, a quiet database then never advances the slot and WAL piles up; set airbyte.source.replication.heartbeatActionQuery (or leave it out for the default)', [], 'ORCHESTRATOR_CONFIG heartbeatActionQuery');
    }
    if (settings.source.seedSqlFile) {
      try {
        seedSql = flags.readFile(settings.source.seedSqlFile);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return notReady(`cannot read SOURCE_SEED_SQL_FILE ${settings.source.seedSqlFile}${code ? ` (${code})` : ''}`, [], 'SOURCE_SEED_SQL_FILE');
      }
    }
    if (settings.source.tables) {
      tables = [...settings.source.tables];
    } else {
      const airbyte = airbyteClientFor(settings, logger);
      try {
        for (const connection of settings.connections) {
          // A stream without a namespace is an error naming the connection (never a silent "public").
          const watched =
            connection.tables ??
            watchedTablesFromStreams(connection.name ? `${connection.name} (${connection.connectionId})` : connection.connectionId, (await airbyte.getConnection(connection.connectionId)).streams, {
              cursorColumn: settings.cursorColumn,
              stateSchema: settings.stateSchema,
              heartbeat: { schema: HEARTBEAT_SCHEMA, table: HEARTBEAT_TABLE },
            }).tables;
          for (const table of watched) if (!tables.some((t) => t.schema === table.schema && t.table === table.table)) tables.push({ schema: table.schema, table: table.table });
        }
      } catch (error) {
        logger.error('cannot read the connections\' streams from Airbyte (the publication covers exactly them; set SOURCE_TABLES to prepare without Airbyte)', { error: (error as Error).message });
        return EXIT_FAILED;
      }
    }
    tables = tables.sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));
  }
  let client: Client;
  try {
    client = await connect(settings.source.adminDatabaseUrl, `airbyte-orchestrator-${command}`);
  } catch (error) {
    logger.error('cannot connect to the source database (SOURCE_ADMIN_DATABASE_URL, or SOURCE_DATABASE_URL by default)', { error: (error as Error).message });
    return EXIT_FAILED;
  }
  const timeouts = { lockTimeoutMs: settings.source.lockTimeoutMs, statementTimeoutMs: settings.source.statementTimeoutMs };
  try {
    if (command === 'retire-source') {
      const report = await retireSource(client, { slot, publication, ...timeouts });
      logger.info('source retired', { slotDropped: report.slot.dropped, publicationDropped: report.publication.dropped });
      stdout(`${JSON.stringify(report)}\n`);
      return EXIT_OK;
    }
    const report = await prepareSource(client, {
      slot,
      publication,
      airbyteUser: settings.source.airbyteUser,
      tables,
      replicationPassword: settings.source.replicationPassword,
      seedSql,
      recreateLostSlot: flags.recreateLostSlot,
      stateSchema: stateSchemaHere(settings),
      ...timeouts,
    });
    logger.info('source prepared', { loginCreated: report.login.created, slot: report.slot, publication: report.publication, grants: report.grants, actedAs: report.actedAs });
    for (const table of report.tablesWithoutPrimaryKey) {
      logger.warn('table left out of the publication (full refresh only): no primary key; its owner can run the fix to include it', { ...table });
    }
    stdout(`${JSON.stringify(report)}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof SourceNotReadyError) return notReady(error.message, error.statements);
    logger.error(`${command} failed`, { error: (error as Error).message });
    return EXIT_FAILED;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The state schema and its migrating login, when the state database is the database being prepared. */
function stateSchemaHere(settings: Settings): { schema: string; login: string } | undefined {
  const place = (url: string) => {
    const parsed = new URL(url);
    return { database: decodeURIComponent(parsed.pathname.replace(/^\//, '')), user: decodeURIComponent(parsed.username) };
  };
  const state = place(settings.stateDatabaseUrl);
  const admin = place(settings.source.adminDatabaseUrl);
  if (!state.user || !sharesServer(settings.stateDatabaseUrl, settings.source.adminDatabaseUrl) || state.database !== admin.database) return undefined;
  return { schema: settings.stateSchema, login: state.user };
}

/** Whether two PostgreSQL URLs point at the same server (host and port): one WAL stream. */
export function sharesServer(a: string, b: string): boolean {
  const server = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.hostname || parsed.searchParams.get('host') || 'localhost'}:${parsed.port || parsed.searchParams.get('port') || '5432'}`;
  };
  return server(a) === server(b);
}

/** The Airbyte API client as configured by the settings (one place for every command). */
function airbyteClientFor(settings: Settings, logger: Logger): AirbyteClient {
  return new AirbyteClient({
    apiUrl: settings.airbyteApiUrl,
    configApiUrl: settings.airbyteConfigApiUrl,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    requestTimeoutMs: settings.httpTimeoutMs,
    discoverTimeoutMs: settings.discoverTimeoutMs,
    retry: settings.retry,
    logger,
  });
}
