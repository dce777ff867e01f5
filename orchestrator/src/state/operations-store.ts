// State-database reads and writes for operators: the slot's last observation, active alerts, and
// the rows behind the status page / `status --json` / metrics gauges.
import { SchemaTables } from './schema-tables';
import { ActiveAlert, AlertKind } from '../ops/alerts';
import { SlotObservation } from '../probe/wal-guard';

export interface StoredSlotState extends SlotObservation {
  readonly thresholdBytes: number;
  readonly error: string | null;
}

export interface TableStateRow {
  readonly connectionId: string;
  readonly schema: string;
  readonly table: string;
  readonly lastChangeSeenAt: Date | null;
  readonly unsyncedSince: Date | null;
  readonly lastSyncedAt: Date | null;
  readonly lastError: string | null;
}

export interface JobRow {
  readonly jobId: number;
  readonly connectionId: string;
  readonly origin: string;
  readonly triggerReason: string | null;
  readonly reason: string;
  readonly requestedAt: Date;
  readonly endedAt: Date | null;
  readonly status: string | null;
  readonly error: string | null;
}

/** A table's change carried by a successful sync (staleness_history). */
export interface SyncedEpisodeRow {
  readonly connectionId: string;
  readonly schema: string;
  readonly table: string;
  readonly unsyncedSince: Date;
  readonly syncedAt: Date;
}

export interface AlertRow extends ActiveAlert {
  readonly active: boolean;
  readonly clearedAt: Date | null;
}

export interface OperationsSnapshot {
  readonly now: Date;
  readonly tables: readonly TableStateRow[];
  /** Newest first, up to `jobsPerConnection` per connection. */
  readonly jobs: readonly JobRow[];
  readonly workspaces: ReadonlyMap<string, string>;
  /** What Airbyte said about each connection (absent for connections never read). */
  readonly connectionInfo?: ReadonlyMap<string, { readonly schemaUpdatesBehavior: string | null; readonly schemaReview: string | null }>;
  readonly slots: readonly StoredSlotState[];
  readonly alerts: readonly AlertRow[];
  /** Episodes that ended within the last 24 h (or began before and ended after its start). */
  readonly episodes?: readonly SyncedEpisodeRow[];
  /** When each connection was first seen working (its first job): the 24 h share starts no earlier. */
  readonly firstJobAt?: ReadonlyMap<string, Date>;
}

export class OperationsStore extends SchemaTables {
  async saveSlotState(observation: SlotObservation | undefined, slotName: string, thresholdBytes: number, error?: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table('wal_guard_state')} AS w (slot_name, observed_at, slot_exists, active, wal_status, lag_bytes, retained_bytes, threshold_bytes, error)
       VALUES ($1, COALESCE($2, now()), $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (slot_name) DO UPDATE SET observed_at = EXCLUDED.observed_at, threshold_bytes = EXCLUDED.threshold_bytes, error = EXCLUDED.error,
         slot_exists = CASE WHEN EXCLUDED.error IS NULL THEN EXCLUDED.slot_exists ELSE w.slot_exists END,
         active = CASE WHEN EXCLUDED.error IS NULL THEN EXCLUDED.active ELSE w.active END,
         wal_status = CASE WHEN EXCLUDED.error IS NULL THEN EXCLUDED.wal_status ELSE w.wal_status END,
         lag_bytes = CASE WHEN EXCLUDED.error IS NULL THEN EXCLUDED.lag_bytes ELSE w.lag_bytes END,
         retained_bytes = CASE WHEN EXCLUDED.error IS NULL THEN EXCLUDED.retained_bytes ELSE w.retained_bytes END`,
      [
        slotName,
        observation?.observedAt ?? null,
        observation?.exists ?? false,
        observation?.active ?? null,
        observation?.walStatus ?? null,
        observation?.lagBytes ?? null,
        observation?.retainedBytes ?? null,
        thresholdBytes,
        error ?? null,
      ],
    );
  }

  async activeAlerts(): Promise<Map<string, ActiveAlert>> {
    const result = await this.db.query<{ alert_key: string; kind: AlertKind; message: string; started_at: Date }>(
      `SELECT alert_key, kind, message, started_at FROM ${this.table('alert_state')} WHERE active`,
    );
    return new Map(result.rows.map((row) => [row.alert_key, { key: row.alert_key, kind: row.kind, message: row.message, since: row.started_at }]));
  }

  /** Writes the new active set: rows not in it become inactive (cleared now). One transaction. */
  async saveAlerts(active: ReadonlyMap<string, ActiveAlert>): Promise<void> {
    const alerts = [...active.values()];
    await this.transaction(async (tx) => {
      await tx.query(
        `UPDATE ${this.table('alert_state')} SET active = false, cleared_at = now(), updated_at = now() WHERE active AND NOT (alert_key = ANY($1::text[]))`,
        [alerts.map((a) => a.key)],
      );
      if (alerts.length > 0) {
        await tx.query(
          `INSERT INTO ${this.table('alert_state')} (alert_key, kind, active, message, started_at, cleared_at, updated_at)
           SELECT a.key, a.kind, true, a.message, a.since, NULL, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS a(key, kind, message, since)
           ON CONFLICT (alert_key) DO UPDATE SET kind = EXCLUDED.kind, active = true, message = EXCLUDED.message,
             started_at = CASE WHEN ${this.table('alert_state')}.active THEN ${this.table('alert_state')}.started_at ELSE EXCLUDED.started_at END,
             cleared_at = NULL, updated_at = now()`,
          [alerts.map((a) => a.key), alerts.map((a) => a.kind), alerts.map((a) => a.message), alerts.map((a) => a.since)],
        );
      }
    });
  }

  /** Tables with a change not yet synced, and since when (for the freshness objective's alert). */
  async unsyncedTables(): Promise<Array<{ connectionId: string; schema: string; table: string; unsyncedSince: Date; now: Date }>> {
    const result = await this.db.query<{ connection_id: string; schema_name: string; table_name: string; unsynced_since: Date; now: Date }>(
      `SELECT connection_id, schema_name, table_name, unsynced_since, now() AS now FROM ${this.table('sync_state')} WHERE unsynced_since IS NOT NULL ORDER BY 1, 2, 3`,
    );
    return result.rows.map((row) => ({ connectionId: row.connection_id, schema: row.schema_name, table: row.table_name, unsyncedSince: row.unsynced_since, now: row.now }));
  }

  async snapshot(jobsPerConnection = 30): Promise<OperationsSnapshot> {
    const now = (await this.db.query<{ now: Date }>('SELECT now() AS now')).rows[0].now;
    const tables = await this.db.query<{
      connection_id: string;
      schema_name: string;
      table_name: string;
      last_change_seen_at: Date | null;
      unsynced_since: Date | null;
      last_synced_at: Date | null;
      last_error: string | null;
    }>(
      `SELECT connection_id, schema_name, table_name, last_change_seen_at, unsynced_since, last_synced_at, last_error
       FROM ${this.table('sync_state')} ORDER BY connection_id, schema_name, table_name`,
    );
    const jobs = await this.db.query<{
      job_id: string;
      connection_id: string;
      origin: string;
      trigger_reason: string | null;
      reason: string;
      requested_at: Date;
      ended_at: Date | null;
      status: string | null;
      error: string | null;
    }>(
      `SELECT job_id::text, connection_id, origin, trigger_reason, reason, requested_at, ended_at, status, error FROM (
         SELECT h.*, row_number() OVER (PARTITION BY connection_id ORDER BY requested_at DESC, history_id DESC) AS n FROM ${this.table('job_history')} h
       ) ranked WHERE n <= $1 ORDER BY connection_id, requested_at DESC, history_id DESC`,
      [jobsPerConnection],
    );
    const workspaces = await this.db.query<{ connection_id: string; workspace_id: string | null; schema_updates_behavior: string | null; schema_review_reason: string | null }>(
      `SELECT connection_id, workspace_id, schema_updates_behavior, schema_review_reason FROM ${this.table('connection_state')}
       WHERE workspace_id IS NOT NULL OR schema_updates_behavior IS NOT NULL OR schema_review_kind IS NOT NULL`,
    );
    const slots = await this.db.query<{
      slot_name: string;
      observed_at: Date;
      slot_exists: boolean;
      active: boolean | null;
      wal_status: string | null;
      lag_bytes: string | null;
      retained_bytes: string | null;
      threshold_bytes: string;
      error: string | null;
    }>(`SELECT * FROM ${this.table('wal_guard_state')} ORDER BY slot_name`);
    const alerts = await this.db.query<{ alert_key: string; kind: AlertKind; active: boolean; message: string; started_at: Date; cleared_at: Date | null }>(
      `SELECT alert_key, kind, active, message, started_at, cleared_at FROM ${this.table('alert_state')} ORDER BY active DESC, started_at DESC LIMIT 50`,
    );
    const episodes = await this.db.query<{ connection_id: string; schema_name: string; table_name: string; unsynced_since: Date; synced_at: Date }>(
      `SELECT connection_id, schema_name, table_name, unsynced_since, synced_at FROM ${this.table('staleness_history')}
       WHERE synced_at > $1::timestamptz - interval '24 hours' ORDER BY connection_id, synced_at`,
      [now],
    );
    const firstJobs = await this.db.query<{ connection_id: string; first_at: Date }>(
      `SELECT connection_id, min(requested_at) AS first_at FROM ${this.table('job_history')} GROUP BY connection_id`,
    );
    const num = (value: string | null): number | null => (value === null ? null : Number(value));
    return {
      now,
      tables: tables.rows.map((row) => ({
        connectionId: row.connection_id,
        schema: row.schema_name,
        table: row.table_name,
        lastChangeSeenAt: row.last_change_seen_at,
        unsyncedSince: row.unsynced_since,
        lastSyncedAt: row.last_synced_at,
        lastError: row.last_error,
      })),
      jobs: jobs.rows.map((row) => ({
        jobId: Number(row.job_id),
        connectionId: row.connection_id,
        origin: row.origin,
        triggerReason: row.trigger_reason,
        reason: row.reason,
        requestedAt: row.requested_at,
        endedAt: row.ended_at,
        status: row.status,
        error: row.error,
      })),
      workspaces: new Map(workspaces.rows.filter((row) => row.workspace_id !== null).map((row) => [row.connection_id, row.workspace_id as string])),
      connectionInfo: new Map(
        workspaces.rows.map((row) => [row.connection_id, { schemaUpdatesBehavior: row.schema_updates_behavior, schemaReview: row.schema_review_reason }]),
      ),
      slots: slots.rows.map((row) => ({
        slotName: row.slot_name,
        observedAt: row.observed_at,
        exists: row.slot_exists,
        active: row.active,
        walStatus: row.wal_status,
        lagBytes: num(row.lag_bytes),
        retainedBytes: num(row.retained_bytes),
        thresholdBytes: Number(row.threshold_bytes),
        error: row.error,
      })),
      episodes: episodes.rows.map((row) => ({ connectionId: row.connection_id, schema: row.schema_name, table: row.table_name, unsyncedSince: row.unsynced_since, syncedAt: row.synced_at })),
      firstJobAt: new Map(firstJobs.rows.map((row) => [row.connection_id, row.first_at])),
      alerts: alerts.rows.map((row) => ({ key: row.alert_key, kind: row.kind, active: row.active, message: row.message, since: row.started_at, clearedAt: row.cleared_at })),
    };
  }
}
