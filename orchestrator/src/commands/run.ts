// `run`: the daemon. A tick every POLL_INTERVAL_SECONDS (core/scheduler.ts), the status page,
// /metrics and /healthz on ORCHESTRATOR_HTTP_ADDR; SIGTERM/SIGINT stop it cleanly.
import { setMaxListeners } from 'events';
import { Client } from 'pg';
import { CycleSummary } from '../core/cycle';
import { Scheduler } from '../core/scheduler';
import { sleep } from '../core/backoff';
import { assessHealth, startHttpServer } from '../ops/http-server';
import { OperationsStore } from '../state/operations-store';
import {
  AIRBYTE_VARIABLES,
  CommandContext,
  CommandReference,
  EXIT_BAD_CONFIGURATION,
  EXIT_FAILED,
  EXIT_OK,
  SLOT_VARIABLES,
  STATE_VARIABLES,
  connect,
  loadCommandSettings,
  loadModel,
  sharesServer,
  withStateDatabase,
  withTimeout,
} from './context';
import { CYCLE_VARIABLES, setUpCycle } from './cycle-setup';

export const RUN: CommandReference = {
  summary: 'run as a daemon: a tick every POLL_INTERVAL_SECONDS, each connection on its own; status page, /metrics and /healthz over HTTP; SIGTERM stops it cleanly',
  variables: [...STATE_VARIABLES, ...AIRBYTE_VARIABLES, ...CYCLE_VARIABLES, ...SLOT_VARIABLES, 'POLL_INTERVAL_SECONDS', 'ORCHESTRATOR_HTTP_ADDR', 'ORCHESTRATOR_HTTP_ALLOW_REMOTE'],
  exitCodes: [
    [EXIT_OK, 'stopped by SIGTERM/SIGINT (a job in flight is adopted by the next start)'],
    [EXIT_FAILED, 'a database is unreachable at start, or its connection was lost (the service manager restarts it)'],
    [EXIT_BAD_CONFIGURATION, 'bad configuration (one message naming the variable), or ORCHESTRATOR_HTTP_ADDR cannot be listened on'],
  ],
};

export async function runCommand(context: CommandContext): Promise<number> {
  const loaded = loadCommandSettings('run', context);
  if (typeof loaded === 'number') return loaded;
  const { settings, logger } = loaded;
  const { signal } = context;
  return withStateDatabase('run', settings, logger, async (stateClient, clients) => {
    const cycle = await setUpCycle('run', context, settings, logger, stateClient, clients);
    if (typeof cycle === 'number') return cycle;
    const { runner, monitor, metrics, sourceClient } = cycle;

    // A lost database session also loses the advisory lock: exit so the supervisor restarts us
    // cleanly instead of cycling on a dead connection.
    let lostConnection: string | undefined;
    stateClient.on('end', () => (lostConnection ??= 'state database'));
    sourceClient.on('end', () => (lostConnection ??= 'source database'));

    let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
    if (settings.http) {
      // Its own session: page/metrics reads never interleave with a cycle's transactions.
      const httpClient: Client = await connect(settings.stateDatabaseUrl, 'airbyte-orchestrator-http');
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
            const activity = Math.max(monitor.lastCycleEndedAt ?? 0, cycle.lastProgressAt() ?? 0) || undefined;
            return assessHealth({ now: Date.now(), lastActivityAt: activity, startedAt, pollIntervalMs: settings.pollIntervalMs, stateDatabase });
          },
        });
      } catch (error) {
        logger.error('cannot listen on ORCHESTRATOR_HTTP_ADDR', { host: settings.http.host, port: settings.http.port, error: (error as Error).message });
        return EXIT_BAD_CONFIGURATION;
      }
      context.onHttpListening?.(http.address);
    }
    try {
      logger.info('daemon started', { pollIntervalSeconds: settings.pollIntervalMs / 1000, connections: settings.connections.length });
      // Each connection proceeds on its own (scheduler.ts): a tick never waits for jobs, so one
      // connection's long sync delays neither the others nor the WAL guard, alerts or /healthz.
      // Every connection's work may be sleeping on the shutdown signal at once (job polls, cost cap).
      if (signal) setMaxListeners(settings.connections.length * 2 + 10, signal);
      const scheduler = new Scheduler({ runner, connections: settings.connections, signal, graceMs: Math.min(50, settings.pollIntervalMs / 5) });
      const report = async (summary: CycleSummary): Promise<void> => {
        await monitor.afterCycle(summary);
        if (summary.connections.length === 0) return;
        const level = summary.ok || summary.interrupted ? 'info' : 'error';
        logger[level]('cycle finished', { ok: summary.ok, durationMs: summary.durationMs, jobs: summary.connections.flatMap((c) => c.jobs) });
      };
      while (!signal?.aborted) {
        if (lostConnection) {
          logger.error('database connection lost; exiting so the service restarts', { database: lostConnection });
          return EXIT_FAILED;
        }
        const tickStarted = Date.now();
        await report(await scheduler.tick());
        // Our own state writes land in the source's WAL when both share a server; mark them as
        // seen so an idle source keeps its cheap cycles (see SourceProbe).
        if (sharesServer(settings.sourceDatabaseUrl, settings.stateDatabaseUrl)) await runner.settleSourceWal();
        await sleep(Math.max(0, settings.pollIntervalMs - (Date.now() - tickStarted)), signal);
      }
      // Interrupted waits leave their jobs in flight (adopted on the next start); record what ended.
      await report(await scheduler.drain());
      logger.info('daemon stopped');
      return EXIT_OK;
    } finally {
      await http?.close();
    }
  });
}
