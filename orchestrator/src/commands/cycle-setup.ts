// What `once` and `run` both need before their first cycle: the lock, a migrated state schema, a
// session on the source, the Airbyte client, the monitor (alerts, metrics) and the cycle runner.
import { Client } from 'pg';
import { CycleRunner } from '../core/cycle';
import { Logger } from '../ops/logger';
import { OrchestratorMetrics } from '../ops/metrics';
import { Monitor } from '../ops/monitor';
import { createWebhookSender } from '../ops/webhook';
import { Settings } from '../settings';
import { OperationsStore } from '../state/operations-store';
import { StateStore } from '../state/state-store';
import { CommandContext, EXIT_FAILED, EXIT_OK, acquireLock, airbyteClientFor, connect } from './context';

/** The variables the cycle reads (beyond the state database and Airbyte). */
export const CYCLE_VARIABLES: readonly string[] = [
  'CURSOR_COLUMN',
  'CURSOR_SWEEP_SECONDS',
  'FRESHNESS_TARGET_SECONDS',
  'MIN_SYNC_INTERVAL_SECONDS',
  'JOB_TIMEOUT_SECONDS',
  'JOB_POLL_MIN_SECONDS',
  'JOB_POLL_MAX_SECONDS',
  'DISCOVER_TIMEOUT_SECONDS',
  'AIRBYTE_UI_URL',
  'WAL_LAG_ALERT_BYTES',
  'ALERT_WEBHOOK_URL',
  'ALERT_UNREACHABLE_CYCLES',
];

export interface CycleSetup {
  readonly runner: CycleRunner;
  readonly monitor: Monitor;
  readonly metrics: OrchestratorMetrics;
  readonly sourceClient: Client;
  /** When a connection's work last made progress (a job poll, a trigger): for /healthz. */
  lastProgressAt(): number | undefined;
}

/**
 * Takes the lock, migrates, connects to the source and builds the runner; an exit code when it
 * cannot (lock wait interrupted: 0; source unreachable: 1). `clients` collects the sessions to close.
 */
export async function setUpCycle(
  command: 'once' | 'run',
  context: CommandContext,
  settings: Settings,
  logger: Logger,
  stateClient: Client,
  clients: Client[],
): Promise<CycleSetup | number> {
  const store = new StateStore(stateClient, settings.stateSchema);
  if (!(await acquireLock(store, logger, context.signal))) {
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
    store: new OperationsStore(stateClient, settings.stateSchema),
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
    signal: context.signal,
    options: {
      cursorColumn: settings.cursorColumn,
      jobTimeoutMs: settings.jobTimeoutMs,
      jobPollMinMs: settings.jobPollMinMs,
      jobPollMaxMs: settings.jobPollMaxMs,
      connectionCacheMs: command === 'run' ? 300_000 : 0,
      cursorSweepMs: settings.cursorSweepMs,
      waitForCostCap: command === 'run',
      settleMs: settings.pollIntervalMs,
      stateSchema: settings.stateSchema,
      airbyteUiUrl: settings.airbyteUiUrl,
      createRetry: settings.retry,
    },
  });

  if (!settings.source.replicationSlot) logger.info('no replication slot configured (REPLICATION_SLOT / CDC_ENVIRONMENT): WAL guard off');
  return { runner, monitor, metrics, sourceClient, lastProgressAt: () => lastProgressAt };
}
