// The one data model behind the status page, `status --json` and the per-table metrics gauges.
// Pure: built from a state-database snapshot and the configured connections.
import { StalenessEpisode, shareWithinTarget, stalenessSeries, worstStalenessAt } from '../core/freshness';
import { schemaUpdatesWarning } from '../core/decision';
import { OperationsSnapshot } from '../state/operations-store';
import { DEFAULT_FRESHNESS_TARGET_SECONDS } from '../settings';

export interface JobStatus {
  readonly jobId: number;
  /** Airbyte's status, or "running" while the orchestrator waits on it. */
  readonly status: string;
  readonly failed: boolean;
  readonly origin: string;
  readonly triggerReason: string | null;
  readonly requestedAt: string;
  readonly endedAt: string | null;
  readonly durationSeconds: number | null;
  readonly error: string | null;
  /** Link to the job in the Airbyte UI (when the workspace is known). */
  readonly url: string | null;
}

export interface TableStatus {
  readonly schema: string;
  readonly table: string;
  readonly lastChangeSeenAt: string | null;
  readonly lastSyncedAt: string | null;
  /** Seconds since the oldest change not yet synced was seen; 0 when in sync. */
  readonly stalenessSeconds: number;
  readonly lastError: string | null;
}

/** The freshness objective of a connection and how it is met. */
export interface FreshnessStatus {
  readonly targetSeconds: number;
  /** Worst staleness of its tables now (the oldest unsynced change, from its first sighting). */
  readonly worstStalenessSeconds: number;
  readonly withinTarget: boolean;
  /** Share of the window (the last 24 h, or since the connection's first job) within the target; null before any job. */
  readonly shareWithinTarget24h: number | null;
  readonly windowStart: string | null;
  /** Worst staleness over the window, oldest first, for the chart. */
  readonly chart: ReadonlyArray<{ readonly at: string; readonly seconds: number }>;
}

export interface ConnectionStatus {
  readonly connectionId: string;
  readonly name: string | null;
  readonly jobHistoryUrl: string | null;
  readonly lastJob: JobStatus | null;
  /** Oldest first, for the duration sparkline. */
  readonly recentJobs: readonly JobStatus[];
  readonly tables: readonly TableStatus[];
  readonly freshness: FreshnessStatus;
  /** Airbyte's nonBreakingSchemaUpdatesBehavior for the connection (null until read). */
  readonly schemaUpdatesBehavior: string | null;
  /** Set when that behaviour keeps column changes from reaching BigQuery on their own. */
  readonly schemaUpdatesWarning: string | null;
  /** A schema change waiting for a review in Airbyte (the reason), with the link to review it. */
  readonly schemaReview: { readonly reason: string; readonly url: string } | null;
}

export interface SlotStatus {
  readonly slotName: string;
  readonly observedAt: string;
  readonly exists: boolean;
  readonly active: boolean | null;
  readonly walStatus: string | null;
  readonly lagBytes: number | null;
  readonly thresholdBytes: number;
  readonly overThreshold: boolean;
  readonly error: string | null;
}

export interface StatusModel {
  readonly generatedAt: string;
  readonly airbyteUiUrl: string;
  readonly connections: readonly ConnectionStatus[];
  readonly slots: readonly SlotStatus[];
  readonly activeAlerts: ReadonlyArray<{ readonly key: string; readonly kind: string; readonly message: string; readonly since: string }>;
}

export interface StatusModelOptions {
  readonly airbyteUiUrl: string;
  readonly connections: ReadonlyArray<{ readonly connectionId: string; readonly name?: string; readonly freshnessTargetMs?: number }>;
  /** Target for connections not (or no longer) configured, ms. */
  readonly defaultFreshnessTargetMs?: number;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export function jobHistoryUrl(uiBase: string, workspaceId: string | undefined, connectionId: string): string | null {
  if (!workspaceId) return null;
  return `${uiBase.replace(/\/+$/, '')}/workspaces/${encodeURIComponent(workspaceId)}/connections/${encodeURIComponent(connectionId)}/job-history`;
}

const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_TARGET_MS = DEFAULT_FRESHNESS_TARGET_SECONDS * 1000;

function freshnessOf(snapshot: OperationsSnapshot, connectionId: string, targetMs: number): FreshnessStatus {
  const now = snapshot.now.getTime();
  const episodes: StalenessEpisode[] = [
    ...(snapshot.episodes ?? [])
      .filter((row) => row.connectionId === connectionId)
      .map((row) => ({ table: `${row.schema}.${row.table}`, from: row.unsyncedSince.getTime(), to: row.syncedAt.getTime() })),
    ...snapshot.tables
      .filter((row) => row.connectionId === connectionId && row.unsyncedSince)
      .map((row) => ({ table: `${row.schema}.${row.table}`, from: (row.unsyncedSince as Date).getTime() })),
  ];
  const first = snapshot.firstJobAt?.get(connectionId);
  const windowStart = first ? Math.max(now - DAY_MS, first.getTime()) : undefined;
  const worst = Math.round(worstStalenessAt(episodes, now) * 10) / 10;
  return {
    targetSeconds: targetMs / 1000,
    worstStalenessSeconds: worst,
    withinTarget: worst * 1000 <= targetMs,
    shareWithinTarget24h: windowStart === undefined ? null : shareWithinTarget(episodes, targetMs, windowStart, now),
    windowStart: windowStart === undefined ? null : new Date(windowStart).toISOString(),
    chart: windowStart === undefined ? [] : stalenessSeries(episodes, windowStart, now).map((point) => ({ at: new Date(point.at).toISOString(), seconds: point.seconds })),
  };
}

/** The connection's schema page in the Airbyte UI (where a schema change is reviewed). */
export function connectionSchemaUrl(uiBase: string, workspaceId: string | undefined, connectionId: string): string {
  const base = uiBase.replace(/\/+$/, '');
  if (!workspaceId) return `${base}/ (connection ${connectionId})`;
  return `${base}/workspaces/${encodeURIComponent(workspaceId)}/connections/${encodeURIComponent(connectionId)}/replication`;
}

export function buildStatusModel(snapshot: OperationsSnapshot, options: StatusModelOptions): StatusModel {
  const now = snapshot.now.getTime();
  const ids = [...options.connections.map((c) => c.connectionId)];
  for (const row of [...snapshot.tables, ...snapshot.jobs]) if (!ids.includes(row.connectionId)) ids.push(row.connectionId);

  const connections = ids.map((connectionId): ConnectionStatus => {
    const historyUrl = jobHistoryUrl(options.airbyteUiUrl, snapshot.workspaces.get(connectionId), connectionId);
    const jobs = snapshot.jobs
      .filter((job) => job.connectionId === connectionId)
      .map((job): JobStatus => {
        const status = job.status ?? 'running';
        return {
          jobId: job.jobId,
          status,
          failed: status === 'failed' || status === 'cancelled',
          origin: job.origin,
          triggerReason: job.triggerReason,
          requestedAt: job.requestedAt.toISOString(),
          endedAt: iso(job.endedAt),
          durationSeconds: job.endedAt ? seconds(job.endedAt.getTime() - job.requestedAt.getTime()) : null,
          error: job.error,
          url: historyUrl ? `${historyUrl}#${job.jobId}::0` : null,
        };
      });
    const configured = options.connections.find((c) => c.connectionId === connectionId);
    const info = snapshot.connectionInfo?.get(connectionId);
    const behaviour = info?.schemaUpdatesBehavior ?? null;
    return {
      connectionId,
      schemaUpdatesBehavior: behaviour,
      schemaUpdatesWarning: schemaUpdatesWarning(behaviour),
      schemaReview: info?.schemaReview ? { reason: info.schemaReview, url: connectionSchemaUrl(options.airbyteUiUrl, snapshot.workspaces.get(connectionId), connectionId) } : null,
      freshness: freshnessOf(snapshot, connectionId, configured?.freshnessTargetMs ?? options.defaultFreshnessTargetMs ?? DEFAULT_TARGET_MS),
      name: configured?.name ?? null,
      jobHistoryUrl: historyUrl,
      lastJob: jobs[0] ?? null,
      recentJobs: [...jobs].reverse(),
      tables: snapshot.tables
        .filter((row) => row.connectionId === connectionId)
        .map((row) => ({
          schema: row.schema,
          table: row.table,
          lastChangeSeenAt: iso(row.lastChangeSeenAt),
          lastSyncedAt: iso(row.lastSyncedAt),
          stalenessSeconds: row.unsyncedSince ? Math.max(0, seconds(now - row.unsyncedSince.getTime())) : 0,
          lastError: row.lastError,
        })),
    };
  });

  return {
    generatedAt: snapshot.now.toISOString(),
    airbyteUiUrl: options.airbyteUiUrl,
    connections,
    slots: snapshot.slots.map((slot) => ({
      slotName: slot.slotName,
      observedAt: slot.observedAt.toISOString(),
      exists: slot.exists,
      active: slot.active,
      walStatus: slot.walStatus,
      lagBytes: slot.lagBytes,
      thresholdBytes: slot.thresholdBytes,
      overThreshold: slot.lagBytes !== null && slot.lagBytes > slot.thresholdBytes,
      error: slot.error,
    })),
    activeAlerts: snapshot.alerts.filter((alert) => alert.active).map((alert) => ({ key: alert.key, kind: alert.kind, message: alert.message, since: alert.since.toISOString() })),
  };
}
