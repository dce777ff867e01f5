// Observes the watched tables in the source database with a constant number of round trips:
//   1. one catalog query: existence, column fingerprint, cursor column + index, change counters
//   2. one statement computing every max(cursor) (each an index-only "last row" lookup)
// whatever the number of tables. Names travel as bind parameters in (1) and as quoted
// identifiers in (2); nothing is spliced unquoted.

export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export interface WatchedTable {
  readonly schema: string;
  readonly table: string;
  readonly cursorColumn: string;
}

export interface TableObservation extends WatchedTable {
  readonly exists: boolean;
  readonly hasCursorColumn: boolean;
  /** Whether an index leads with the cursor column (otherwise max() scans the table). */
  readonly cursorIndexed: boolean;
  /** max(cursor) as text; null when the table is empty or has no cursor column. */
  readonly cursor: string | null;
  /**
   * Rows inserted + updated + deleted since the statistics were last reset (pg_stat_* counters).
   * Catches what the cursor cannot show: deletes, rows written with an old cursor value.
   */
  readonly modificationCount: string | null;
  /** The table's storage file; changes on TRUNCATE, which the counters above do not count. */
  readonly storageId: string | null;
  /** md5 of the ordered column names and types. */
  readonly columnHash: string | null;
}

export function quoteIdentifier(name: string): string {
  if (name.includes('\0')) throw new Error(`identifier contains a NUL character: ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualifiedName(table: { schema: string; table: string }): string {
  return `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.table)}`;
}

const CATALOG_QUERY = `
WITH wanted AS (
  SELECT w.ord, w.schema_name, w.table_name, w.cursor_column
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(schema_name, table_name, cursor_column, ord)
)
SELECT
  w.ord::int AS ord,
  c.oid IS NOT NULL AS exists,
  cur.attnum IS NOT NULL AS has_cursor,
  COALESCE((
    SELECT bool_or(i.indkey[0] = cur.attnum)
    FROM pg_catalog.pg_index i
    WHERE i.indrelid = c.oid AND i.indisvalid AND i.indpred IS NULL
  ), false) AS cursor_indexed,
  (pg_catalog.pg_stat_get_tuples_inserted(c.oid)
   + pg_catalog.pg_stat_get_tuples_updated(c.oid)
   + pg_catalog.pg_stat_get_tuples_deleted(c.oid))::text AS modification_count,
  pg_catalog.pg_relation_filenode(c.oid)::text AS storage_id,
  pg_catalog.pg_current_wal_lsn()::text AS wal_lsn,
  (
    SELECT md5(string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum))
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  ) AS column_hash
FROM wanted w
LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema_name
LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
LEFT JOIN pg_catalog.pg_attribute cur ON cur.attrelid = c.oid AND cur.attname = w.cursor_column AND cur.attnum > 0 AND NOT cur.attisdropped
ORDER BY w.ord`;

interface CatalogRow extends Record<string, unknown> {
  ord: number;
  exists: boolean;
  has_cursor: boolean;
  cursor_indexed: boolean;
  modification_count: string | null;
  storage_id: string | null;
  wal_lsn: string;
  column_hash: string | null;
}

/**
 * One statement returning max(cursor)::text for each given table. Each table's query runs on its
 * own through query_to_xml (built in, needs no objects on the source), so planning stays per table
 * and buffers are released table by table; a UNION ALL of thousands of branches instead plans as
 * one giant query (measured: minutes and gigabytes at 5,000 tables). Identifiers are quoted by
 * format('%I'), never spliced.
 */
export const MAX_CURSOR_QUERY = `
SELECT w.i::int AS i,
       (xpath('/row/m/text()', query_to_xml(
          format('SELECT max(%I)::text AS m FROM %I.%I', w.cursor_column, w.schema_name, w.table_name), false, true, '')))[1]::text AS m
FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS w(i, schema_name, table_name, cursor_column)`;

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_match, entity: string) => {
    if (entity[0] === '#') return String.fromCodePoint(entity[1].toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    return XML_ENTITIES[entity.toLowerCase()];
  });
}

async function queryMaxCursors(db: Queryable, tables: ReadonlyArray<{ index: number; table: WatchedTable }>): Promise<Map<number, string | null>> {
  const cursors = new Map<number, string | null>();
  if (tables.length === 0) return cursors;
  const result = await db.query<{ i: number; m: string | null }>(MAX_CURSOR_QUERY, [
    tables.map((t) => t.index),
    tables.map((t) => t.table.schema),
    tables.map((t) => t.table.table),
    tables.map((t) => t.table.cursorColumn),
  ]);
  for (const row of result.rows) cursors.set(Number(row.i), row.m === null ? null : decodeXmlText(row.m));
  return cursors;
}

interface CatalogEntry {
  readonly exists: boolean;
  readonly hasCursor: boolean;
  readonly cursorIndexed: boolean;
  readonly modificationCount: string | null;
  readonly storageId: string | null;
  readonly columnHash: string | null;
}

interface Catalog {
  readonly entries: CatalogEntry[];
  /** The server's WAL write position when the catalog was read (same for every row). */
  readonly walLsn: string | null;
}

async function readCatalog(db: Queryable, tables: readonly WatchedTable[]): Promise<Catalog> {
  const catalog = await db.query<CatalogRow>(CATALOG_QUERY, [tables.map((t) => t.schema), tables.map((t) => t.table), tables.map((t) => t.cursorColumn)]);
  const byOrd = new Map<number, CatalogRow>();
  for (const row of catalog.rows) byOrd.set(Number(row.ord), row);
  const walLsn = catalog.rows.length > 0 ? String(catalog.rows[0].wal_lsn) : null;
  const entries = tables.map((_table, index) => {
    const row = byOrd.get(index + 1);
    const exists = Boolean(row?.exists);
    return {
      exists,
      hasCursor: exists && Boolean(row?.has_cursor),
      cursorIndexed: exists && Boolean(row?.cursor_indexed),
      modificationCount: exists ? row?.modification_count ?? null : null,
      storageId: exists ? row?.storage_id ?? null : null,
      columnHash: exists ? row?.column_hash ?? null : null,
    };
  });
  return { entries, walLsn };
}

function toObservation(table: WatchedTable, entry: CatalogEntry, cursor: string | null): TableObservation {
  return {
    ...table,
    exists: entry.exists,
    hasCursorColumn: entry.hasCursor,
    cursorIndexed: entry.cursorIndexed,
    cursor: entry.hasCursor ? cursor : null,
    modificationCount: entry.modificationCount,
    storageId: entry.storageId,
    columnHash: entry.columnHash,
  };
}

/** Full observation: the catalog query, then max(cursor) of every table, in two round trips. */
export async function probeTables(db: Queryable, tables: readonly WatchedTable[]): Promise<TableObservation[]> {
  if (tables.length === 0) return [];
  const { entries } = await readCatalog(db, tables);
  const wanted = tables.map((table, index) => ({ index, table })).filter(({ index }) => entries[index].hasCursor);
  const cursors = await queryMaxCursors(db, wanted);
  return tables.map((table, index) => toObservation(table, entries[index], cursors.get(index) ?? null));
}

export interface SourceProbeOptions {
  /** Every table's max(cursor) is re-read at least this often, whatever the counters say. */
  readonly fullSweepMs: number;
  readonly now?: () => number;
}

/**
 * The probe a long-running orchestrator uses. The catalog query (one round trip, cheap) runs every
 * cycle; max(cursor) (one more round trip, costs a plan + index probe per table) is re-read only
 * when something may have changed:
 * - the server's WAL position moved since the table's cursor was last read (any commit moves it,
 *   at once), so a new or updated row is seen on the next cycle without waiting for statistics;
 * - the table's change counters, storage or columns moved (the counters are published late, up to
 *   PGSTAT_IDLE_INTERVAL = 10 s, but cannot miss a committed change: they are the safety net);
 * - a full sweep every `fullSweepMs`.
 * On an idle server the cycle is the catalog query alone. `settle()` marks the orchestrator's own
 * writes (state in the same cluster) as seen, so they do not force a sweep on their own.
 */
export class SourceProbe {
  private readonly memory = new Map<
    string,
    { readonly modificationCount: string | null; readonly storageId: string | null; readonly columnHash: string | null; readonly cursor: string | null; readonly at: number; walLsn: string | null }
  >();
  private readonly now: () => number;

  constructor(
    private readonly db: Queryable,
    private readonly options: SourceProbeOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async observe(tables: readonly WatchedTable[]): Promise<TableObservation[]> {
    if (tables.length === 0) return [];
    const { entries: catalog, walLsn } = await readCatalog(this.db, tables);
    const now = this.now();
    const keyOf = (table: WatchedTable): string => JSON.stringify([table.schema, table.table, table.cursorColumn]);
    const wanted = tables
      .map((table, index) => ({ index, table }))
      .filter(({ index, table }) => {
        const entry = catalog[index];
        if (!entry.hasCursor) return false;
        const remembered = this.memory.get(keyOf(table));
        return (
          !remembered ||
          now - remembered.at >= this.options.fullSweepMs ||
          walLsn === null ||
          remembered.walLsn !== walLsn ||
          remembered.modificationCount !== entry.modificationCount ||
          remembered.storageId !== entry.storageId ||
          remembered.columnHash !== entry.columnHash
        );
      });
    const cursors = await queryMaxCursors(this.db, wanted);
    return tables.map((table, index) => {
      const key = keyOf(table);
      const entry = catalog[index];
      const fresh = cursors.has(index);
      const cursor = fresh ? cursors.get(index) ?? null : this.memory.get(key)?.cursor ?? null;
      if (fresh) this.memory.set(key, { modificationCount: entry.modificationCount, storageId: entry.storageId, columnHash: entry.columnHash, cursor, at: now, walLsn });
      return toObservation(table, entry, cursor);
    });
  }

  /**
   * Declares the WAL written since the last observation as the orchestrator's own (state writes),
   * one round trip. A source commit that lands in the same instant is then found by its change
   * counters instead (a few seconds later), never lost.
   */
  async settle(): Promise<void> {
    if (this.memory.size === 0) return;
    const result = await this.db.query<{ lsn: string }>('SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn');
    const lsn = result.rows[0]?.lsn ?? null;
    for (const entry of this.memory.values()) entry.walLsn = lsn;
  }

  /** Forgets what was seen, so the next observation re-reads every cursor. */
  reset(): void {
    this.memory.clear();
  }
}

/** The statement an operator should run so max(cursor) stops scanning the table. */
export function suggestedCursorIndex(table: WatchedTable): string {
  const indexName = `${table.table}_${table.cursorColumn}_idx`.slice(0, 63);
  return `CREATE INDEX CONCURRENTLY ${quoteIdentifier(indexName)} ON ${qualifiedName(table)} (${quoteIdentifier(table.cursorColumn)});`;
}
