// What every command shares: its inputs (environment, output streams, abort signal), the exit
// codes, the settings and logger it runs with, and the connections it opens.
import { Client } from 'pg';
import type { AddressInfo } from 'net';
import { AirbyteClient } from '../airbyte/airbyte-client';
import { sleep } from '../core/backoff';
import { LogFormat, Logger, createLogger, secretsFromUrls } from '../ops/logger';
import { StatusModel, buildStatusModel } from '../ops/status-model';
import { ConfigurationError, Environment, Settings, loadSettings } from '../settings';
import { OperationsStore } from '../state/operations-store';
import { StateStore } from '../state/state-store';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** Bad configuration, a bad command line, or a source that needs a person (prepare-source). */
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
  /**
   * Whether stderr is a terminal: then, unless LOG_FORMAT says otherwise, logs and errors are
   * readable lines instead of JSON. @default false (in-process callers read JSON)
   */
  readonly stderrIsTerminal?: boolean;
}

/** A command's view of the process: MainOptions with every default applied. */
export interface CommandContext {
  readonly env: Environment;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly signal?: AbortSignal;
  readonly readFile?: (path: string) => string;
  readonly onHttpListening?: (address: AddressInfo) => void;
  readonly logFormat: LogFormat;
}

/** What `--help` says about a command beyond its options; also the README's CLI reference. */
export interface CommandReference {
  /** One line: what the command does. */
  readonly summary: string;
  /** Environment variables it reads, beyond those every command reads (COMMON_VARIABLES). */
  readonly variables: readonly string[];
  /** Exit code → meaning (2 for a bad command line is common to all, see USAGE_EXIT). */
  readonly exitCodes: ReadonlyArray<readonly [number, string]>;
}

/** Read by every command. */
export const COMMON_VARIABLES: readonly string[] = ['ORCHESTRATOR_CONFIG', 'LOG_LEVEL', 'LOG_FORMAT'];
/** The state database, read by every command that keeps or reads state. */
export const STATE_VARIABLES: readonly string[] = ['SOURCE_DATABASE_URL', 'STATE_DATABASE_URL', 'STATE_SCHEMA'];
/** Airbyte's API: required (checked) by every command except retire-source and prepare-source with SOURCE_TABLES. */
export const AIRBYTE_VARIABLES: readonly string[] = [
  'AIRBYTE_API_URL',
  'AIRBYTE_CONFIG_API_URL',
  'AIRBYTE_CLIENT_ID',
  'AIRBYTE_CLIENT_SECRET',
  'AIRBYTE_CONNECTION_ID',
  'HTTP_TIMEOUT_SECONDS',
  'HTTP_MAX_ATTEMPTS',
  'RETRY_BASE_SECONDS',
  'RETRY_MAX_SECONDS',
];
/** The source's replication objects, by name or derived from the environment name. */
export const SLOT_VARIABLES: readonly string[] = ['CDC_ENVIRONMENT', 'REPLICATION_SLOT', 'PUBLICATION'];

export const USAGE_EXIT: readonly [number, string] = [EXIT_BAD_CONFIGURATION, 'bad command line (unknown command or option, missing or extra argument)'];

/** Settings for a command, or the exit code when they are bad (the error is logged). */
export function loadCommandSettings(command: string, context: CommandContext): { settings: Settings; logger: Logger } | number {
  const { env } = context;
  let settings: Settings;
  try {
    // With SOURCE_TABLES, prepare-source runs before any Airbyte connection exists (first deploy).
    const sourceOnly = command === 'retire-source' || (command === 'prepare-source' && (env.SOURCE_TABLES ?? '').trim() !== '');
    settings = loadSettings(env, context.readFile, { requireAirbyte: !sourceOnly, adminUrlAsSource: sourceOnly });
    if ((command === 'prepare-source' || command === 'retire-source') && (!settings.source.replicationSlot || !settings.source.publication)) {
      const variable = settings.source.replicationSlot ? 'PUBLICATION' : 'REPLICATION_SLOT';
      throw new ConfigurationError(variable, `is required for ${command} (or set CDC_ENVIRONMENT=<env> for airbyte_<env>_slot / airbyte_<env>_publication, or name them in ORCHESTRATOR_CONFIG)`);
    }
  } catch (error) {
    if (error instanceof ConfigurationError) {
      createLogger({ write: context.stderr, format: context.logFormat }).error(`configuration error: ${error.message}`, { variable: error.variable });
      return EXIT_BAD_CONFIGURATION;
    }
    throw error;
  }
  const logger = createLogger({
    level: settings.logLevel,
    write: context.stderr,
    format: context.logFormat,
    secrets: [
      settings.clientSecret,
      ...(settings.source.replicationPassword ? [settings.source.replicationPassword] : []),
      ...secretsFromUrls([settings.sourceDatabaseUrl, settings.stateDatabaseUrl, settings.source.adminDatabaseUrl]),
      ...(settings.alertWebhookUrl ? [settings.alertWebhookUrl, new URL(settings.alertWebhookUrl).pathname].filter((part) => part.length > 1) : []),
    ],
  }).child({ command });
  return { settings, logger };
}

export async function connect(url: string, applicationName: string, extraOptions?: string): Promise<Client> {
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

/** Runs `body` on a session to the state database; a lost or refused connection is exit 1. */
export async function withStateDatabase(
  command: string,
  settings: Settings,
  logger: Logger,
  body: (client: Client, clients: Client[]) => Promise<number>,
): Promise<number> {
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
    return await body(stateClient, clients);
  } catch (error) {
    logger.error(`${command} failed`, { error: (error as Error).message });
    return EXIT_FAILED;
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

export async function acquireLock(store: StateStore, logger: Logger, signal: AbortSignal | undefined): Promise<boolean> {
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

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

export async function loadModel(operations: OperationsStore, settings: Settings): Promise<StatusModel> {
  return buildStatusModel(await operations.snapshot(), { airbyteUiUrl: settings.airbyteUiUrl, connections: settings.connections });
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
export function airbyteClientFor(settings: Settings, logger: Logger): AirbyteClient {
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
