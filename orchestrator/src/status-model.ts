// The one data model behind the status page, `status --json` and the per-table metrics gauges.
// Pure: built from a state-database snapshot and the configured connections.
import { schemaUpdatesWarning } from './decision';
import { OperationsSnapshot } from './operations-store';

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

export interface ConnectionStatus {
  readonly connectionId: string;
  readonly name: string | null;
  readonly jobHistoryUrl: string | null;
  readonly lastJob: JobStatus | null;
  /** Oldest first, for the duration sparkline. */
  readonly recentJobs: readonly JobStatus[];
  readonly tables: readonly TableStatus[];
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
  readonly connections: ReadonlyArray<{ readonly connectionId: string; readonly name?: string }>;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export function jobHistoryUrl(uiBase: string, workspaceId: string | undefined, connectionId: string): string | null {
  if (!workspaceId) return null;
  return `${uiBase.replace(/\/+$/, '')}/workspaces/${encodeURIComponent(workspaceId)}/connections/${encodeURIComponent(connectionId)}/job-history`;
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
    const info = snapshot.connectionInfo?.get(connectionId);
    const behaviour = info?.schemaUpdatesBehavior ?? null;
    return {
      connectionId,
      schemaUpdatesBehavior: behaviour,
      schemaUpdatesWarning: schemaUpdatesWarning(behaviour),
      schemaReview: info?.schemaReview ? { reason: info.schemaReview, url: connectionSchemaUrl(options.airbyteUiUrl, snapshot.workspaces.get(connectionId), connectionId) } : null,
      name: options.connections.find((c) => c.connectionId === connectionId)?.name ?? null,
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
