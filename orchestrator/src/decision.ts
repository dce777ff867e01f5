// What to do for one connection in one cycle: a pure function of what the probe observed and what
// the state store says was last synced. No I/O here, so every rule is unit-tested directly.
import { TableObservation, WatchedTable } from './source-probe';

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
