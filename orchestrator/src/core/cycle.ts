// One orchestration cycle: adopt jobs left in flight, observe the source, decide, refresh the
// schema (discover + postprocess), trigger or attach, follow, record. The decisions live in
// decision.ts and the per-job steps in job-control.ts; this file only sequences I/O.
import { AirbyteClient, AirbyteConnection, AirbyteDiscoverTimeoutError, AirbyteUnavailableError } from '../airbyte/airbyte-client';
import { BackoffPolicy, sleep } from './backoff';
import {
  ConnectionDecision,
  ProbedTable,
  SchemaRefreshVerdict,
  TriggerReason,
  assessSchemaRefresh,
  classifyTrigger,
  connectionBlocked,
  costCap,
  decideConnection,
  describeChanges,
  followUpAfterJob,
  inFlightOutcome,
  schemaReviewResolved,
  schemaUpdatesWarning,
  settleBeforeSync,
  shouldForceLagSync,
  shouldStartJob,
  sourceMoved,
  watchedTablesFromStreams,
} from './decision';
import { ConnectionInactiveError, FollowOutcome, Interrupted, JobControl } from '../airbyte/job-control';
import { Logger } from '../ops/logger';
import { ConnectionSettings, DOCUMENT_DEFAULTS } from '../settings';
import { HEARTBEAT_SCHEMA, HEARTBEAT_TABLE } from '../probe/source-preparation';
import { Queryable, SourceProbe, WatchedTable, suggestedCursorIndex } from '../probe/source-probe';
import { InFlightJob, JobOrigin, StateStore, SyncedChange, tableKey } from '../state/state-store';
import { connectionSchemaUrl } from '../ops/status-model';
import { SlotAssessment, SlotObservation, assessSlot, formatBytes, observeSlot, tablesMissingFromPublication } from '../probe/wal-guard';

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
  /**
   * The settle rule's window (decision.ts settleBeforeSync): a capped connection whose changes are
   * still arriving looks again this much later. One poll interval. @default POLL_INTERVAL_SECONDS' default
   */
  readonly settleMs?: number;
  /** The orchestrator's own state schema: never watched, even when selected as a stream. @default "airbyte_orchestrator" */
  readonly stateSchema?: string;
  /** Airbyte web UI base, for the "review the schema" link. */
  readonly airbyteUiUrl?: string;
  /** Attempts of a POST /jobs whose answer was lost and that made no job. @default 3 attempts, 0.5–5 s apart */
  readonly createRetry?: BackoffPolicy & { readonly maxAttempts: number };
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
  /** A column change reached the connection's catalog this cycle (or Airbyte had nothing left to apply and the sync succeeded). */
  schemaApplied?: boolean;
  /** A schema change waiting for a person in Airbyte (state at the end of the cycle); undefined = not known this cycle. */
  schemaReview?: { readonly active: boolean; readonly reason?: string; readonly url?: string };
}

export interface WalGuardResult {
  readonly observation?: SlotObservation;
  readonly assessment?: SlotAssessment;
  readonly thresholdBytes: number;
  /** The slot could not be read (the cycle goes on without it). */
  readonly error?: string;
  /** Watched tables missing from the publication (checked after the connections resolved their tables). */
  readonly publication?: { readonly name: string; readonly missingTables: readonly string[] };
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
  readonly walGuard?: { readonly slotName: string; readonly thresholdBytes: number; readonly publication?: string };
  /** Called while waiting on jobs, so liveness is visible during long syncs. */
  readonly onProgress?: () => void;
}

interface ResolvedConnection {
  readonly settings: ConnectionSettings;
  readonly label: string;
  readonly tables: readonly WatchedTable[];
  readonly sourceId?: string;
  /** Airbyte's status of the connection, when it was read. */
  readonly status?: string;
  readonly workspaceId?: string;
}

interface RemoteConnection {
  readonly at: number;
  readonly remote: AirbyteConnection;
  readonly tables: readonly WatchedTable[];
}

export class CycleRunner {
  private readonly connectionCache = new Map<string, RemoteConnection>();
  private readonly reportedUnindexed = new Set<string>();
  private readonly reportedNoCursor = new Set<string>();
  private readonly reportedSkipped = new Set<string>();
  /** Connections whose nonBreakingSchemaUpdatesBehavior was checked by this process (at start). */
  private readonly checkedBehaviour = new Set<string>();
  private readonly workspaces = new Map<string, string>();
  /** When this process learned that each connection's last triggered job exists (the cost cap's anchor). */
  private readonly lastTriggeredAt = new Map<string, number>();
  /** Per connection, what the latest probe saw, and whether it differed from the probe before it (the settle rule). */
  private readonly lastProbe = new Map<string, { readonly tables: readonly ProbedTable[]; readonly moved: boolean }>();
  /** Per connection, when the latest probe that found nothing pending ran. */
  private readonly quietAt = new Map<string, number>();
  /** Per connection with pending changes: the earliest they can have been committed (settleBeforeSync pendingSinceMs). */
  private readonly pendingSince = new Map<string, number>();

  private readonly probe: SourceProbe;
  readonly jobs: JobControl;

  constructor(private readonly deps: CycleDependencies) {
    this.probe = new SourceProbe(deps.source, { fullSweepMs: deps.options.cursorSweepMs ?? 300_000 });
    this.jobs = new JobControl({
      airbyte: deps.airbyte,
      store: deps.store,
      signal: deps.signal,
      onProgress: deps.onProgress,
      options: {
        jobTimeoutMs: deps.options.jobTimeoutMs,
        jobPollMinMs: deps.options.jobPollMinMs,
        jobPollMaxMs: deps.options.jobPollMaxMs,
        createRetry: deps.options.createRetry ?? { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 5000 },
      },
    });
  }

  async runCycle(): Promise<CycleSummary> {
    const started = Date.now();
    const wal = await this.checkWal();
    const results = await Promise.all(this.deps.connections.map((connection) => this.runConnection(connection, wal?.assessment?.syncForLag ? wal : undefined)));
    const publication = wal?.observation ? await this.checkPublication() : undefined;
    const airbyteUnavailable = results.some((result) => result.errors.some((error) => error.startsWith('airbyte unavailable')));
    const interrupted = Boolean(this.deps.signal?.aborted);
    return {
      ok: results.every((result) => result.outcome === 'unchanged' || result.outcome === 'synced') && !interrupted,
      airbyteUnavailable,
      interrupted,
      durationMs: Date.now() - started,
      connections: results,
      ...(wal ? { wal: publication ? { ...wal, publication } : wal } : {}),
    };
  }

  /** The tables this cycle watched (as resolved) that fell out of the publication; failures only logged. */
  async checkPublication(): Promise<WalGuardResult['publication']> {
    const name = this.deps.walGuard?.publication;
    if (!name) return undefined;
    const watched = new Map<string, { schema: string; table: string }>();
    for (const connection of this.deps.connections) {
      for (const t of connection.tables ?? this.connectionCache.get(connection.connectionId)?.tables ?? []) watched.set(JSON.stringify([t.schema, t.table]), t);
    }
    try {
      const missingTables = await tablesMissingFromPublication(this.deps.source, name, [...watched.values()]);
      if (missingTables.length > 0) this.deps.logger.error('watched tables are not in the publication: CDC no longer sees their changes (run prepare-source)', { publication: name, tables: missingTables });
      return { name, missingTables };
    } catch (error) {
      this.deps.logger.error('cannot read the publication members', { publication: name, error: (error as Error).message });
      return undefined;
    }
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
        log.error('replication slot is lost (wal_status lost): recreate it (prepare-source --recreate-lost-slot) and reset the connection in Airbyte (full resync)', { walStatus: observation.walStatus });
      } else if (assessment.slotAtRisk) {
        log.error('replication slot is about to be invalidated (wal_status ' + observation.walStatus + ', safe_wal_size ' + String(observation.safeWalBytes) + '); syncing now so Airbyte consumes it', {
          walStatus: observation.walStatus,
          safeWalBytes: observation.safeWalBytes,
          retainedBytes: observation.retainedBytes,
        });
      } else if (assessment.lagOverThreshold) {
        log.warn('replication slot lag over WAL_LAG_ALERT_BYTES', {
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

  private reviewUrl(connectionId: string): string {
    const base = this.deps.options.airbyteUiUrl ?? '';
    return connectionSchemaUrl(base, this.workspaces.get(connectionId), connectionId);
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
      schemaApplied: false,
    };
    const connectionId = connection.connectionId;
    const log = this.deps.logger.child({ connectionId, ...(connection.name ? { connection: connection.name } : {}) });
    try {
      const inFlight = await this.deps.store.inFlight(connectionId);
      if (inFlight) {
        const outcome = await this.jobs.adopt(connectionId, inFlight, log);
        await this.recordOutcome(connectionId, inFlight, outcome, result, 'adopted', log);
      }

      const review = await this.deps.store.schemaReview(connectionId);
      // A connection disabled for a schema review is asked for its status every cycle: the review
      // happens in Airbyte's UI, and syncing resumes once it is active again.
      const resolved = await this.resolve(connection, review?.kind === 'inactive', log);
      result.tablesWatched = resolved.tables.length;
      let decision = await this.observe(resolved, result, log);
      if (connectionBlocked(resolved.status)) {
        const why = review ? `it needs a schema review (${review.reason}): ${this.reviewUrl(connectionId)}` : 'enable it in Airbyte';
        throw new ConnectionInactiveError(connectionId, `status ${resolved.status}; ${why}`);
      }
      // The slot holds back too much WAL: sync even without table changes, so Airbyte consumes it.
      let forceForLag = walLag ? await this.lagSyncNeeded(connectionId, walLag, log) : false;
      // A change that lands while a job runs gets one follow-up job right after it (decision.ts
      // shouldStartJob, followUpAfterJob).
      for (let round = 0; shouldStartJob({ round, changed: decision.sync, forcedForLag: forceForLag }); round += 1) {
        const turn = await this.awaitTurn(resolved, decision, forceForLag, result, log);
        if (turn === undefined) break;
        decision = turn;
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
      } else if (error instanceof ConnectionInactiveError) {
        result.outcome = 'error';
        const message = `connection ${connection.name ? `${connection.name} (${connectionId})` : connectionId} is inactive in Airbyte: ${error.serverMessage}`;
        result.errors.push(message);
        // Not retried within the cycle: a disabled connection stays disabled until a person acts.
        log.error(message, { connectionId });
      } else {
        result.outcome = 'error';
        result.errors.push((error as Error).message);
        log.error('connection cycle failed', { error: (error as Error).message });
      }
    }
    try {
      const review = await this.deps.store.schemaReview(connectionId);
      result.schemaReview = review ? { active: true, reason: review.reason, url: this.reviewUrl(connectionId) } : { active: false };
    } catch {
      // The state database failed: the alert keeps its previous state.
    }
    if (result.errors.length > 0 && result.outcome !== 'error' && result.outcome !== 'failed') result.outcome = 'error';
    return result;
  }

  /**
   * When a connection with pending changes may trigger: the cost cap (decision.ts costCap), then,
   * for a capped connection whose changes are still arriving, the settle rule (settleBeforeSync).
   * The daemon sleeps meanwhile (the connection is busy, the others are not), looking at the source
   * at least once per settle window, so "still arriving" always means "moved within the last poll
   * interval", also at the end of a long cap wait. `once` leaves a capped change for a later run
   * and never settles (it has no earlier probe of its own to compare with). Returns the decision to
   * sync on, or undefined (deferred, or nothing left to sync).
   */
  private async awaitTurn(resolved: ResolvedConnection, decision: ConnectionDecision, forcedForLag: boolean, result: ConnectionResult, log: Logger): Promise<ConnectionDecision | undefined> {
    const connection = resolved.settings;
    const connectionId = connection.connectionId;
    const minSyncIntervalMs = connection.minSyncIntervalMs ?? 0;
    const waitForCap = Boolean(this.deps.options.waitForCostCap);
    const settleMs = this.deps.options.settleMs ?? DOCUMENT_DEFAULTS.pollIntervalSeconds * 1000;
    let current = decision;
    for (;;) {
      const lastConfirmedAtMs = this.lastTriggeredAt.get(connectionId);
      // The history is read only when a cap can apply and this process has not triggered yet.
      const lastTriggeredAt = minSyncIntervalMs > 0 && !forcedForLag && lastConfirmedAtMs === undefined ? await this.deps.store.lastTriggeredAt(connectionId) : undefined;
      const nowMs = Date.now();
      const cap = costCap({ minSyncIntervalMs, lastTriggeredAt, lastConfirmedAtMs, nowMs, forcedForLag, waitForCap });
      if (cap.action === 'defer') {
        result.deferredUntil = cap.allowedAt.toISOString();
        log.info('change seen; the cost cap (MIN_SYNC_INTERVAL_SECONDS) defers the sync', { syncAllowedAt: result.deferredUntil });
        return undefined;
      }
      let waitMs = 0;
      if (cap.action === 'wait') {
        waitMs = cap.waitMs;
        log.debug('change seen; waiting for the cost cap (MIN_SYNC_INTERVAL_SECONDS)', { waitMs });
      } else if (waitForCap) {
        const settle = settleBeforeSync({
          minSyncIntervalMs,
          forcedForLag,
          arriving: this.lastProbe.get(connectionId)?.moved ?? false,
          pendingSinceMs: this.pendingSince.get(connectionId) ?? nowMs,
          nowMs,
          settleMs,
        });
        if (settle.action === 'hold') {
          waitMs = settle.holdMs;
          log.debug('changes still arriving; holding the capped sync until they settle', { holdMs: settle.holdMs, latestAt: settle.latestAt.toISOString() });
        }
      }
      if (waitMs <= 0) return current;
      await sleep(Math.min(waitMs, settleMs), this.deps.signal);
      if (this.deps.signal?.aborted) throw new Interrupted();
      current = await this.observe(resolved, result, log);
      if (!current.sync) return undefined;
    }
  }

  /** The WAL-lag rule (decision.ts) with what it needs: this connection's last job and the WAL written since. */
  private async lagSyncNeeded(connectionId: string, walLag: WalGuardResult, log: Logger): Promise<boolean> {
    const lastJob = await this.deps.store.lastJob(connectionId);
    let walSinceLastJobBytes: number | null = null;
    if (lastJob?.triggerReason === 'wal_lag' && lastJob.walLsnAtTrigger) {
      const rows = await this.deps.source.query<{ bytes: string | null }>('SELECT (pg_current_wal_lsn() - $1::pg_lsn)::text AS bytes', [lastJob.walLsnAtTrigger]);
      walSinceLastJobBytes = rows.rows[0]?.bytes == null ? null : Number(rows.rows[0].bytes);
    }
    const force = shouldForceLagSync({ syncForLag: true, slotAtRisk: Boolean(walLag.assessment?.slotAtRisk), thresholdBytes: walLag.thresholdBytes, lastJob, walSinceLastJobBytes });
    if (!force) log.info('slot lag still includes the last WAL-lag sync (confirmed only when the next sync starts); not forcing another', { walSinceLastJobBytes });
    return force;
  }

  private async resolve(connection: ConnectionSettings, needStatus: boolean, log: Logger): Promise<ResolvedConnection> {
    const connectionId = connection.connectionId;
    const label = connection.name ? `${connection.name} (${connectionId})` : connectionId;
    if (connection.tables && !needStatus && this.checkedBehaviour.has(connectionId)) return { settings: connection, label, tables: connection.tables };
    const cached = this.connectionCache.get(connectionId);
    const ttl = this.deps.options.connectionCacheMs ?? 300_000;
    let entry: RemoteConnection;
    if (cached && !needStatus && Date.now() - cached.at < ttl) entry = cached;
    else {
      const remote = await this.deps.airbyte.getConnection(connectionId);
      await this.noteConnection(remote, label, log);
      const tables = connection.tables ?? this.tablesOf(remote, label, log);
      entry = { at: Date.now(), remote, tables };
      this.connectionCache.set(connectionId, entry);
    }
    return { settings: connection, label, tables: entry.tables, sourceId: entry.remote.sourceId, status: entry.remote.status || undefined, workspaceId: entry.remote.workspaceId };
  }

  private tablesOf(remote: AirbyteConnection, label: string, log: Logger): WatchedTable[] {
    const { tables, skipped } = watchedTablesFromStreams(label, remote.streams, {
      cursorColumn: this.deps.options.cursorColumn,
      stateSchema: this.deps.options.stateSchema ?? 'airbyte_orchestrator',
      heartbeat: { schema: HEARTBEAT_SCHEMA, table: HEARTBEAT_TABLE },
    });
    for (const table of skipped) {
      const key = `${remote.connectionId}:${tableKey(table.schema, table.table)}`;
      if (this.reportedSkipped.has(key)) continue;
      this.reportedSkipped.add(key);
      log.info('selected stream not watched', { schema: table.schema, table: table.table, why: table.why });
    }
    if (tables.length === 0) throw new Error(`connection ${label} has no selected streams to watch`);
    return tables;
  }

  /** Records what Airbyte says about the connection; flags, once per process, a behaviour that keeps column changes out of BigQuery. */
  private async noteConnection(remote: AirbyteConnection, label: string, log: Logger): Promise<void> {
    if (remote.workspaceId) {
      this.workspaces.set(remote.connectionId, remote.workspaceId);
      await this.deps.store.recordWorkspace(remote.connectionId, remote.workspaceId);
    }
    if (remote.nonBreakingSchemaUpdatesBehavior) await this.deps.store.recordSchemaUpdatesBehavior(remote.connectionId, remote.nonBreakingSchemaUpdatesBehavior);
    if (this.checkedBehaviour.has(remote.connectionId)) return;
    this.checkedBehaviour.add(remote.connectionId);
    const warning = schemaUpdatesWarning(remote.nonBreakingSchemaUpdatesBehavior);
    if (warning) log.warn(`connection ${label}: ${warning}`, { nonBreakingSchemaUpdatesBehavior: remote.nonBreakingSchemaUpdatesBehavior, fix: 'set non_breaking_schema_updates_behavior = "propagate_columns" on the airbyte_connection' });
  }

  private async observe(resolved: ResolvedConnection, result: ConnectionResult, log: Logger, changedSince?: Date): Promise<ConnectionDecision> {
    const observations = await this.probe.observe(resolved.tables);
    const synced = await this.deps.store.loadSynced(resolved.settings.connectionId);
    const decision = decideConnection(observations.map((observation) => ({ observation, synced: synced.get(tableKey(observation.schema, observation.table)) })));
    this.notePending(resolved.settings.connectionId, decision, changedSince);
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

  /** What the settle rule needs from each probe: did the source move since the previous one, and since when are changes pending. */
  private notePending(connectionId: string, decision: ConnectionDecision, changedSince?: Date): void {
    const nowMs = Date.now();
    const previous = this.lastProbe.get(connectionId);
    this.lastProbe.set(connectionId, { tables: decision.watermarks, moved: sourceMoved(previous?.tables, decision.watermarks) });
    if (!decision.sync) {
      this.quietAt.set(connectionId, nowMs);
      this.pendingSince.delete(connectionId);
      return;
    }
    if (this.pendingSince.has(connectionId)) return;
    // The oldest pending change was committed after the last quiet look and after the last sync
    // we triggered started (what that sync did not carry came later).
    const anchors = [this.quietAt.get(connectionId), this.lastTriggeredAt.get(connectionId), changedSince?.getTime()].filter((v): v is number => v !== undefined);
    this.pendingSince.set(connectionId, anchors.length > 0 ? Math.max(...anchors) : nowMs);
  }

  /**
   * Column change: discover (its own timeout, never repeated) then postprocess_discovered_catalog,
   * which applies what the connection's nonBreakingSchemaUpdatesBehavior allows. Returns undefined
   * when the refresh did not complete (the next cycle tries again).
   */
  private async refreshSchema(resolved: ResolvedConnection, result: ConnectionResult, log: Logger): Promise<SchemaRefreshVerdict | undefined> {
    const connectionId = resolved.settings.connectionId;
    let sourceId = resolved.sourceId;
    if (!sourceId) {
      const remote = await this.deps.airbyte.getConnection(connectionId);
      await this.noteConnection(remote, resolved.label, log);
      sourceId = remote.sourceId;
    }
    log.info('columns changed; discovering the source schema before syncing', { sourceId });
    let discovered;
    try {
      discovered = await this.deps.airbyte.discoverSchema(sourceId, connectionId);
    } catch (error) {
      if (!(error instanceof AirbyteDiscoverTimeoutError)) throw error;
      result.outcome = 'failed';
      result.errors.push(`schema refresh: ${error.message}`);
      log.warn('schema discover did not finish in time; sync postponed to the next cycle (Airbyte is slow here, not unreachable; raise DISCOVER_TIMEOUT_SECONDS if it keeps happening)', { timeoutMs: error.timeoutMs });
      return undefined;
    }
    if (!discovered.succeeded || !discovered.catalogId) {
      result.outcome = 'failed';
      result.errors.push('schema refresh (discover_schema) did not succeed; sync postponed to the next cycle');
      log.error('schema refresh failed; not syncing this cycle', { sourceId });
      return undefined;
    }
    result.schemaRefreshed = true;
    const disabled = discovered.breakingChange || (discovered.connectionStatus !== undefined && discovered.connectionStatus !== 'active');
    const applied = disabled ? undefined : await this.deps.airbyte.postprocessDiscoveredCatalog(connectionId, discovered.catalogId);
    const verdict = assessSchemaRefresh({
      breakingChange: discovered.breakingChange,
      connectionStatus: discovered.connectionStatus,
      diffTransforms: discovered.catalogDiff?.transforms.length,
      appliedTransforms: applied?.appliedDiff?.transforms.length,
    });
    if (verdict.applied) {
      await this.deps.store.setSchemaReview(connectionId, undefined);
      result.schemaApplied = true;
      log.info('schema change applied to the connection (appliedDiff)', { transforms: applied?.appliedDiff?.transforms.length });
    }
    if (verdict.review) {
      await this.deps.store.setSchemaReview(connectionId, verdict.review);
      const url = this.reviewUrl(connectionId);
      log.error(`connection ${resolved.label} needs a schema review in Airbyte: ${verdict.review.reason}`, { url, breakingChange: discovered.breakingChange, connectionStatus: discovered.connectionStatus });
      if (!verdict.sync) {
        result.outcome = 'error';
        result.errors.push(`connection ${resolved.label} needs a schema review in Airbyte (${verdict.review.reason}): ${url}`);
      }
    }
    return verdict;
  }

  /** Schema refresh when needed, then one job (triggered or attached), followed and recorded. */
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

    let schema: SchemaRefreshVerdict | undefined;
    if (decision.refreshSchema) {
      schema = await this.refreshSchema(resolved, result, log);
      if (!schema?.sync) return { followUp: false };
    }

    const walLsnAtTrigger = triggerReason === 'wal_lag' ? await this.currentWalLsn(log) : null;
    const outcome = await this.jobs.trigger(connectionId, log);
    if (outcome.kind === 'ended-meanwhile') {
      // It ended between our POST and the lookup: the next observation decides again.
      log.info('a sync was running but has already ended; re-checking', { message: outcome.message });
      return { followUp: followUpAfterJob({ origin: 'attached', ending: 'ended-meanwhile' }) };
    }
    if (outcome.kind === 'triggered') this.lastTriggeredAt.set(connectionId, outcome.confirmedAt);
    // What this job does not carry arrives after it started: the next probe that sees it sets pendingSince again.
    this.pendingSince.delete(connectionId);
    const inFlight: InFlightJob = { jobId: outcome.jobId, origin: outcome.kind, since: new Date() };
    if (outcome.kind === 'triggered') {
      await this.deps.store.beginJob({ connectionId, jobId: inFlight.jobId, origin: 'triggered', reason, triggerReason, schemaRefreshed: result.schemaRefreshed, watermarks: decision.watermarks, walLsnAtTrigger });
      log.info('sync job started', { jobId: inFlight.jobId, reason, triggerReason, foundAfterLostAnswer: outcome.foundAfterLostAnswer });
    } else {
      // What an attached job covers is unknown, so it records no watermarks: the follow-up does.
      await this.deps.store.beginJob({ connectionId, jobId: inFlight.jobId, origin: 'attached', reason: `attached (sync already running); ${reason}`, schemaRefreshed: result.schemaRefreshed, watermarks: [] });
      log.info('sync already running; attached to it', { jobId: inFlight.jobId });
    }

    const followed = await this.jobs.follow(connectionId, inFlight, log);
    const succeeded = await this.recordOutcome(connectionId, inFlight, followed, result, inFlight.origin, log, inFlight.origin === 'triggered' ? triggerReason : undefined);
    if (succeeded && inFlight.origin === 'triggered') await this.afterSuccessfulSync(connectionId, schema, result, log);
    const ending = followed.kind === 'lost' ? 'lost' : succeeded ? 'succeeded' : 'failed';
    return { followUp: followUpAfterJob({ origin: inFlight.origin, ending }), startedAt: inFlight.since };
  }

  /** A pending schema review ends only when the change was applied (decision.ts schemaReviewResolved). */
  private async afterSuccessfulSync(connectionId: string, schema: SchemaRefreshVerdict | undefined, result: ConnectionResult, log: Logger): Promise<void> {
    if (schema?.nothingToApply) result.schemaApplied = true;
    const review = await this.deps.store.schemaReview(connectionId);
    if (!review) return;
    if (schemaReviewResolved(review.kind, { applied: schema?.applied ?? false, nothingToApply: schema?.nothingToApply ?? false, syncSucceeded: true })) {
      await this.deps.store.setSchemaReview(connectionId, undefined);
      result.schemaApplied = true;
      log.info('schema review done: the connection syncs again with its reviewed schema', { reviewKind: review.kind });
    }
  }

  private async currentWalLsn(log: Logger): Promise<string | null> {
    try {
      const rows = await this.deps.source.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      return rows.rows[0]?.lsn ?? null;
    } catch (error) {
      log.warn('cannot read the source WAL position for the WAL-lag job', { error: (error as Error).message });
      return null;
    }
  }

  /** Records how a followed job ended; returns whether it succeeded. */
  private async recordOutcome(
    connectionId: string,
    inFlight: InFlightJob,
    outcome: FollowOutcome,
    result: ConnectionResult,
    origin: JobSummary['origin'],
    log: Logger,
    reason?: TriggerReason,
  ): Promise<boolean> {
    const durationMs = Math.max(0, Date.now() - inFlight.since.getTime());
    if (outcome.kind === 'lost') {
      // Released: its watermarks stay pending-free, so the changes it was for are synced again.
      await this.jobs.record(connectionId, inFlight.jobId, { status: 'lost', error: outcome.reason });
      result.jobs.push({ jobId: inFlight.jobId, origin, status: 'lost', ...(reason ? { reason } : {}), durationMs });
      log.warn('job released: Airbyte no longer knows it; the connection syncs again', { jobId: inFlight.jobId, reason: outcome.reason });
      return false;
    }
    const job = outcome.job;
    const note = outcome.kind === 'timed-out' ? outcome.note : null;
    const status = job.status;
    const final = inFlightOutcome(status);
    const error = final === 'record-success' ? null : [final === 'record-failure' ? `Airbyte reported ${status}` : `Airbyte reports ${status}`, note].filter(Boolean).join('; ');
    const synced = await this.jobs.record(connectionId, inFlight.jobId, { status, rowsSynced: job.rowsSynced, bytesSynced: job.bytesSynced, error });
    result.syncedChanges.push(...synced);
    result.jobs.push({ jobId: inFlight.jobId, origin, status, ...(reason ? { reason } : {}), durationMs });
    if (final === 'record-success') {
      if (result.outcome === 'unchanged') result.outcome = 'synced';
      log.info('sync job succeeded', { jobId: inFlight.jobId, origin, rowsSynced: job.rowsSynced, bytesSynced: job.bytesSynced, ...(note ? { note } : {}) });
      return true;
    }
    // An attached job that failed is someone else's; ours (triggered) failing fails the cycle.
    if (inFlight.origin === 'triggered') {
      result.outcome = 'failed';
      result.errors.push(`job ${inFlight.jobId} ${status}${note ? ` (${note})` : ''}`);
      log.error('sync job did not succeed; watermarks unchanged, retrying next cycle', { jobId: inFlight.jobId, status, ...(note ? { note } : {}) });
    } else {
      log.warn('attached job did not succeed', { jobId: inFlight.jobId, status, ...(note ? { note } : {}) });
    }
    return false;
  }
}
