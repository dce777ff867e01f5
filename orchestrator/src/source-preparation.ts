// prepare-source / retire-source: make a PostgreSQL source ready for Airbyte CDC (publication,
// pgoutput slot, grants, heartbeat table) idempotently, and undo the WAL-retaining parts.
// Every identifier is quoted; what to change is planned by pure functions first.
import { Queryable, quoteIdentifier } from './source-probe';

/** Written by the Airbyte source's heartbeat_action_query (config/validate.ts default). */
export const HEARTBEAT_SCHEMA = 'airbyte_orchestrator';
export const HEARTBEAT_TABLE = 'heartbeat';

export class SourceNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceNotReadyError';
  }
}

export interface TableName {
  readonly schema: string;
  readonly table: string;
}

const key = (t: TableName): string => `${t.schema}.${t.table}`;
const qualified = (t: TableName): string => `${quoteIdentifier(t.schema)}.${quoteIdentifier(t.table)}`;

/** Pure: which tables to add to / drop from the publication so it covers exactly `desired`. */
export function planPublication(current: readonly TableName[], desired: readonly TableName[]): { add: TableName[]; drop: TableName[] } {
  const have = new Set(current.map(key));
  const want = new Set(desired.map(key));
  return { add: desired.filter((t) => !have.has(key(t))), drop: current.filter((t) => !want.has(key(t))) };
}

export function replicaIdentityFix(table: TableName): string {
  return `ALTER TABLE ${qualified(table)} REPLICA IDENTITY FULL;`;
}

export const WAL_LEVEL_HELP =
  'wal_level must be "logical" for CDC. On RDS set rds.logical_replication = 1 in the instance\'s custom DB parameter group ' +
  '(a static parameter: it applies after a reboot of the instance, `aws rds reboot-db-instance`); elsewhere set wal_level = logical in postgresql.conf and restart PostgreSQL.';

export interface PrepareInput {
  readonly slot: string;
  readonly publication: string;
  readonly airbyteUser: string;
  readonly tables: readonly TableName[];
}

export interface PrepareReport {
  readonly ok: true;
  readonly slot: { readonly name: string; readonly created: boolean };
  readonly publication: { readonly name: string; readonly created: boolean; readonly added: string[]; readonly removed: string[]; readonly tables: string[] };
  /** Statements run to grant the Airbyte user what it needs (empty when nothing was missing). */
  readonly grants: string[];
  readonly heartbeat: string;
  /** Tables Airbyte cannot stream updates/deletes of, with the statement to run. Not changed here. */
  readonly tablesWithoutPrimaryKey: ReadonlyArray<{ readonly table: string; readonly fix: string }>;
}

async function one<T extends Record<string, unknown>>(db: Queryable, sql: string, values: unknown[] = []): Promise<T | undefined> {
  return (await db.query<T>(sql, values)).rows[0];
}

export async function checkWalLevel(db: Queryable): Promise<void> {
  const row = await one<{ wal_level: string }>(db, "SELECT current_setting('wal_level') AS wal_level");
  if (row?.wal_level !== 'logical') throw new SourceNotReadyError(`wal_level is "${row?.wal_level}". ${WAL_LEVEL_HELP}`);
}

export async function prepareSource(db: Queryable, input: PrepareInput): Promise<PrepareReport> {
  if (input.slot.startsWith('rds')) throw new SourceNotReadyError(`slot name "${input.slot}" starts with "rds", which RDS reserves`);
  await checkWalLevel(db);

  const role = await one<{ rolreplication: boolean; rolsuper: boolean }>(db, 'SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = $1', [input.airbyteUser]);
  if (!role) throw new SourceNotReadyError(`role "${input.airbyteUser}" (AIRBYTE_DATABASE_USER) does not exist; create the Airbyte login first`);

  // The watched tables must exist; report every missing one at once.
  const found = await db.query<{ schema: string; table: string; has_pk: boolean; replident: string }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_pk,
            c.relreplident::text AS replident
     FROM unnest($1::text[], $2::text[]) AS w(schema_name, table_name)
     JOIN pg_namespace n ON n.nspname = w.schema_name
     JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name AND c.relkind IN ('r', 'p')`,
    [input.tables.map((t) => t.schema), input.tables.map((t) => t.table)],
  );
  const existing = new Set(found.rows.map((r) => key(r)));
  const missing = input.tables.filter((t) => !existing.has(key(t)));
  if (missing.length > 0) throw new SourceNotReadyError(`watched tables not found in the source database: ${missing.map(key).join(', ')}`);

  const grants: string[] = [];
  const run = async (sql: string): Promise<void> => {
    await db.query(sql);
    grants.push(sql);
  };
  const user = quoteIdentifier(input.airbyteUser);

  // Heartbeat table: Airbyte's heartbeat_action_query upserts it so a quiet database still
  // advances the slot.
  const heartbeat: TableName = { schema: HEARTBEAT_SCHEMA, table: HEARTBEAT_TABLE };
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(HEARTBEAT_SCHEMA)}`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${qualified(heartbeat)} (id integer PRIMARY KEY, beat_at timestamptz NOT NULL DEFAULT now())`);

  // Replication privilege: the rds_replication role on RDS, the REPLICATION attribute elsewhere.
  const rdsRole = await one<{ present: boolean; member: boolean }>(
    db,
    `SELECT true AS present, pg_has_role($1, 'rds_replication', 'MEMBER') AS member FROM pg_roles WHERE rolname = 'rds_replication'`,
    [input.airbyteUser],
  );
  if (rdsRole) {
    if (!rdsRole.member) await run(`GRANT rds_replication TO ${user}`);
  } else if (!role.rolreplication && !role.rolsuper) {
    await run(`ALTER ROLE ${user} REPLICATION`);
  }
  const schemas = [...new Set([...input.tables.map((t) => t.schema), HEARTBEAT_SCHEMA])];
  for (const schema of schemas) {
    const has = await one<{ ok: boolean }>(db, `SELECT has_schema_privilege($1, $2, 'USAGE') AS ok`, [input.airbyteUser, schema]);
    if (!has?.ok) await run(`GRANT USAGE ON SCHEMA ${quoteIdentifier(schema)} TO ${user}`);
  }
  for (const table of input.tables) {
    const has = await one<{ ok: boolean }>(db, `SELECT has_table_privilege($1, $2, 'SELECT') AS ok`, [input.airbyteUser, qualified(table)]);
    if (!has?.ok) await run(`GRANT SELECT ON ${qualified(table)} TO ${user}`);
  }
  const beat = await one<{ ok: boolean }>(db, `SELECT has_table_privilege($1, $2, 'SELECT,INSERT,UPDATE') AS ok`, [input.airbyteUser, qualified(heartbeat)]);
  if (!beat?.ok) await run(`GRANT SELECT, INSERT, UPDATE ON ${qualified(heartbeat)} TO ${user}`);

  // Publication for exactly the watched tables + the heartbeat table. Created before the slot so
  // decoding from the slot's start already sees it.
  const desired = [...input.tables, heartbeat];
  const pub = await one<{ puballtables: boolean }>(db, 'SELECT puballtables FROM pg_publication WHERE pubname = $1', [input.publication]);
  let created = false;
  let plan = { add: desired, drop: [] as TableName[] };
  if (!pub) {
    await db.query(`CREATE PUBLICATION ${quoteIdentifier(input.publication)} FOR TABLE ${desired.map(qualified).join(', ')}`);
    created = true;
  } else {
    if (pub.puballtables) throw new SourceNotReadyError(`publication "${input.publication}" is FOR ALL TABLES; it is not managed by prepare-source (drop it, or use another PUBLICATION)`);
    const current = await db.query<{ schema: string; table: string }>('SELECT schemaname AS schema, tablename AS table FROM pg_publication_tables WHERE pubname = $1', [input.publication]);
    plan = planPublication(current.rows, desired);
    if (plan.add.length > 0) await db.query(`ALTER PUBLICATION ${quoteIdentifier(input.publication)} ADD TABLE ${plan.add.map(qualified).join(', ')}`);
    if (plan.drop.length > 0) await db.query(`ALTER PUBLICATION ${quoteIdentifier(input.publication)} DROP TABLE ${plan.drop.map(qualified).join(', ')}`);
  }

  const slot = await one<{ plugin: string | null; slot_type: string; database: string | null; current: string }>(
    db,
    'SELECT plugin, slot_type, database, current_database() AS current FROM pg_replication_slots WHERE slot_name = $1',
    [input.slot],
  );
  let slotCreated = false;
  if (!slot) {
    await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [input.slot]);
    slotCreated = true;
  } else if (slot.slot_type !== 'logical' || slot.plugin !== 'pgoutput' || slot.database !== slot.current) {
    throw new SourceNotReadyError(
      `slot "${input.slot}" exists but is ${slot.slot_type}/${slot.plugin ?? 'no plugin'} on database ${slot.database ?? '(none)'}; expected a logical pgoutput slot on ${slot.current}. Drop it (retire-source) or choose another REPLICATION_SLOT`,
    );
  }

  const tablesWithoutPrimaryKey = found.rows
    .filter((r) => !r.has_pk && r.replident === 'd')
    .map((r) => ({ table: key(r), fix: replicaIdentityFix(r) }));

  return {
    ok: true,
    slot: { name: input.slot, created: slotCreated },
    publication: { name: input.publication, created, added: created ? [] : plan.add.map(key), removed: plan.drop.map(key), tables: desired.map(key).sort() },
    grants,
    heartbeat: key(heartbeat),
    tablesWithoutPrimaryKey,
  };
}

export interface RetireReport {
  readonly ok: true;
  readonly slot: { readonly name: string; readonly dropped: boolean };
  readonly publication: { readonly name: string; readonly dropped: boolean };
}

export async function retireSource(db: Queryable, input: { slot: string; publication: string }): Promise<RetireReport> {
  const slot = await one<{ active: boolean; active_pid: number | null }>(db, 'SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1', [input.slot]);
  if (slot?.active) {
    throw new SourceNotReadyError(`slot "${input.slot}" is in use (pid ${slot.active_pid}): a sync is reading it. Stop or delete the Airbyte connection first, then rerun`);
  }
  if (slot) await db.query('SELECT pg_drop_replication_slot($1)', [input.slot]);
  const pub = await one<{ present: boolean }>(db, 'SELECT true AS present FROM pg_publication WHERE pubname = $1', [input.publication]);
  if (pub) await db.query(`DROP PUBLICATION IF EXISTS ${quoteIdentifier(input.publication)}`);
  return { ok: true, slot: { name: input.slot, dropped: Boolean(slot) }, publication: { name: input.publication, dropped: Boolean(pub) } };
}
