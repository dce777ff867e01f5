// The WAL guard: one query per cycle reads the replication slot's state and how much WAL it holds
// back; `assessSlot` (pure) turns that into alert facts and, through decision.ts slotAsksForSync,
// "sync even without table changes".
import { slotAsksForSync } from '../core/decision';
import { Queryable } from './source-probe';

export interface SlotObservation {
  readonly slotName: string;
  readonly observedAt: Date;
  readonly exists: boolean;
  readonly active: boolean | null;
  /** reserved | extended | unreserved | lost (PostgreSQL 13+). */
  readonly walStatus: string | null;
  /** pg_current_wal_lsn() - confirmed_flush_lsn: WAL written that the consumer has not confirmed. */
  readonly lagBytes: number | null;
  /** pg_current_wal_lsn() - restart_lsn: WAL the server keeps on disk for this slot. */
  readonly retainedBytes: number | null;
  /**
   * safe_wal_size: WAL that can still be written before this slot is invalidated (measured from
   * restart_lsn against max_slot_wal_keep_size); null when unlimited. Optional for older callers.
   */
  readonly safeWalBytes?: number | null;
}

export const SLOT_QUERY = `
SELECT now() AS observed_at,
       s.slot_name IS NOT NULL AS slot_exists,
       s.active,
       s.wal_status,
       (pg_current_wal_lsn() - s.confirmed_flush_lsn)::text AS lag_bytes,
       (pg_current_wal_lsn() - s.restart_lsn)::text AS retained_bytes,
       s.safe_wal_size::text AS safe_wal_size
FROM (SELECT 1) AS one
LEFT JOIN pg_replication_slots s ON s.slot_name = $1`;

/** One round trip. */
export async function observeSlot(db: Queryable, slotName: string): Promise<SlotObservation> {
  const result = await db.query<{ observed_at: Date; slot_exists: boolean; active: boolean | null; wal_status: string | null; lag_bytes: string | null; retained_bytes: string | null; safe_wal_size: string | null }>(
    SLOT_QUERY,
    [slotName],
  );
  const row = result.rows[0];
  const bytes = (value: string | null): number | null => (value === null ? null : Math.max(0, Math.round(Number(value))));
  return {
    slotName,
    observedAt: row.observed_at,
    exists: row.slot_exists,
    active: row.active,
    walStatus: row.wal_status,
    lagBytes: bytes(row.lag_bytes),
    retainedBytes: bytes(row.retained_bytes),
    // Negative once the slot is past the limit (unreserved): kept as is, it is how far past.
    safeWalBytes: row.safe_wal_size === null ? null : Math.round(Number(row.safe_wal_size)),
  };
}

export interface SlotAssessment {
  /** Trigger a sync (reason wal_lag) even if no watched table changed. */
  readonly syncForLag: boolean;
  /** Lag from confirmed_flush_lsn over the threshold. */
  readonly lagOverThreshold: boolean;
  /**
   * wal_status unreserved, or safe_wal_size under the threshold (and under a quarter of the WAL
   * retained, i.e. over 80% of max_slot_wal_keep_size used): the slot is about to be
   * invalidated, but can still recover if Airbyte consumes now (sync now).
   */
  readonly slotAtRisk: boolean;
  /** wal_status lost: the WAL it needs is gone; only recreating the slot and resetting the connection helps. */
  readonly slotLost: boolean;
  readonly slotMissing: boolean;
}

export function assessSlot(observation: SlotObservation, thresholdBytes: number): SlotAssessment {
  if (!observation.exists) return { syncForLag: false, lagOverThreshold: false, slotAtRisk: false, slotLost: false, slotMissing: true };
  const slotLost = observation.walStatus === 'lost';
  const safe = observation.safeWalBytes ?? null;
  // Less than a threshold's worth of WAL left before invalidation, with most of the allowance
  // (max_slot_wal_keep_size) used: a small allowance alone does not make a fresh slot "at risk".
  const retained = observation.retainedBytes ?? 0;
  const slotAtRisk = !slotLost && (observation.walStatus === 'unreserved' || (safe !== null && safe < Math.min(thresholdBytes, retained / 4)));
  const lagOverThreshold = observation.lagBytes !== null && observation.lagBytes > thresholdBytes;
  return { syncForLag: slotAsksForSync({ lagOverThreshold, slotAtRisk, slotLost }), lagOverThreshold, slotAtRisk, slotLost, slotMissing: false };
}

/**
 * Watched tables that should be in the publication but are not (e.g. dropped and recreated by the
 * application, which silently removes them from it). Tables without a primary key and with
 * default/nothing replica identity are left out by prepare-source on purpose and are not listed;
 * a partition counts as published when its root is. One round trip.
 */
export const PUBLICATION_DRIFT_QUERY = `
SELECT n.nspname || '.' || c.relname AS name
FROM unnest($2::text[], $3::text[]) AS w(schema_name, table_name)
JOIN pg_namespace n ON n.nspname = w.schema_name
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name AND c.relkind IN ('r', 'p')
WHERE (c.relreplident IN ('f', 'i') OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')))
  AND NOT EXISTS (
    SELECT 1 FROM pg_publication p
    WHERE p.pubname = $1
      AND (p.puballtables
           OR EXISTS (SELECT 1 FROM pg_publication_namespace pn WHERE pn.pnpubid = p.oid AND pn.pnnspid = n.oid)
           OR EXISTS (SELECT 1 FROM pg_publication_rel pr WHERE pr.prpubid = p.oid AND (pr.prrelid = c.oid OR pr.prrelid IN (SELECT relid FROM pg_partition_ancestors(c.oid))))))
ORDER BY 1`;

export async function tablesMissingFromPublication(db: Queryable, publication: string, tables: ReadonlyArray<{ schema: string; table: string }>): Promise<string[]> {
  if (tables.length === 0) return [];
  const result = await db.query<{ name: string }>(PUBLICATION_DRIFT_QUERY, [publication, tables.map((t) => t.schema), tables.map((t) => t.table)]);
  return result.rows.map((row) => row.name);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : Number(value.toFixed(value >= 100 ? 0 : 1))} ${units[unit]}`;
}
