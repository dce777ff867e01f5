// One orchestration cycle: adopt jobs left in flight, observe the source, decide, trigger or
// attach, wait, record. The decision itself lives in decision.ts; this file only sequences I/O.
import { AirbyteClient, AirbyteJob, AirbyteRequestError, AirbyteUnavailableError, isTerminalStatus } from './airbyte-client';
import { sleep } from './backoff';
import { ConnectionDecision, TriggerReason, classifyTrigger, decideConnection, describeChanges, inFlightOutcome } from './decision';
import { Logger } from './logger';
import { ConnectionSettings } from './settings';
import { Queryable, SourceProbe, WatchedTable, suggestedCursorIndex } from './source-probe';
import { InFlightJob, JobOrigin, StateStore, SyncedChange, tableKey } from './state-store';
import { SlotAssessment, SlotObservation, assessSlot, formatBytes, observeSlot } from './wal-guard';

export interface CycleOptions {
  readonly cursorColumn: string;
  readonly jobTimeoutMs: number;
  readonly jobPollMinMs: number;
  readonly jobPollMaxMs: number;
  /** How long the streams of a connection are trusted before GET /connections is asked again. */
  readonly connectionCacheMs?: number;
  /** Every max(cursor) is re-read at least this often, even when the change counters did not move. */
  readonly cursorSweepMs?: number;
  /**
   * When a connection's cost cap (minSyncIntervalMs) holds a sync back: true (daemon) sleeps until
   * it allows the sync; false (`once`) leaves the change for a later run.
   */
  readonly waitForCostCap?: boolean;
}

export interface JobSummary {
  readonly jobId: number;
  readonly origin: JobOrigin | 'adopted';
  readonly status: string;
  /** Why it was triggered (jobs we started). */
  readonly reason?: TriggerReason;
  /** From trigger/attach (or adoption) to the end. */
  readonly durationMs?: number;
}

export interface ConnectionResult {
  readonly connectionId: string;
  readonly name?: string;
  outcome: 'unchanged' | 'synced' | 'failed' | 'error';
  readonly jobs: JobSummary[];
  readonly changedTables: string[];
  readonly errors: string[];
  schemaRefreshed: boolean;
  /** Tables whose columns changed this cycle. */
  readonly schemaChangedTables: string[];
  /** Tables the connection watches (resolved this cycle). */
  tablesWatched: number;
  /** Changes carried by this cycle's successful syncs: first sighting → end of the sync. */
  readonly syncedChanges: SyncedChange[];
  /** A change waits for the cost cap (MIN_SYNC_INTERVAL_SECONDS) until then (`once` only). */
  deferredUntil?: string;
}

export interface WalGuardResult {
  readonly observation?: SlotObservation;
  readonly assessment?: SlotAssessment;
  readonly thresholdBytes: number;
  /** The slot could not be read (the cycle goes on without it). */
  readonly error?: string;
}

export interface CycleSummary {
  readonly ok: boolean;
  readonly airbyteUnavailable: boolean;
  readonly interrupted: boolean;
  readonly durationMs: number;
  readonly connections: ConnectionResult[];
  /** Present when a replication slot is configured. */
  readonly wal?: WalGuardResult;
}

export interface CycleDependencies {
  readonly source: Queryable;
  readonly store: StateStore;
  readonly airbyte: AirbyteClient;
  readonly logger: Logger;
  readonly connections: readonly ConnectionSettings[];
  readonly options: CycleOptions;
  /** Aborting stops waiting (the job stays recorded in flight and is adopted next time). */
  readonly signal?: AbortSignal;
  /** The replication slot to watch, and the lag that forces a sync. */
  readonly walGuard?: { readonly slotName: string; readonly thresholdBytes: number };
  /** Called while waiting on jobs, so liveness is visible during long syncs. */
  readonly onProgress?: () => void;
}

/** Thrown inside a connection's work when shutdown interrupts a wait; the job stays in flight. */
class Interrupted extends Error {}

interface ResolvedConnection {
  readonly settings: ConnectionSettings;
  readonly tables: readonly WatchedTable[];
  readonly sourceId?: string;
}

export class CycleRunner {
  private readonly connectionCache = new Map<string, { at: number; sourceId: string; tables: WatchedTable[] }>();
  private readonly reportedUnindexed = new Set<string>();
  private readonly reportedNoCursor = new Set<string>();

  private readonly probe: SourceProbe;

  constructor(private readonly deps: CycleDependencies) {
    this.probe = new SourceProbe(deps.source, { fullSweepMs: deps.options.cursorSweepMs ?? 300_000 });
  }

  async runCycle(): Promise<CycleSummary> {
    const started = Date.now();
    const wal = await this.checkWal();
    const results = await Promise.all(this.deps.connections.map((connection) => this.runConnection(connection, wal?.assessment?.syncForLag ? wal : undefined)));
    const airbyteUnavailable = results.some((result) => result.errors.some((error) => error.startsWith('airbyte unavailable')));
    const interrupted = Boolean(this.deps.signal?.aborted);
    return {
      ok: results.every((result) => result.outcome === 'unchanged' || result.outcome === 'synced') && !interrupted,
      airbyteUnavailable,
      interrupted,
      durationMs: Date.now() - started,
      connections: results,
      ...(wal ? { wal } : {}),
    };
  }

  /** Marks the source WAL written so far as seen (our own state writes); failures only logged. */
  async settleSourceWal(): Promise<void> {
    try {
      await this.probe.settle();
    } catch (error) {
      this.deps.logger.warn('cannot read the source WAL position; the next cycle re-reads every cursor', { error: (error as Error).message });
    }
  }

  /** One query: the slot's state and lag. A failure is reported, never fatal to the cycle. */
  async checkWal(): Promise<WalGuardResult | undefined> {
    const guard = this.deps.walGuard;
    if (!guard) return undefined;
    try {
      const observation = await observeSlot(this.deps.source, guard.slotName);
      const assessment = assessSlot(observation, guard.thresholdBytes);
      const log = this.deps.logger.child({ slot: guard.slotName });
      if (assessment.slotMissing) log.error('replication slot does not exist; CDC cannot read changes (run prepare-source, or check REPLICATION_SLOT)');
      else if (assessment.slotLost) {
        log.error('replication slot lost WAL it needs (wal_status ' + observation.walStatus + '); reset the connection in Airbyte (full resync)', { walStatus: observation.walStatus });
      } else if (assessment.lagOverThreshold) {
        log.warn('replication slot lag over WAL_LAG_ALERT_BYTES; syncing to let Airbyte consume it', {
          lagBytes: observation.lagBytes,
          lag: formatBytes(observation.lagBytes ?? 0),
          thresholdBytes: guard.thresholdBytes,
          active: observation.active,
        });
      }
      return { observation, assessment, thresholdBytes: guard.thresholdBytes };
    } catch (error) {
      this.deps.logger.error('cannot read the replication slot state', { slot: guard.slotName, error: (error as Error).message });
      return { thresholdBytes: guard.thresholdBytes, error: (error as Error).message };
    }
  }

  /**
   * Everything one connection does in a cycle: adopt a job left in flight, observe, sync (waiting
   * for the job), one follow-up. Independent of the other connections: the daemon runs one of
   * these per connection whenever that connection is idle (scheduler.ts).
   */
  async runConnection(connection: ConnectionSettings, walLag: WalGuardResult | undefined): Promise<ConnectionResult> {
    const result: ConnectionResult = {
      connectionId: connection.connectionId,
      name: connection.name,
      outcome: 'unchanged',
      jobs: [],
      changedTables: [],
      errors: [],
      schemaRefreshed: false,
      schemaChangedTables: [],
      tablesWatched: 0,
      syncedChanges: [],
    };
    const log = this.deps.logger.child({ connectionId: connection.connectionId, ...(connection.name ? { connection: connection.name } : {}) });
    try {
      const inFlight = await this.deps.store.inFlight(connection.connectionId);
      if (inFlight) {
        log.info('adopting job left in flight', { jobId: inFlight.jobId, origin: inFlight.origin });
        const job = await this.waitForJob(inFlight, log);
        await this.recordJobEnd(connection.connectionId, inFlight, job, result, 'adopted', log);
      }

      const resolved = await this.resolve(connection);
      result.tablesWatched = resolved.tables.length;
      let decision = await this.observe(resolved, result, log);
      // The slot holds back too much WAL: sync even without table changes, so Airbyte consumes it.
      let forceForLag = Boolean(walLag);
      // A change that lands while a job runs gets one follow-up job right after it; anything
      // later is the connection's next run (the daemon starts it at once after a sync), so this
      // loop stays bounded.
      for (let round = 0; (decision.sync || forceForLag) && round < 2; round += 1) {
        // The WAL guard protects the source's disk: it is not held back by the cost cap.
        if (!forceForLag) {
          const cap = await this.costCap(connection, result, log);
          if (cap === 'deferred') break;
          if (cap === 'waited') {
            decision = await this.observe(resolved, result, log);
            if (!decision.sync) break;
          }
        }
        const ended = await this.sync(resolved, decision, result, log, forceForLag ? walLag : undefined);
        forceForLag = false;
        if (!ended.followUp) break;
        // Nobody looked while the job ran: a change seen now may have arrived as early as its start.
        decision = await this.observe(resolved, result, log, ended.startedAt);
      }
    } catch (error) {
      if (error instanceof Interrupted) {
        log.info('stopped waiting for the job; it stays recorded and will be adopted on the next start');
      } else if (error instanceof AirbyteUnavailableError) {
        result.outcome = 'error';
        result.errors.push(`airbyte unavailable: ${error.message}`);
        log.error('airbyte unavailable', { error: error.message });
      } else {
        result.outcome = 'error';
        result.errors.push((error as Error).message);
        log.error('connection cycle failed', { error: (error as Error).message });
      }
    }
    if (result.errors.length > 0 && result.outcome !== 'error' && result.outcome !== 'failed') result.outcome = 'error';
    return result;
  }

  /**
   * The cost cap: at least minSyncIntervalMs between the starts of two syncs we trigger. The
   * daemon sleeps until the cap allows the sync (the connection is busy meanwhile, the others are
   * not); `once` leaves the change for a later run.
   */
  private async costCap(connection: ConnectionSettings, result: ConnectionResult, log: Logger): Promise<'go' | 'waited' | 'deferred'> {
    const minInterval = connection.minSyncIntervalMs ?? 0;
    if (minInterval <= 0) return 'go';
    const last = await this.deps.store.lastTriggeredAt(connection.connectionId);
    const allowedAt = last ? last.getTime() + minInterval : 0;
    const waitMs = allowedAt - Date.now();
    if (waitMs <= 0) return 'go';
    if (!this.deps.options.waitForCostCap) {
      result.deferredUntil = new Date(allowedAt).toISOString();
      log.info('change seen; the cost cap (MIN_SYNC_INTERVAL_SECONDS) defers the sync', { syncAllowedAt: result.deferredUntil });
      return 'deferred';
    }
    log.debug('change seen; waiting for the cost cap (MIN_SYNC_INTERVAL_SECONDS)', { waitMs });
    await sleep(waitMs, this.deps.signal);
    if (this.deps.signal?.aborted) throw new Interrupted();
    return 'waited';
  }

  private async resolve(connection: ConnectionSettings): Promise<ResolvedConnection> {
    if (connection.tables) return { settings: connection, tables: connection.tables };
    const cached = this.connectionCache.get(connection.connectionId);
    const ttl = this.deps.options.connectionCacheMs ?? 300_000;
    if (cached && Date.now() - cached.at < ttl) return { settings: connection, tables: cached.tables, sourceId: cached.sourceId };
    const remote = await this.deps.airbyte.getConnection(connection.connectionId);
    const tables = remote.streams.map((stream) => ({ schema: stream.namespace || 'public', table: stream.name, cursorColumn: this.deps.options.cursorColumn }));
    if (tables.length === 0) throw new Error(`connection ${connection.connectionId} has no selected streams; nothing to watch`);
    this.connectionCache.set(connection.connectionId, { at: Date.now(), sourceId: remote.sourceId, tables });
    if (remote.workspaceId) await this.deps.store.recordWorkspace(connection.connectionId, remote.workspaceId);
    return { settings: connection, tables, sourceId: remote.sourceId };
  }

  private async observe(resolved: ResolvedConnection, result: ConnectionResult, log: Logger, changedSince?: Date): Promise<ConnectionDecision> {
    const observations = await this.probe.observe(resolved.tables);
    const synced = await this.deps.store.loadSynced(resolved.settings.connectionId);
    const decision = decideConnection(observations.map((observation) => ({ observation, synced: synced.get(tableKey(observation.schema, observation.table)) })));
    if (decision.changes.length > 0) await this.deps.store.markChangesSeen(resolved.settings.connectionId, decision.changes, changedSince);
    for (const change of decision.changes) {
      const name = `${change.schema}.${change.table}`;
      if (change.reasons.includes('columns-changed') && !result.schemaChangedTables.includes(name)) result.schemaChangedTables.push(name);
    }

    for (const missing of decision.missingTables) {
      const message = `table ${missing.schema}.${missing.table} does not exist in the source database`;
      if (!result.errors.includes(message)) {
        result.errors.push(message);
        log.error('watched table not found', { schema: missing.schema, table: missing.table, error: message });
        await this.deps.store.recordTableError(resolved.settings.connectionId, missing.schema, missing.table, message);
      }
    }
    for (const table of decision.tablesWithoutCursorIndex) {
      const key = `${resolved.settings.connectionId}:${tableKey(table.schema, table.table)}`;
      if (this.reportedUnindexed.has(key)) continue;
      this.reportedUnindexed.add(key);
      log.warn('cursor column has no index; max() scans the whole table every cycle', {
        schema: table.schema,
        table: table.table,
        cursorColumn: table.cursorColumn,
        fix: suggestedCursorIndex(table),
      });
    }
    for (const table of decision.tablesWithoutCursor) {
      const key = `${resolved.settings.connectionId}:${tableKey(table.schema, table.table)}`;
      if (this.reportedNoCursor.has(key)) continue;
      this.reportedNoCursor.add(key);
      log.warn('table has no cursor column; changes are detected from its modification counters only', { schema: table.schema, table: table.table, cursorColumn: table.cursorColumn });
    }
    return decision;
  }

  /** Triggers (or attaches to) one job, waits for it and records it. */
  private async sync(resolved: ResolvedConnection, decision: ConnectionDecision, result: ConnectionResult, log: Logger, walLag?: WalGuardResult): Promise<{ followUp: boolean; startedAt?: Date }> {
    const connectionId = resolved.settings.connectionId;
    const lagText = walLag?.observation ? `wal_lag: slot ${walLag.observation.slotName} lags ${formatBytes(walLag.observation.lagBytes ?? 0)} (threshold ${formatBytes(walLag.thresholdBytes)})` : '';
    const reason = [describeChanges(decision.changes), lagText].filter(Boolean).join('; ');
    const previousJobFailed = decision.changes.length > 0 && (await this.deps.store.lastTriggeredJobFailed(connectionId));
    const triggerReason = classifyTrigger({ changes: decision.changes, refreshSchema: decision.refreshSchema, walLag: Boolean(walLag), previousJobFailed });
    for (const change of decision.changes) {
      const name = `${change.schema}.${change.table}`;
      if (!result.changedTables.includes(name)) result.changedTables.push(name);
    }
    log.info('change detected', { reason, tables: decision.changes.length });

    let schemaRefreshed = false;
    if (decision.refreshSchema) {
      const sourceId = resolved.sourceId ?? (await this.deps.airbyte.getConnection(connectionId)).sourceId;
      log.info('columns changed; refreshing the source schema before syncing', { sourceId });
      const discovered = await this.deps.airbyte.discoverSchema(sourceId, connectionId);
      if (!discovered.succeeded) {
        result.outcome = 'failed';
        result.errors.push('schema refresh (discover_schema) did not succeed; sync postponed to the next cycle');
        log.error('schema refresh failed; not syncing this cycle', { sourceId });
        return { followUp: false };
      }
      schemaRefreshed = true;
      result.schemaRefreshed = true;
    }

    const created = await this.deps.airbyte.createSyncJob(connectionId);
    let inFlight: InFlightJob;
    if (created.kind === 'created') {
      inFlight = { jobId: Number(created.job.jobId), origin: 'triggered', since: new Date() };
      await this.deps.store.beginJob({ connectionId, jobId: inFlight.jobId, origin: 'triggered', reason, triggerReason, schemaRefreshed, watermarks: decision.watermarks });
      log.info('sync job started', { jobId: inFlight.jobId, reason, triggerReason });
    } else {
      const running = await this.deps.airbyte.findRunningJob(connectionId);
      if (!running) {
        // It ended between our POST and the lookup: the next observation decides again.
        log.info('a sync was running but has already ended; re-checking', { message: created.message });
        return { followUp: true };
      }
      inFlight = { jobId: Number(running.jobId), origin: 'attached', since: new Date() };
      // What an attached job covers is unknown, so it records no watermarks: the follow-up does.
      await this.deps.store.beginJob({ connectionId, jobId: inFlight.jobId, origin: 'attached', reason: `attached (sync already running); ${reason}`, schemaRefreshed, watermarks: [] });
      log.info('sync already running; attached to it', { jobId: inFlight.jobId });
    }

    const job = await this.waitForJob(inFlight, log);
    const succeeded = await this.recordJobEnd(connectionId, inFlight, job, result, inFlight.origin, log, inFlight.origin === 'triggered' ? triggerReason : undefined);
    return { followUp: succeeded || inFlight.origin === 'attached', startedAt: inFlight.since };
  }

  private async recordJobEnd(
    connectionId: string,
    inFlight: InFlightJob,
    job: AirbyteJob,
    result: ConnectionResult,
    origin: JobSummary['origin'],
    log: Logger,
    reason?: TriggerReason,
  ): Promise<boolean> {
    const outcome = inFlightOutcome(job.status);
    const error = outcome === 'record-failure' ? `Airbyte reported ${job.status}` : null;
    const synced = await this.deps.store.finishJob(connectionId, inFlight.jobId, { status: job.status, rowsSynced: job.rowsSynced, bytesSynced: job.bytesSynced, error });
    result.syncedChanges.push(...synced);
    result.jobs.push({ jobId: inFlight.jobId, origin, status: job.status, ...(reason ? { reason } : {}), durationMs: Math.max(0, Date.now() - inFlight.since.getTime()) });
    if (outcome === 'record-success') {
      if (result.outcome === 'unchanged') result.outcome = 'synced';
      log.info('sync job succeeded', { jobId: inFlight.jobId, origin, rowsSynced: job.rowsSynced, bytesSynced: job.bytesSynced });
      return true;
    }
    // An attached job that failed is someone else's; ours (triggered) failing fails the cycle.
    if (inFlight.origin === 'triggered') {
      result.outcome = 'failed';
      result.errors.push(`job ${inFlight.jobId} ${job.status}`);
      log.error('sync job did not succeed; watermarks unchanged, retrying next cycle', { jobId: inFlight.jobId, status: job.status });
    } else {
      log.warn('attached job did not succeed', { jobId: inFlight.jobId, status: job.status });
    }
    return false;
  }

  /** Polls with growing intervals until the job ends; cancels it when it outlives the timeout. */
  private async waitForJob(inFlight: InFlightJob, log: Logger): Promise<AirbyteJob> {
    const { jobTimeoutMs, jobPollMinMs, jobPollMaxMs } = this.deps.options;
    const deadline = inFlight.since.getTime() + jobTimeoutMs;
    let delay = jobPollMinMs;
    let lastStatus = '';
    for (;;) {
      if (this.deps.signal?.aborted) throw new Interrupted();
      this.deps.onProgress?.();
      let job: AirbyteJob;
      try {
        job = await this.deps.airbyte.getJob(inFlight.jobId);
      } catch (error) {
        if (error instanceof AirbyteRequestError && error.status === 404) {
          log.warn('job in flight no longer exists in Airbyte; treating it as failed', { jobId: inFlight.jobId });
          return { jobId: inFlight.jobId, status: 'failed', jobType: 'sync', connectionId: '' };
        }
        throw error;
      }
      if (job.status !== lastStatus) {
        log.debug('job status', { jobId: inFlight.jobId, status: job.status });
        lastStatus = job.status;
      }
      if (isTerminalStatus(job.status)) return job;
      if (Date.now() >= deadline) {
        log.error('job exceeded JOB_TIMEOUT_SECONDS; cancelling it', { jobId: inFlight.jobId, timeoutSeconds: jobTimeoutMs / 1000 });
        const cancelled = await this.deps.airbyte.cancelJob(inFlight.jobId);
        if (cancelled) return { ...cancelled, status: 'cancelled' };
        // 409 on cancel: it ended on its own just now; report how.
        const final = await this.deps.airbyte.getJob(inFlight.jobId);
        return isTerminalStatus(final.status) ? final : { ...final, status: 'cancelled' };
      }
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), this.deps.signal);
      delay = Math.min(jobPollMaxMs, Math.round(delay * 1.5));
    }
  }
}
