// Alert conditions and their transitions: a pure function of what the cycle saw and which alerts
// were already active (kept in the state database), so each condition is announced once when it
// starts and once when it clears, across restarts. No I/O here.
import { CycleSummary } from '../core/cycle';
import { formatBytes } from '../probe/wal-guard';

export type AlertKind = 'job_failed' | 'schema_change' | 'schema_review' | 'wal_lag' | 'slot_lost' | 'slot_at_risk' | 'slot_missing' | 'publication_drift' | 'airbyte_unreachable' | 'freshness';

export const ALERT_KINDS: readonly AlertKind[] = ['job_failed', 'schema_change', 'schema_review', 'wal_lag', 'slot_lost', 'slot_at_risk', 'slot_missing', 'publication_drift', 'airbyte_unreachable', 'freshness'];

/** A connection's freshness objective and its tables' current staleness (from the state database). */
export interface FreshnessObservation {
  readonly connectionId: string;
  readonly name?: string;
  readonly targetSeconds: number;
  /** Tables with a change not yet synced, seconds since its first sighting. */
  readonly staleTables: ReadonlyArray<{ readonly table: string; readonly seconds: number }>;
}

export interface ActiveAlert {
  readonly key: string;
  readonly kind: AlertKind;
  readonly message: string;
  readonly since: Date;
}

export interface AlertNotification {
  readonly key: string;
  readonly kind: AlertKind;
  readonly phase: 'started' | 'cleared';
  /** The Slack-compatible message text. */
  readonly text: string;
}

export interface AlertEvaluation {
  readonly notifications: readonly AlertNotification[];
  /** The active set to persist. */
  readonly active: ReadonlyMap<string, ActiveAlert>;
}

export interface AlertOptions {
  /** Consecutive cycles with Airbyte unreachable before the alert starts. */
  readonly unreachableCycles: number;
  /** Consecutive cycles (including this one) in which Airbyte was unreachable. */
  readonly unreachableStreak: number;
  readonly now: Date;
  /** Label for messages (e.g. the environment). */
  readonly label?: string;
  /** Current staleness per configured connection; absent when it could not be read (no judgement). */
  readonly freshness?: readonly FreshnessObservation[];
}

interface Condition {
  readonly key: string;
  readonly kind: AlertKind;
  /** Active at the end of this cycle. */
  readonly active: boolean;
  /** Was observed this cycle (for conditions that can start and clear within one cycle). */
  readonly observed?: boolean;
  readonly startText: string;
  readonly clearText: string;
}

function formatSeconds(value: number): string {
  const s = Math.round(value);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

function connectionLabel(connection: { connectionId: string; name?: string }): string {
  return connection.name ? `${connection.name} (${connection.connectionId})` : connection.connectionId;
}

/** The conditions this cycle speaks about; conditions it cannot judge are left out (kept as they were). */
function conditions(summary: CycleSummary, previous: ReadonlyMap<string, ActiveAlert>, options: AlertOptions): Condition[] {
  const list: Condition[] = [];
  for (const connection of summary.connections) {
    const label = connectionLabel(connection);
    const ours = connection.jobs.filter((job) => job.origin !== 'attached');
    const failed = ours.filter((job) => job.status === 'failed' || job.status === 'cancelled');
    const succeeded = connection.jobs.some((job) => job.status === 'succeeded');
    const lastFailed = failed[failed.length - 1];
    const failedKey = `job_failed:${connection.connectionId}`;
    // Active from a failed job until a later job of the connection succeeds.
    const stillFailing = ours.length > 0 ? ours[ours.length - 1].status !== 'succeeded' && Boolean(lastFailed) : previous.has(failedKey) && !succeeded;
    list.push({
      key: failedKey,
      kind: 'job_failed',
      active: stillFailing,
      startText: `:x: Sync failed for connection ${label}: job ${lastFailed?.jobId ?? '?'} ${lastFailed?.status ?? 'failed'}. The orchestrator retries every cycle; see the job log in Airbyte.`,
      clearText: `:white_check_mark: Syncs succeed again for connection ${label}.`,
    });

    // A column change stays announced until it reached the connection's catalog (non-empty
    // appliedDiff, nothing left to apply, or a sync after the review); it may start and clear in one cycle.
    const schemaKey = `schema_change:${connection.connectionId}`;
    const detected = connection.schemaChangedTables.length > 0;
    const applied = connection.schemaApplied === true;
    list.push({
      key: schemaKey,
      kind: 'schema_change',
      observed: detected,
      active: (detected || previous.has(schemaKey)) && !applied,
      startText: `:warning: Schema change on connection ${label}: columns changed in ${connection.schemaChangedTables.join(', ') || 'watched tables'}; refreshing the Airbyte schema before syncing.`,
      clearText: `:white_check_mark: Schema change on connection ${label} applied: the connection's schema was updated and the sync succeeded.`,
    });

    if (connection.schemaReview) {
      const review = connection.schemaReview;
      list.push({
        key: `schema_review:${connection.connectionId}`,
        kind: 'schema_review',
        active: review.active,
        startText: `:rotating_light: Connection ${label} needs a schema review in Airbyte: ${review.reason ?? 'a schema change was not applied'}. Review and apply it at ${review.url ?? 'the connection\'s Schema page'}; until then the column change does not reach BigQuery.`,
        clearText: `:white_check_mark: Schema review of connection ${label} done: the change is applied and syncs run.`,
      });
    }
  }

  const wal = summary.wal;
  if (wal?.observation && wal.assessment) {
    const slot = wal.observation.slotName;
    const lag = formatBytes(wal.observation.lagBytes ?? 0);
    list.push({
      key: `slot_missing:${slot}`,
      kind: 'slot_missing',
      active: wal.assessment.slotMissing,
      startText: `:rotating_light: Replication slot ${slot} does not exist: CDC cannot read changes. Run \`prepare-source\` (then reset the connection in Airbyte if it had synced before).`,
      clearText: `:white_check_mark: Replication slot ${slot} exists again.`,
    });
    list.push({
      key: `slot_lost:${slot}`,
      kind: 'slot_lost',
      active: wal.assessment.slotLost,
      startText: `:rotating_light: Replication slot ${slot} is lost (wal_status=lost): the WAL it needs is gone and CDC cannot continue from it. Recreate it (\`prepare-source --recreate-lost-slot\`), then reset the connection in Airbyte (full resync).`,
      clearText: `:white_check_mark: Replication slot ${slot} is healthy again (wal_status=${wal.observation.walStatus ?? 'n/a'}).`,
    });
    const safe = wal.observation.safeWalBytes;
    list.push({
      key: `slot_at_risk:${slot}`,
      kind: 'slot_at_risk',
      active: wal.assessment.slotAtRisk,
      startText: `:rotating_light: Replication slot ${slot} is about to be invalidated (wal_status=${wal.observation.walStatus}${safe === null || safe === undefined ? '' : `, safe_wal_size ${safe < 0 ? `${formatBytes(-safe)} past the limit` : formatBytes(safe)}`}, ${formatBytes(wal.observation.retainedBytes ?? 0)} retained): syncing now so Airbyte consumes it. If it becomes lost, the connection needs a full resync.`,
      clearText: `:white_check_mark: Replication slot ${slot} is no longer at risk of invalidation.`,
    });
    {
      list.push({
        key: `wal_lag:${slot}`,
        kind: 'wal_lag',
        // Retained WAL (restart_lsn) is judged by safe_wal_size (slot_at_risk): after a consumer
        // catches up, restart_lsn trails a little behind by design.
        active: wal.assessment.lagOverThreshold,
        startText: `:warning: Replication slot ${slot} holds back ${lag} of WAL not yet confirmed, ${formatBytes(wal.observation.retainedBytes ?? 0)} retained from restart_lsn (threshold ${formatBytes(wal.thresholdBytes)}, consumer ${wal.observation.active ? 'connected' : 'not connected'}). Syncing to let Airbyte consume it; if it keeps growing, check the connection and long-running transactions, or the RDS disk fills.`,
        clearText: `:white_check_mark: Replication slot ${slot} lag is back under ${formatBytes(wal.thresholdBytes)} (${lag}).`,
      });
    }
  }

  for (const objective of options.freshness ?? []) {
    const label = connectionLabel(objective);
    const late = objective.staleTables.filter((table) => table.seconds > objective.targetSeconds).sort((a, b) => b.seconds - a.seconds);
    const shown = late.slice(0, 5).map((table) => `${table.table} (${formatSeconds(table.seconds)})`).join(', ') + (late.length > 5 ? `, … ${late.length - 5} more` : '');
    list.push({
      key: `freshness:${objective.connectionId}`,
      kind: 'freshness',
      active: late.length > 0,
      startText: `:hourglass: Connection ${label} is staler than its freshness target of ${formatSeconds(objective.targetSeconds)}: ${shown} not synced yet. Check the status page for its job (long sync, failures, cost cap).`,
      clearText: `:white_check_mark: Connection ${label} is within its freshness target of ${formatSeconds(objective.targetSeconds)} again.`,
    });
  }

  const publication = summary.wal?.publication;
  if (publication) {
    list.push({
      key: `publication_drift:${publication.name}`,
      kind: 'publication_drift',
      active: publication.missingTables.length > 0,
      startText: `:rotating_light: Watched tables are not in publication ${publication.name}: ${publication.missingTables.join(', ')} (dropped and recreated?). CDC does not see their changes; run \`prepare-source\` to add them back, then check the connection in Airbyte.`,
      clearText: `:white_check_mark: Every watched table is in publication ${publication.name} again.`,
    });
  }

  const unreachableKey = 'airbyte_unreachable';
  // A daemon tick in which no connection finished talking to Airbyte cannot judge it.
  if (summary.connections.length > 0) list.push({
    key: unreachableKey,
    kind: 'airbyte_unreachable',
    active: summary.airbyteUnavailable && (options.unreachableStreak >= options.unreachableCycles || previous.has(unreachableKey)),
    startText: `:rotating_light: Airbyte has been unreachable for ${options.unreachableStreak} consecutive cycles; no syncs are running. Check the Airbyte host (abctl) and its API.`,
    clearText: ':white_check_mark: Airbyte is reachable again.',
  });
  return list;
}

export function evaluateAlerts(summary: CycleSummary, previous: ReadonlyMap<string, ActiveAlert>, options: AlertOptions): AlertEvaluation {
  const active = new Map(previous);
  const notifications: AlertNotification[] = [];
  const prefix = options.label ? `[${options.label}] ` : '';
  for (const condition of conditions(summary, previous, options)) {
    const was = previous.has(condition.key);
    const startsNow = !was && (condition.active || Boolean(condition.observed));
    if (startsNow) {
      notifications.push({ key: condition.key, kind: condition.kind, phase: 'started', text: prefix + condition.startText });
      active.set(condition.key, { key: condition.key, kind: condition.kind, message: condition.startText, since: options.now });
    }
    if ((was || startsNow) && !condition.active) {
      notifications.push({ key: condition.key, kind: condition.kind, phase: 'cleared', text: prefix + condition.clearText });
      active.delete(condition.key);
    }
  }
  return { notifications, active };
}

/** Consecutive cycles with Airbyte unreachable, including this one. */
export function nextUnreachableStreak(previousStreak: number, summary: Pick<CycleSummary, 'airbyteUnavailable' | 'connections'>): number {
  if (summary.connections.length === 0) return previousStreak;
  return summary.airbyteUnavailable ? previousStreak + 1 : 0;
}
