// The WAL guard: one query per cycle reads the replication slot's state and how much WAL it holds
// back; `assessSlot` (pure) turns that into "sync even without table changes" and alert facts.
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
}

export const SLOT_QUERY = `
SELECT now() AS observed_at,
       s.slot_name IS NOT NULL AS slot_exists,
       s.active,
       s.wal_status,
       (pg_current_wal_lsn() - s.confirmed_flush_lsn)::text AS lag_bytes,
       (pg_current_wal_lsn() - s.restart_lsn)::text AS retained_bytes
FROM (SELECT 1) AS one
LEFT JOIN pg_replication_slots s ON s.slot_name = $1`;

/** One round trip. */
export async function observeSlot(db: Queryable, slotName: string): Promise<SlotObservation> {
  const result = await db.query<{ observed_at: Date; slot_exists: boolean; active: boolean | null; wal_status: string | null; lag_bytes: string | null; retained_bytes: string | null }>(
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
  };
}

export interface SlotAssessment {
  /** Trigger a sync (reason wal_lag) even if no watched table changed. */
  readonly syncForLag: boolean;
  readonly lagOverThreshold: boolean;
  /** wal_status lost or unreserved: the slot lost (or is about to lose) WAL it needs. */
  readonly slotLost: boolean;
  readonly slotMissing: boolean;
}

export function assessSlot(observation: SlotObservation, thresholdBytes: number): SlotAssessment {
  if (!observation.exists) return { syncForLag: false, lagOverThreshold: false, slotLost: false, slotMissing: true };
  const slotLost = observation.walStatus === 'lost' || observation.walStatus === 'unreserved';
  const lagOverThreshold = observation.lagBytes !== null && observation.lagBytes > thresholdBytes;
  // A lost slot cannot be caught up by syncing; only a reset helps, so no sync is forced for it.
  return { syncForLag: lagOverThreshold && observation.walStatus !== 'lost', lagOverThreshold, slotLost, slotMissing: false };
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
