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
  column_hash: string | null;
}

/** One statement returning max(cursor)::text for each given table, tagged with its position. */
export function buildMaxCursorQuery(tables: ReadonlyArray<{ index: number; table: WatchedTable }>): string {
  return tables
    .map(({ index, table }) => `SELECT ${index}::int AS i, (SELECT max(${quoteIdentifier(table.cursorColumn)}) FROM ${qualifiedName(table)})::text AS m`)
    .join('\nUNION ALL\n');
}

export async function probeTables(db: Queryable, tables: readonly WatchedTable[]): Promise<TableObservation[]> {
  if (tables.length === 0) return [];
  const catalog = await db.query<CatalogRow>(CATALOG_QUERY, [tables.map((t) => t.schema), tables.map((t) => t.table), tables.map((t) => t.cursorColumn)]);
  const byOrd = new Map<number, CatalogRow>();
  for (const row of catalog.rows) byOrd.set(Number(row.ord), row);

  const withCursor: Array<{ index: number; table: WatchedTable }> = [];
  tables.forEach((table, index) => {
    const row = byOrd.get(index + 1);
    if (row?.exists && row.has_cursor) withCursor.push({ index, table });
  });
  const cursors = new Map<number, string | null>();
  if (withCursor.length > 0) {
    const result = await db.query<{ i: number; m: string | null }>(buildMaxCursorQuery(withCursor));
    for (const row of result.rows) cursors.set(Number(row.i), row.m);
  }

  return tables.map((table, index) => {
    const row = byOrd.get(index + 1);
    const exists = Boolean(row?.exists);
    return {
      ...table,
      exists,
      hasCursorColumn: exists && Boolean(row?.has_cursor),
      cursorIndexed: exists && Boolean(row?.cursor_indexed),
      cursor: cursors.get(index) ?? null,
      modificationCount: exists ? row?.modification_count ?? null : null,
      storageId: exists ? row?.storage_id ?? null : null,
      columnHash: exists ? row?.column_hash ?? null : null,
    };
  });
}

/** The statement an operator should run so max(cursor) stops scanning the table. */
export function suggestedCursorIndex(table: WatchedTable): string {
  const indexName = `${table.table}_${table.cursorColumn}_idx`.slice(0, 63);
  return `CREATE INDEX CONCURRENTLY ${quoteIdentifier(indexName)} ON ${qualifiedName(table)} (${quoteIdentifier(table.cursorColumn)});`;
}
