// What to do for one connection in one cycle: a pure function of what the probe observed and what
// the state store says was last synced. No I/O here, so every rule is unit-tested directly.
import { TableObservation, WatchedTable } from '../probe/source-probe';

/** What the last successful sync of a table covered. */
export interface SyncedWatermark {
  readonly cursorWatermark: string | null;
  readonly modificationCount: string | null;
  readonly storageId: string | null;
  readonly columnHash: string | null;
}

export type ChangeReason =
  /** No successful sync recorded yet: sync once so nothing committed before we started is left behind. */
  | 'never-synced'
  /** max(cursor) differs from the watermark (new rows or updates; also the newest row deleted). */
  | 'cursor-moved'
  /** Insert/update/delete counters moved: deletes, rows with an old cursor value, tables without a cursor. */
  | 'rows-modified'
  /** The storage file changed: TRUNCATE (not counted by the counters) or a table rewrite. */
  | 'storage-rewritten'
  /** Column names/types changed: Airbyte's catalog must be refreshed before syncing. */
  | 'columns-changed';

export interface TableInput {
  readonly observation: TableObservation;
  readonly synced?: SyncedWatermark;
}

export interface TableChange {
  readonly schema: string;
  readonly table: string;
  readonly reasons: readonly ChangeReason[];
}

/** Values to record for a table if (and only if) the sync that follows succeeds. */
export interface ObservedWatermark extends SyncedWatermark {
  readonly schema: string;
  readonly table: string;
}

export interface ConnectionDecision {
  readonly sync: boolean;
  readonly refreshSchema: boolean;
  readonly changes: readonly TableChange[];
  readonly missingTables: readonly WatchedTable[];
  readonly tablesWithoutCursor: readonly WatchedTable[];
  readonly tablesWithoutCursorIndex: readonly WatchedTable[];
  readonly watermarks: readonly ObservedWatermark[];
}

function differs(observed: string | null, synced: string | null): boolean {
  return observed !== synced;
}

export function tableChangeReasons(observation: TableObservation, synced: SyncedWatermark | undefined): ChangeReason[] {
  if (!observation.exists) return [];
  if (!synced) return ['never-synced'];
  const reasons: ChangeReason[] = [];
  if (observation.hasCursorColumn && differs(observation.cursor, synced.cursorWatermark)) reasons.push('cursor-moved');
  // Counters can also go *down* (statistics reset, crash recovery): any difference counts, so a
  // reset costs at most one extra sync and never hides a change.
  if (differs(observation.modificationCount, synced.modificationCount)) reasons.push('rows-modified');
  if (synced.storageId !== null && differs(observation.storageId, synced.storageId)) reasons.push('storage-rewritten');
  if (synced.columnHash !== null && differs(observation.columnHash, synced.columnHash)) reasons.push('columns-changed');
  return reasons;
}

export function decideConnection(tables: readonly TableInput[]): ConnectionDecision {
  const changes: TableChange[] = [];
  const missingTables: WatchedTable[] = [];
  const tablesWithoutCursor: WatchedTable[] = [];
  const tablesWithoutCursorIndex: WatchedTable[] = [];
  const watermarks: ObservedWatermark[] = [];
  let refreshSchema = false;

  for (const { observation, synced } of tables) {
    const name = { schema: observation.schema, table: observation.table, cursorColumn: observation.cursorColumn };
    if (!observation.exists) {
      missingTables.push(name);
      continue;
    }
    if (!observation.hasCursorColumn) tablesWithoutCursor.push(name);
    else if (!observation.cursorIndexed) tablesWithoutCursorIndex.push(name);

    const reasons = tableChangeReasons(observation, synced);
    if (reasons.length > 0) changes.push({ schema: observation.schema, table: observation.table, reasons });
    if (reasons.includes('columns-changed')) refreshSchema = true;
    watermarks.push({
      schema: observation.schema,
      table: observation.table,
      cursorWatermark: observation.hasCursorColumn ? observation.cursor : null,
      modificationCount: observation.modificationCount,
      storageId: observation.storageId,
      columnHash: observation.columnHash,
    });
  }

  return { sync: changes.length > 0, refreshSchema, changes, missingTables, tablesWithoutCursor, tablesWithoutCursorIndex, watermarks };
}

/** A short, human-readable reason for the job history, e.g. "public.orders: cursor-moved". */
export function describeChanges(changes: readonly TableChange[], limit = 10): string {
  const parts = changes.slice(0, limit).map((change) => `${change.schema}.${change.table}: ${change.reasons.join('+')}`);
  if (changes.length > limit) parts.push(`… and ${changes.length - limit} more tables`);
  return parts.join('; ');
}

export type InFlightOutcome = 'wait' | 'record-success' | 'record-failure';

/** What to do with a job found in flight (ours from a previous process, or one we attached to). */
export function inFlightOutcome(status: string): InFlightOutcome {
  if (status === 'succeeded') return 'record-success';
  if (status === 'failed' || status === 'cancelled') return 'record-failure';
  return 'wait';
}

/** Why a job was triggered, for metrics, the status page and the job history. */
export type TriggerReason = 'initial' | 'new_rows' | 'schema_change' | 'wal_lag' | 'retry';

export interface TriggerInput {
  readonly changes: readonly TableChange[];
  readonly refreshSchema: boolean;
  /** The replication slot lags past WAL_LAG_ALERT_BYTES. */
  readonly walLag: boolean;
  /** The connection's previous job (ours) failed or was cancelled. */
  readonly previousJobFailed: boolean;
}

/** The single reason counted for a job; the most specific wins. */
export function classifyTrigger(input: TriggerInput): TriggerReason {
  if (input.refreshSchema) return 'schema_change';
  if (input.previousJobFailed && input.changes.length > 0) return 'retry';
  if (input.changes.length === 0) return input.walLag ? 'wal_lag' : 'new_rows';
  if (input.changes.every((change) => change.reasons.every((reason) => reason === 'never-synced'))) return 'initial';
  return 'new_rows';
}

// ---- Airbyte-facing rules (issue: the orchestrator against Airbyte 2.2 as it really behaves) ----

/**
 * Whether the slot's state asks every connection for a sync even without table changes: its lag
 * is over WAL_LAG_ALERT_BYTES or it is about to be invalidated. A lost slot cannot be caught up by
 * syncing (only a reset helps), so it asks for nothing. shouldForceLagSync then decides per connection.
 */
export function slotAsksForSync(slot: { readonly lagOverThreshold: boolean; readonly slotAtRisk: boolean; readonly slotLost: boolean }): boolean {
  return !slot.slotLost && (slot.lagOverThreshold || slot.slotAtRisk);
}

/** The connection's last job as recorded here, for the WAL-lag rule. */
export interface LastJobRecord {
  readonly triggerReason: string | null;
  readonly status: string | null;
}

export interface LagSyncInput {
  /** The WAL guard asks for a sync (slot lag over the threshold, slot not lost). */
  readonly syncForLag: boolean;
  /** The slot is about to be invalidated (wal-guard.ts slotAtRisk): sync whatever the last job was. */
  readonly slotAtRisk?: boolean;
  readonly thresholdBytes: number;
  /** The connection's newest job in the history (any origin). */
  readonly lastJob?: LastJobRecord;
  /** WAL written on the source since that job was triggered, when it was a wal_lag job (bytes). */
  readonly walSinceLastJobBytes?: number | null;
}

/**
 * Whether the WAL guard forces a sync of this connection. With CDC the slot's confirmed position
 * moves only when the *next* sync starts, so right after a WAL-lag sync succeeded the measured lag
 * still includes everything that sync read: forcing again on that number would chain syncs for
 * nothing. Until another sync has started, only WAL written after the finished sync was triggered
 * counts, and it must itself exceed the threshold.
 */
export function shouldForceLagSync(input: LagSyncInput): boolean {
  if (!input.syncForLag) return false;
  if (input.slotAtRisk) return true;
  const awaitingNextStart = input.lastJob?.triggerReason === 'wal_lag' && input.lastJob.status === 'succeeded';
  if (!awaitingNextStart) return true;
  return input.walSinceLastJobBytes !== undefined && input.walSinceLastJobBytes !== null && input.walSinceLastJobBytes > input.thresholdBytes;
}

export type SchemaReviewKind = 'inactive' | 'not_applied';

/** What discover_schema and postprocess_discovered_catalog answered. */
export interface SchemaRefreshAnswer {
  readonly breakingChange: boolean;
  /** The connection's status after the server's diff. */
  readonly connectionStatus?: string;
  /** Transforms in the discovered diff (undefined when the server sent none). */
  readonly diffTransforms?: number;
  /** Transforms in postprocess's appliedDiff; undefined when appliedDiff was absent (nothing applied). */
  readonly appliedTransforms?: number;
}

export interface SchemaRefreshVerdict {
  /** Go on with POST /jobs. */
  readonly sync: boolean;
  /** The change reached the connection's catalog (non-empty appliedDiff). */
  readonly applied: boolean;
  /** Airbyte saw nothing to apply. */
  readonly nothingToApply: boolean;
  /** A person must act in Airbyte's UI. */
  readonly review?: { readonly kind: SchemaReviewKind; readonly reason: string };
}

/**
 * After discover + postprocess: a breaking change or a disabled connection stops syncing until a
 * person reviews it; a change Airbyte did not propagate (nonBreakingSchemaUpdatesBehavior ignore)
 * lets rows flow but needs a review for the columns.
 */
export function assessSchemaRefresh(answer: SchemaRefreshAnswer): SchemaRefreshVerdict {
  const applied = (answer.appliedTransforms ?? 0) > 0;
  if (answer.breakingChange) return { sync: false, applied: false, nothingToApply: false, review: { kind: 'inactive', reason: 'Airbyte found a breaking schema change and disabled the connection' } };
  if (answer.connectionStatus !== undefined && answer.connectionStatus !== 'active') {
    return { sync: false, applied: false, nothingToApply: false, review: { kind: 'inactive', reason: `the schema change left the connection ${answer.connectionStatus} in Airbyte` } };
  }
  if (applied) return { sync: true, applied: true, nothingToApply: false };
  const nothingToApply = answer.diffTransforms === 0 || (answer.diffTransforms === undefined && answer.appliedTransforms === 0);
  if (nothingToApply) return { sync: true, applied: false, nothingToApply: true };
  return { sync: true, applied: false, nothingToApply: false, review: { kind: 'not_applied', reason: 'Airbyte did not propagate the new columns (nonBreakingSchemaUpdatesBehavior)' } };
}

/**
 * Whether a pending schema review ends with this cycle: the change was applied, or Airbyte has
 * nothing left to apply and a sync succeeded, or (disabled connection) a sync succeeded after a
 * person re-enabled it.
 */
export function schemaReviewResolved(pending: SchemaReviewKind, cycle: { readonly applied: boolean; readonly nothingToApply: boolean; readonly syncSucceeded: boolean }): boolean {
  if (cycle.applied) return true;
  if (cycle.nothingToApply && cycle.syncSucceeded) return true;
  return pending === 'inactive' && cycle.syncSucceeded;
}

/** nonBreakingSchemaUpdatesBehavior values under which new columns never reach the destination on their own. */
export function schemaUpdatesWarning(behaviour: string | null | undefined): string | null {
  if (behaviour === 'ignore') return 'nonBreakingSchemaUpdatesBehavior is "ignore": column changes will not reach BigQuery on their own (each needs a review in Airbyte)';
  if (behaviour === 'disable_connection') return 'nonBreakingSchemaUpdatesBehavior is "disable_connection": any column change disables the connection until reviewed in Airbyte';
  return null;
}

/** A job as listed by GET /jobs (only what the rule needs). */
export interface ListedJob {
  readonly jobId: number;
  readonly connectionId: string;
  readonly jobType?: string;
  readonly startTime?: string;
  /** Present only on ended jobs (the 2.2 server's JobResponse). */
  readonly lastUpdatedAt?: string;
}

/**
 * After a POST /jobs whose answer was lost: the connection's newest sync created after the request
 * began is the one it made. The server keeps whole seconds, so one second of slack; that slack
 * would also admit the job before ours (e.g. the previous sync, ended a moment before), so a job
 * the state store already recorded (`knownJobId`) or one that ended before the request began is
 * never ours.
 */
export function jobCreatedByRequest<J extends ListedJob>(jobs: readonly J[], connectionId: string, requestStartedAtMs: number, knownJobId?: number, slackMs = 1000): J | undefined {
  return jobs
    .filter((job) => job.connectionId === connectionId && (job.jobType ?? 'sync') === 'sync' && typeof job.startTime === 'string')
    .filter((job) => Date.parse(job.startTime as string) >= requestStartedAtMs - slackMs)
    .filter((job) => knownJobId === undefined || Number(job.jobId) !== knownJobId)
    .filter((job) => typeof job.lastUpdatedAt !== 'string' || Date.parse(job.lastUpdatedAt) >= Math.floor(requestStartedAtMs / 1000) * 1000)
    .sort((a, b) => Date.parse(b.startTime as string) - Date.parse(a.startTime as string) || b.jobId - a.jobId)[0];
}

/**
 * Whether a job the server returns for a recorded id is the job that was recorded: the same
 * connection, and not created after it was recorded (after a reinstall, ids name new jobs). The
 * slack is generous: a reinstall takes minutes, while a clock skew between the hosts must never
 * make our own fresh job look foreign.
 */
export function isSameJob(job: ListedJob, recorded: { readonly connectionId: string; readonly since: Date }, slackMs = 60_000): boolean {
  if (job.connectionId !== recorded.connectionId) return false;
  if (typeof job.startTime !== 'string' || Number.isNaN(Date.parse(job.startTime))) return true;
  return Date.parse(job.startTime) <= recorded.since.getTime() + slackMs;
}

export interface StreamSelection {
  readonly name: string;
  readonly namespace?: string | null;
}

/**
 * The tables a connection watches, from its selected streams. A stream without a namespace is an
 * error naming the connection (never a silent "public"); the orchestrator's own state schema and
 * the heartbeat table are never watched, even when selected.
 */
export function watchedTablesFromStreams(
  connectionLabel: string,
  streams: readonly StreamSelection[],
  options: { readonly cursorColumn: string; readonly stateSchema: string; readonly heartbeat: { readonly schema: string; readonly table: string } },
): { tables: WatchedTable[]; skipped: Array<{ schema: string; table: string; why: string }> } {
  const missing = streams.filter((stream) => typeof stream.namespace !== 'string' || stream.namespace === '').map((stream) => stream.name);
  if (missing.length > 0) {
    throw new Error(
      `connection ${connectionLabel}: selected stream(s) ${missing.map((name) => `"${name}"`).join(', ')} have no namespace in Airbyte; the schema is unknown (set namespace on the connection's streams; the orchestrator never assumes "public")`,
    );
  }
  const tables: WatchedTable[] = [];
  const skipped: Array<{ schema: string; table: string; why: string }> = [];
  for (const stream of streams) {
    const schema = stream.namespace as string;
    if (schema === options.stateSchema) skipped.push({ schema, table: stream.name, why: 'the orchestrator\'s own state schema' });
    else if (schema === options.heartbeat.schema && stream.name === options.heartbeat.table) skipped.push({ schema, table: stream.name, why: 'the CDC heartbeat table' });
    else tables.push({ schema, table: stream.name, cursorColumn: options.cursorColumn });
  }
  return { tables, skipped };
}

// ---- When a connection's work starts a job (the edges, cycle.ts and scheduler.ts, only ask) ----

/**
 * Jobs one piece of a connection's work may start: the sync, then at most one follow-up for the
 * changes that landed while it ran. Anything later is the connection's next piece of work (the
 * daemon starts it at once after a sync, see `rerunAfterWork`), so one piece of work stays bounded.
 */
export const MAX_JOBS_PER_WORK = 2;

export interface NextJobInput {
  /** Syncs this piece of work has gone through so far (0 before the first). */
  readonly round: number;
  /** The latest observation found a change (decideConnection's `sync`). */
  readonly changed: boolean;
  /** The WAL guard forces a sync (shouldForceLagSync); only ever for the first job. */
  readonly forcedForLag: boolean;
}

/** Whether to start a (or one more) job now: there is a change or the WAL guard forces one, within MAX_JOBS_PER_WORK. */
export function shouldStartJob(input: NextJobInput): boolean {
  return (input.changed || input.forcedForLag) && input.round < MAX_JOBS_PER_WORK;
}

/**
 * Whether Airbyte's status of the connection stops it from syncing: anything but `active` (e.g.
 * `inactive` after a breaking schema change, or disabled by a person). Unknown (not read this
 * cycle) does not: POST /jobs answers for itself (409 state-conflict).
 */
export function connectionBlocked(status: string | undefined): boolean {
  return status !== undefined && status !== 'active';
}

/** How a job we triggered or attached to ended, as far as the follow-up rule cares. */
export interface EndedJob {
  /** triggered: ours; attached: the connection's running job (409 try-again-later). */
  readonly origin: 'triggered' | 'attached';
  /** succeeded; failed (failed, cancelled, or still running past the timeout); lost (the server no longer knows it); ended-meanwhile (it ended before we could attach). */
  readonly ending: 'succeeded' | 'failed' | 'lost' | 'ended-meanwhile';
}

/**
 * Whether to look at the source again right after a job ended, so a change that landed meanwhile
 * gets its one follow-up job at once: after our sync succeeded; after any attached job (what it
 * covered is unknown, and it recorded no watermarks); after a released (lost) job or one that ended
 * before we attached. Not after our own job failed: its changes stay pending and the next run
 * retries them (and a failing connection is not hammered within one piece of work).
 */
export function followUpAfterJob(job: EndedJob): boolean {
  if (job.ending === 'ended-meanwhile' || job.ending === 'lost') return true;
  if (job.origin === 'attached') return true;
  return job.ending === 'succeeded';
}

/**
 * Whether the daemon starts a connection's next piece of work as soon as this one ended, instead
 * of at the next tick: when it ended with a successful sync, whatever arrived during that sync
 * (beyond the one follow-up) is looked at right away. Not while shutting down.
 */
export function rerunAfterWork(work: { readonly jobs: number; readonly outcome: string; readonly stopping: boolean }): boolean {
  return work.jobs > 0 && work.outcome === 'synced' && !work.stopping;
}

export interface CostCapInput {
  /** MIN_SYNC_INTERVAL_SECONDS (per connection) in ms; 0 or less: no cap. */
  readonly minSyncIntervalMs: number;
  /** When we last triggered a sync of this connection (any reason), if ever, as recorded (job_history.requested_at). */
  readonly lastTriggeredAt?: Date;
  /** When this process learned that its last triggered job exists (wins over lastTriggeredAt; see syncAllowedAt). */
  readonly lastConfirmedAtMs?: number;
  readonly nowMs: number;
  /** The WAL guard forces this sync: it protects the source's disk, so the cap never holds it back. */
  readonly forcedForLag: boolean;
  /** true (daemon): wait until the cap allows the sync; false (`once`): leave it for a later run. */
  readonly waitForCap: boolean;
}

export type CostCapVerdict =
  | { readonly action: 'go' }
  | { readonly action: 'wait'; readonly waitMs: number; readonly allowedAt: Date }
  | { readonly action: 'defer'; readonly allowedAt: Date };

/** The cost cap: at least minSyncIntervalMs between the starts of two syncs we trigger for a connection. */
export function costCap(input: CostCapInput): CostCapVerdict {
  if (input.forcedForLag || input.minSyncIntervalMs <= 0) return { action: 'go' };
  const allowedAtMs = syncAllowedAt({ minIntervalMs: input.minSyncIntervalMs, lastTriggeredAtMs: input.lastConfirmedAtMs, lastRecordedAtMs: input.lastTriggeredAt?.getTime() });
  const waitMs = allowedAtMs - input.nowMs;
  if (waitMs <= 0) return { action: 'go' };
  const allowedAt = new Date(allowedAtMs);
  return input.waitForCap ? { action: 'wait', waitMs, allowedAt } : { action: 'defer', allowedAt };
}

// ---- Freshness rules (issue 14): when to look at a running job again, when a capped connection may trigger ----

/**
 * When a connection may trigger its next sync under the cost cap (MIN_SYNC_INTERVAL_SECONDS, "at
 * least that long between the starts of two syncs we trigger"). The cap counts from the moment
 * this process learned that its previous job exists (POST /jobs answered, or the job was found
 * after a lost answer): never before Airbyte created it, so the cap is never cut short, and not
 * delayed by the state write that follows. After a restart, from the recorded request time
 * (job_history.requested_at, written after the answer). The connection's work sleeps until then and
 * no later (cycle.ts costCap), so a change held by the cap is triggered when the cap expires, not
 * at the next tick. Returns epoch ms; 0 = no restriction.
 */
export function syncAllowedAt(input: { readonly minIntervalMs: number; readonly lastTriggeredAtMs?: number; readonly lastRecordedAtMs?: number }): number {
  if (input.minIntervalMs <= 0) return 0;
  const anchor = input.lastTriggeredAtMs ?? input.lastRecordedAtMs;
  return anchor === undefined ? 0 : anchor + input.minIntervalMs;
}

/**
 * How long a job of this connection is expected to run, from the recent jobs it followed: the
 * median of each job's last elapsed time at which it was still seen running (a lower bound of its
 * duration, so polling aims at or just before the end, never after it). Undefined without history.
 */
export function expectedJobRunMs(stillRunningAtMs: readonly number[]): number | undefined {
  const values = stillRunningAtMs.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (values.length === 0) return undefined;
  const middle = Math.floor(values.length / 2);
  return values.length % 2 === 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

export interface JobPollInput {
  /** Time since the job was triggered (or adopted). */
  readonly elapsedMs: number;
  /** The delay used before the previous look (undefined before the first look). */
  readonly previousDelayMs?: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** expectedJobRunMs of the connection's recent jobs. */
  readonly expectedRunMs?: number;
}

/**
 * The delay before the next GET /jobs/{id}. GET /jobs/{id} is one row read on the server
 * (airbyte-server …/publicapi/controllers/JobsController.kt getJob → JobServiceImpl
 * getJobInfoWithoutLogs), so looking often near the end is cheap, and the end of a job is what
 * the next sync of a busy connection waits for. Far from the expected end the delay grows ×1.5
 * up to maxMs (long jobs cost few requests); it never sleeps past the expected end; from there,
 * for a window of half the expected run (at least 10 looks), it looks every minMs; past that
 * window (a job much longer than usual) it grows again.
 */
export function jobPollDelay(input: JobPollInput): number {
  const { elapsedMs, minMs, maxMs, expectedRunMs } = input;
  const grown = input.previousDelayMs === undefined ? minMs : Math.min(maxMs, Math.max(minMs, Math.round(input.previousDelayMs * 1.5)));
  if (expectedRunMs === undefined) return grown;
  if (elapsedMs < expectedRunMs) return Math.max(minMs, Math.min(grown, expectedRunMs - elapsedMs));
  const window = Math.max(expectedRunMs / 2, 10 * minMs);
  if (elapsedMs < expectedRunMs + window) return minMs;
  return grown;
}

export interface SettleInput {
  /** MIN_SYNC_INTERVAL_SECONDS in ms; 0 or less: no cap, so nothing to spend carefully and no hold. */
  readonly minSyncIntervalMs: number;
  /** The WAL guard forces this sync: it protects the source's disk, so nothing holds it back. */
  readonly forcedForLag: boolean;
  /** The latest probe saw the source move since the probe before it (sourceMoved): changes are still arriving. */
  readonly arriving: boolean;
  /**
   * The earliest moment the oldest pending change can have been committed, as far as this process
   * knows: the later of the last probe that found nothing pending and the last sync we triggered
   * (what it did not carry arrived after it started); the first sighting when neither is known.
   */
  readonly pendingSinceMs: number;
  readonly nowMs: number;
  /** How long to wait before looking again: one poll interval. */
  readonly settleMs: number;
}

export type SettleVerdict = { readonly action: 'go' } | { readonly action: 'hold'; readonly holdMs: number; readonly latestAt: Date };

/**
 * The settle rule for a capped connection (MIN_SYNC_INTERVAL_SECONDS > 0): while changes are still
 * arriving, hold the sync and look again one poll interval later; sync once a look finds the source
 * quiet, or when the oldest pending change has waited one cap interval, whichever comes first.
 *
 * Why: under a cap every sync buys the right to wait a whole interval before the next. Syncing at
 * the first change of a burst spends that right on the burst's first rows, and everything the
 * burst writes after the sync's replication start waits the whole interval (measured: a 2-min
 * burst under a 15-min cap, mean 6.6 min). Waiting for the burst to end costs its rows about half
 * the burst plus one poll interval, and the one sync carries all of it. The bound keeps a stream
 * that never pauses at one sync per interval, as without the rule (its oldest pending change dates
 * from the previous sync's start, which is where the cap counts from too), and bounds any hold by
 * the cap the operator already accepted. Uncapped connections never hold: a sync costs them
 * nothing in waiting, and the follow-up rule picks up the rest of a burst right after the job.
 */
export function settleBeforeSync(input: SettleInput): SettleVerdict {
  if (input.minSyncIntervalMs <= 0 || input.forcedForLag || !input.arriving) return { action: 'go' };
  const latestMs = input.pendingSinceMs + input.minSyncIntervalMs;
  const holdMs = Math.min(input.settleMs, latestMs - input.nowMs);
  if (holdMs <= 0) return { action: 'go' };
  return { action: 'hold', holdMs, latestAt: new Date(latestMs) };
}

/** What sourceMoved compares between two probes of a connection's tables. */
export interface ProbedTable {
  readonly schema: string;
  readonly table: string;
  readonly cursorWatermark: string | null;
  readonly modificationCount: string | null;
  readonly storageId: string | null;
  readonly columnHash: string | null;
}

/**
 * Whether a connection's tables moved between two probes (undefined before: the first probe of a
 * process, no evidence of a change in progress). A table with a cursor counts as moved when
 * max(cursor), its storage or its columns changed; its change counters are left out, because
 * PostgreSQL publishes them late (a busy backend at most once per PGSTAT_MIN_INTERVAL = 1 s, an
 * idle one up to PGSTAT_IDLE_INTERVAL = 10 s after its commit; PostgreSQL 15
 * src/backend/utils/activity/pgstat.c), so they would show a
 * table that went quiet as still busy. A table without a cursor has only its counters.
 */
export function sourceMoved(previous: readonly ProbedTable[] | undefined, current: readonly ProbedTable[]): boolean {
  if (previous === undefined) return false;
  const before = new Map(previous.map((t) => [JSON.stringify([t.schema, t.table]), t]));
  return current.some((t) => {
    const p = before.get(JSON.stringify([t.schema, t.table]));
    if (!p) return true;
    if (p.storageId !== t.storageId || p.columnHash !== t.columnHash) return true;
    if (t.cursorWatermark !== null || p.cursorWatermark !== null) return p.cursorWatermark !== t.cursorWatermark;
    return p.modificationCount !== t.modificationCount;
  });
}
