// Persistent state in the state database: migrations, the single-orchestrator lock, watermarks,
// the job in flight and the job history. Every multi-row change is one transaction.
import { SchemaTables } from './schema-tables';
import { LastJobRecord, ObservedWatermark, SchemaReviewKind, SyncedWatermark, TableChange, TriggerReason } from '../core/decision';
import { MIGRATIONS } from './migrations';

export type JobOrigin = 'triggered' | 'attached';

export interface InFlightJob {
  readonly jobId: number;
  readonly origin: JobOrigin;
  readonly since: Date;
}

export interface JobResultFields {
  readonly status: string;
  readonly rowsSynced?: number | null;
  readonly bytesSynced?: number | null;
  readonly error?: string | null;
}

/** A table's change carried by a successful sync: first sighting → end of the sync. */
export interface SyncedChange {
  readonly schema: string;
  readonly table: string;
  readonly unsyncedSince: Date;
  readonly seconds: number;
}

export interface StatusRow {
  readonly connectionId: string;
  readonly schema: string;
  readonly table: string;
  readonly cursorWatermark: string | null;
  readonly columnHash: string | null;
  readonly lastSyncedAt: string | null;
  readonly lagSeconds: number | null;
  readonly pendingJobId: number | null;
  readonly lastError: string | null;
  readonly lastJob: { readonly jobId: number; readonly status: string | null; readonly origin: string; readonly requestedAt: string; readonly endedAt: string | null } | null;
}

export interface SchemaReview {
  readonly kind: SchemaReviewKind;
  readonly reason: string;
  readonly since: Date;
}

export class StateNotMigratedError extends Error {
  constructor(schema: string) {
    super(`state schema "${schema}" is not migrated; run \`migrate\` first`);
    this.name = 'StateNotMigratedError';
  }
}

const LOCK_NAMESPACE = 'airbyte-orchestrator';

export function tableKey(schema: string, table: string): string {
  return JSON.stringify([schema, table]);
}

export class StateStore extends SchemaTables {
  /** Non-blocking attempt at the per-state-database lock (held by this session until it ends). */
  async tryLock(): Promise<boolean> {
    const result = await this.db.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked', [LOCK_NAMESPACE, this.schema]);
    return Boolean(result.rows[0]?.locked);
  }

  async unlock(): Promise<void> {
    await this.db.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [LOCK_NAMESPACE, this.schema]);
  }

  /** Applies pending migrations; returns the versions applied now. Idempotent. */
  async migrate(): Promise<number[]> {
    return this.transaction(async (tx) => {
      // Serialises concurrent `migrate` runs even without the orchestrator lock.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2 || \':migrate\'))', [LOCK_NAMESPACE, this.schema]);
      // CREATE SCHEMA IF NOT EXISTS checks CREATE on the database even when the schema exists;
      // when prepare-source made it first (granting USAGE, CREATE), this login may lack that.
      const present = await tx.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (present.rows.length === 0) await tx.query(`CREATE SCHEMA IF NOT EXISTS ${this.schemaSql}`);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${this.table('schema_migrations')} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const applied = await tx.query<{ version: number }>(`SELECT version FROM ${this.table('schema_migrations')}`);
      const done = new Set(applied.rows.map((row) => Number(row.version)));
      const appliedNow: number[] = [];
      await tx.query(`SET LOCAL search_path TO ${this.schemaSql}`);
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        await tx.query(migration.sql);
        await tx.query(`INSERT INTO ${this.table('schema_migrations')} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        appliedNow.push(migration.version);
      }
      return appliedNow;
    });
  }

  async assertMigrated(): Promise<void> {
    const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
    const exists = await this.db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${this.schemaSql}.schema_migrations`]);
    if (!exists.rows[0]?.present) throw new StateNotMigratedError(this.schema);
    const result = await this.db.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${this.table('schema_migrations')}`);
    if (Number(result.rows[0]?.version ?? 0) < latest) throw new StateNotMigratedError(this.schema);
  }

  async loadSynced(connectionId: string): Promise<Map<string, SyncedWatermark>> {
    const result = await this.db.query<{
      schema_name: string;
      table_name: string;
      cursor_watermark: string | null;
      modification_count: string | null;
      storage_id: string | null;
      column_hash: string | null;
      last_synced_at: Date | null;
    }>(
      `SELECT schema_name, table_name, cursor_watermark, modification_count::text, storage_id::text, column_hash, last_synced_at
       FROM ${this.table('sync_state')} WHERE connection_id = $1`,
      [connectionId],
    );
    const map = new Map<string, SyncedWatermark>();
    for (const row of result.rows) {
      if (row.last_synced_at === null) continue;
      map.set(tableKey(row.schema_name, row.table_name), {
        cursorWatermark: row.cursor_watermark,
        modificationCount: row.modification_count,
        storageId: row.storage_id,
        columnHash: row.column_hash,
      });
    }
    return map;
  }

  async inFlight(connectionId: string): Promise<InFlightJob | undefined> {
    const result = await this.db.query<{ in_flight_job_id: string | null; in_flight_origin: JobOrigin | null; in_flight_since: Date | null }>(
      `SELECT in_flight_job_id::text, in_flight_origin, in_flight_since FROM ${this.table('connection_state')} WHERE connection_id = $1`,
      [connectionId],
    );
    const row = result.rows[0];
    if (!row || row.in_flight_job_id === null) return undefined;
    return { jobId: Number(row.in_flight_job_id), origin: row.in_flight_origin ?? 'attached', since: row.in_flight_since ?? new Date() };
  }

  /**
   * Persists a job and (for jobs we triggered) the watermarks observed before triggering it, in
   * one transaction, before anyone waits on the job: after a crash, the job is adopted from here.
   */
  async beginJob(input: {
    connectionId: string;
    jobId: number;
    origin: JobOrigin;
    reason: string;
    triggerReason?: TriggerReason;
    schemaRefreshed: boolean;
    watermarks: readonly ObservedWatermark[];
    /** Source WAL position when a wal_lag job was triggered. */
    walLsnAtTrigger?: string | null;
  }): Promise<void> {
    await this.transaction(async (tx) => {
      // Job ids repeat after Airbyte is reinstalled: only a row not yet ended is the same job.
      const updated = await tx.query(
        `UPDATE ${this.table('job_history')} SET reason = $3 WHERE connection_id = $1 AND job_id = $2 AND ended_at IS NULL RETURNING history_id`,
        [input.connectionId, input.jobId, input.reason],
      );
      if (updated.rows.length === 0) {
        await tx.query(
          `INSERT INTO ${this.table('job_history')} (job_id, connection_id, origin, reason, schema_refreshed, trigger_reason, wal_lsn_at_trigger)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [input.jobId, input.connectionId, input.origin, input.reason, input.schemaRefreshed, input.triggerReason ?? null, input.walLsnAtTrigger ?? null],
        );
      }
      await tx.query(
        `INSERT INTO ${this.table('connection_state')} (connection_id, in_flight_job_id, in_flight_origin, in_flight_since, updated_at)
         VALUES ($1, $2, $3, now(), now())
         ON CONFLICT (connection_id) DO UPDATE SET in_flight_job_id = $2, in_flight_origin = $3, in_flight_since = now(), updated_at = now()`,
        [input.connectionId, input.jobId, input.origin],
      );
      if (input.watermarks.length > 0) {
        await tx.query(
          `INSERT INTO ${this.table('sync_state')} AS s (connection_id, schema_name, table_name, pending_job_id, pending_cursor_watermark,
             pending_modification_count, pending_storage_id, pending_column_hash, updated_at)
           SELECT $1, w.schema_name, w.table_name, $2, w.cursor, w.modification_count::bigint, w.storage_id::bigint, w.column_hash, now()
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
             AS w(schema_name, table_name, cursor, modification_count, storage_id, column_hash)
           ON CONFLICT (connection_id, schema_name, table_name) DO UPDATE SET
             pending_job_id = EXCLUDED.pending_job_id,
             pending_cursor_watermark = EXCLUDED.pending_cursor_watermark,
             pending_modification_count = EXCLUDED.pending_modification_count,
             pending_storage_id = EXCLUDED.pending_storage_id,
             pending_column_hash = EXCLUDED.pending_column_hash,
             updated_at = now()`,
          [
            input.connectionId,
            input.jobId,
            input.watermarks.map((w) => w.schema),
            input.watermarks.map((w) => w.table),
            input.watermarks.map((w) => w.cursorWatermark),
            input.watermarks.map((w) => w.modificationCount),
            input.watermarks.map((w) => w.storageId),
            input.watermarks.map((w) => w.columnHash),
          ],
        );
      }
    });
  }

  /**
   * Ends a job. Only success advances watermarks, and only to what was pending for this job.
   * Returns, on success, how long each table's change waited from its first sighting (freshness).
   */
  async finishJob(connectionId: string, jobId: number, result: JobResultFields): Promise<SyncedChange[]> {
    const succeeded = result.status === 'succeeded';
    return this.transaction(async (tx) => {
      let synced: SyncedChange[] = [];
      await tx.query(
        `UPDATE ${this.table('job_history')} SET ended_at = now(), status = $2, rows_synced = $3, bytes_synced = $4, error = $5
         WHERE job_id = $1 AND connection_id = $6 AND ended_at IS NULL`,
        [jobId, result.status, result.rowsSynced ?? null, result.bytesSynced ?? null, result.error ?? null, connectionId],
      );
      if (succeeded) {
        const episodes = await tx.query<{ schema_name: string; table_name: string; unsynced_since: Date; seconds: number }>(
          `INSERT INTO ${this.table('staleness_history')} (connection_id, schema_name, table_name, unsynced_since, synced_at, job_id)
           SELECT connection_id, schema_name, table_name, unsynced_since, now(), $2 FROM ${this.table('sync_state')}
           WHERE connection_id = $1 AND pending_job_id = $2 AND unsynced_since IS NOT NULL
           RETURNING schema_name, table_name, unsynced_since, extract(epoch FROM synced_at - unsynced_since)::float8 AS seconds`,
          [connectionId, jobId],
        );
        synced = episodes.rows.map((row) => ({ schema: row.schema_name, table: row.table_name, unsyncedSince: row.unsynced_since, seconds: Math.max(0, Number(row.seconds)) }));
        if (synced.length > 0) {
          await tx.query(`DELETE FROM ${this.table('staleness_history')} WHERE connection_id = $1 AND synced_at < now() - interval '2 days'`, [connectionId]);
        }
        await tx.query(
          `UPDATE ${this.table('sync_state')} SET
             last_synced_at = now(),
             cursor_watermark = pending_cursor_watermark,
             modification_count = pending_modification_count,
             storage_id = pending_storage_id,
             column_hash = pending_column_hash,
             pending_job_id = NULL, pending_cursor_watermark = NULL, pending_modification_count = NULL,
             pending_storage_id = NULL, pending_column_hash = NULL,
             last_error = NULL, last_error_at = NULL, unsynced_since = NULL, updated_at = now()
           WHERE connection_id = $1 AND pending_job_id = $2`,
          [connectionId, jobId],
        );
      } else {
        await tx.query(
          `UPDATE ${this.table('sync_state')} SET
             pending_job_id = NULL, pending_cursor_watermark = NULL, pending_modification_count = NULL,
             pending_storage_id = NULL, pending_column_hash = NULL,
             last_error = $3, last_error_at = now(), updated_at = now()
           WHERE connection_id = $1 AND pending_job_id = $2`,
          [connectionId, jobId, `job ${jobId} ${result.status}${result.error ? `: ${result.error}` : ''}`],
        );
      }
      await tx.query(
        `UPDATE ${this.table('connection_state')} SET in_flight_job_id = NULL, in_flight_origin = NULL, in_flight_since = NULL, updated_at = now()
         WHERE connection_id = $1 AND in_flight_job_id = $2`,
        [connectionId, jobId],
      );
      return synced;
    });
  }

  /**
   * Tables with an unsynced change: last seen now; unsynced since the first sighting, or since
   * `since` when the change may be older than this sighting (seen right after a job, during which
   * nobody looked: the job's start bounds when it arrived).
   */
  async markChangesSeen(connectionId: string, changes: readonly TableChange[], since?: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table('sync_state')} AS s (connection_id, schema_name, table_name, last_change_seen_at, unsynced_since, updated_at)
       SELECT $1, c.schema_name, c.table_name, now(), COALESCE($4::timestamptz, now()), now() FROM unnest($2::text[], $3::text[]) AS c(schema_name, table_name)
       ON CONFLICT (connection_id, schema_name, table_name) DO UPDATE SET
         last_change_seen_at = now(), unsynced_since = COALESCE(s.unsynced_since, $4::timestamptz, now()), updated_at = now()`,
      [connectionId, changes.map((c) => c.schema), changes.map((c) => c.table), since ?? null],
    );
  }

  /** When the connection's last sync that we triggered started (the cost cap counts from it). */
  async lastTriggeredAt(connectionId: string): Promise<Date | undefined> {
    const result = await this.db.query<{ at: Date | null }>(
      `SELECT max(requested_at) AS at FROM ${this.table('job_history')} WHERE connection_id = $1 AND origin = 'triggered'`,
      [connectionId],
    );
    return result.rows[0]?.at ?? undefined;
  }

  async recordWorkspace(connectionId: string, workspaceId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table('connection_state')} (connection_id, workspace_id, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (connection_id) DO UPDATE SET workspace_id = $2
       WHERE ${this.table('connection_state')}.workspace_id IS DISTINCT FROM $2`,
      [connectionId, workspaceId],
    );
  }

  /** Did the last job we triggered for this connection fail or get cancelled? */
  async lastTriggeredJobFailed(connectionId: string): Promise<boolean> {
    const result = await this.db.query<{ status: string | null }>(
      `SELECT status FROM ${this.table('job_history')} WHERE connection_id = $1 AND origin = 'triggered' ORDER BY requested_at DESC, history_id DESC LIMIT 1`,
      [connectionId],
    );
    const status = result.rows[0]?.status;
    return status === 'failed' || status === 'cancelled';
  }

  /** The connection's newest job in the history, with the WAL position of a wal_lag trigger. */
  async lastJob(connectionId: string): Promise<(LastJobRecord & { readonly jobId: number; readonly walLsnAtTrigger: string | null }) | undefined> {
    const result = await this.db.query<{ job_id: string; trigger_reason: string | null; status: string | null; wal_lsn_at_trigger: string | null }>(
      `SELECT job_id, trigger_reason, status, wal_lsn_at_trigger FROM ${this.table('job_history')} WHERE connection_id = $1 ORDER BY requested_at DESC, history_id DESC LIMIT 1`,
      [connectionId],
    );
    const row = result.rows[0];
    return row ? { jobId: Number(row.job_id), triggerReason: row.trigger_reason, status: row.status, walLsnAtTrigger: row.wal_lsn_at_trigger } : undefined;
  }

  async schemaReview(connectionId: string): Promise<SchemaReview | undefined> {
    const result = await this.db.query<{ schema_review_kind: SchemaReviewKind | null; schema_review_reason: string | null; schema_review_since: Date | null }>(
      `SELECT schema_review_kind, schema_review_reason, schema_review_since FROM ${this.table('connection_state')} WHERE connection_id = $1`,
      [connectionId],
    );
    const row = result.rows[0];
    if (!row?.schema_review_kind) return undefined;
    return { kind: row.schema_review_kind, reason: row.schema_review_reason ?? '', since: row.schema_review_since ?? new Date() };
  }

  /** Records (or clears, with undefined) a schema change waiting for a person in Airbyte. */
  async setSchemaReview(connectionId: string, review: { kind: SchemaReviewKind; reason: string } | undefined): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table('connection_state')} AS c (connection_id, schema_review_kind, schema_review_reason, schema_review_since, updated_at)
       VALUES ($1, $2, $3, CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, now())
       ON CONFLICT (connection_id) DO UPDATE SET schema_review_kind = $2, schema_review_reason = $3,
         schema_review_since = CASE WHEN $2::text IS NULL THEN NULL ELSE COALESCE(c.schema_review_since, now()) END, updated_at = now()`,
      [connectionId, review?.kind ?? null, review?.reason ?? null],
    );
  }

  async recordSchemaUpdatesBehavior(connectionId: string, behaviour: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table('connection_state')} (connection_id, schema_updates_behavior, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (connection_id) DO UPDATE SET schema_updates_behavior = $2
       WHERE ${this.table('connection_state')}.schema_updates_behavior IS DISTINCT FROM $2`,
      [connectionId, behaviour],
    );
  }

  async recordTableError(connectionId: string, schema: string, table: string, message: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table('sync_state')} (connection_id, schema_name, table_name, last_error, last_error_at, updated_at)
       VALUES ($1, $2, $3, $4, now(), now())
       ON CONFLICT (connection_id, schema_name, table_name) DO UPDATE SET last_error = $4, last_error_at = now(), updated_at = now()`,
      [connectionId, schema, table, message],
    );
  }

  async status(): Promise<StatusRow[]> {
    const result = await this.db.query<Record<string, unknown>>(
      `SELECT s.connection_id, s.schema_name, s.table_name, s.cursor_watermark, s.column_hash, s.last_synced_at,
              extract(epoch FROM now() - s.last_synced_at)::float8 AS lag_seconds, s.pending_job_id::text AS pending_job_id, s.last_error,
              j.job_id::text AS job_id, j.status, j.origin, j.requested_at, j.ended_at
       FROM ${this.table('sync_state')} s
       LEFT JOIN LATERAL (
         SELECT job_id, status, origin, requested_at, ended_at FROM ${this.table('job_history')} h
         WHERE h.connection_id = s.connection_id ORDER BY requested_at DESC, history_id DESC LIMIT 1
       ) j ON true
       ORDER BY s.connection_id, s.schema_name, s.table_name`,
    );
    const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);
    return result.rows.map((row) => ({
      connectionId: String(row.connection_id),
      schema: String(row.schema_name),
      table: String(row.table_name),
      cursorWatermark: (row.cursor_watermark as string | null) ?? null,
      columnHash: (row.column_hash as string | null) ?? null,
      lastSyncedAt: iso(row.last_synced_at),
      lagSeconds: row.lag_seconds === null ? null : Math.round(Number(row.lag_seconds) * 10) / 10,
      pendingJobId: row.pending_job_id === null ? null : Number(row.pending_job_id),
      lastError: (row.last_error as string | null) ?? null,
      lastJob:
        row.job_id === null
          ? null
          : { jobId: Number(row.job_id), status: (row.status as string | null) ?? null, origin: String(row.origin), requestedAt: iso(row.requested_at) ?? '', endedAt: iso(row.ended_at) },
    }));
  }
}
