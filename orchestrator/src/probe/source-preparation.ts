// prepare-source / retire-source: make a PostgreSQL source ready for Airbyte CDC (replication login,
// grants, heartbeat table, publication, pgoutput slot) and undo the WAL-retaining parts.
//
// Written for the RDS master user, which is not a superuser: it bypasses no ownership check, so
// everything it cannot do is found by a read-only pre-check first (exit 2 with the statements that
// would let it proceed, nothing changed). The changes then run in ONE transaction under
// lock_timeout/statement_timeout, so a failure rolls all of them back. Only the slot is created
// after the commit: PostgreSQL refuses pg_create_logical_replication_slot in a transaction that
// has written, and a slot is not transactional anyway (it survives a rollback).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';
import { HEARTBEAT_PRIVILEGES, HEARTBEAT_SCHEMA, HEARTBEAT_TABLE, HEARTBEAT_TABLE_DDL } from './heartbeat';
import { Queryable, quoteIdentifier } from './source-probe';

export { HEARTBEAT_SCHEMA, HEARTBEAT_TABLE } from './heartbeat';

/** Needs a person (exit 2). `statements` are what that person can run to let preparation proceed. */
export class SourceNotReadyError extends Error {
  constructor(
    message: string,
    readonly statements: readonly string[] = [],
  ) {
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
const HEARTBEAT: TableName = { schema: HEARTBEAT_SCHEMA, table: HEARTBEAT_TABLE };

/** Pure: which tables to add to / drop from the publication so it covers exactly `desired`. */
export function planPublication(current: readonly TableName[], desired: readonly TableName[]): { add: TableName[]; drop: TableName[] } {
  const have = new Set(current.map(key));
  const want = new Set(desired.map(key));
  return { add: desired.filter((t) => !have.has(key(t))), drop: current.filter((t) => !want.has(key(t))) };
}

export function replicaIdentityFix(table: TableName): string {
  return `ALTER TABLE ${qualified(table)} REPLICA IDENTITY FULL;`;
}

/** Pure: `GRANT "owner" TO "admin";` — what lets the admin act for a role it is not a member of. */
export function grantRoleStatement(owner: string, admin: string): string {
  return `GRANT ${quoteIdentifier(owner)} TO ${quoteIdentifier(admin)};`;
}

/**
 * A SCRAM-SHA-256 verifier in PostgreSQL's stored format (RFC 5802/7677 as PostgreSQL's
 * src/common/scram-common.c builds it): the server keeps only this, and a CREATE ROLE that carries
 * it never puts the password itself on the wire or into the server log.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  // PostgreSQL SASLpreps the password (src/common/saslprep.c); for ASCII that is the identity, and
  // NFKC is the part of it that matters for ordinary non-ASCII text.
  // eslint-disable-next-line no-control-regex
  const prepared = /^[\x00-\x7f]*$/.test(password) ? password : password.normalize('NFKC');
  const salted = pbkdf2Sync(prepared, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

export const WAL_LEVEL_HELP =
  'wal_level must be "logical" for CDC. On RDS set rds.logical_replication = 1 in the instance\'s custom DB parameter group ' +
  '(a static parameter: it applies after a reboot of the instance, `aws rds reboot-db-instance`); elsewhere set wal_level = logical in postgresql.conf and restart PostgreSQL.';

export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 120_000;

export interface PrepareInput {
  readonly slot: string;
  readonly publication: string;
  readonly airbyteUser: string;
  readonly tables: readonly TableName[];
  /** Creates the login when it is missing (sent as a SCRAM verifier). Never logged or reported. */
  readonly replicationPassword?: string;
  /** SQL run as the admin inside the transaction before the checks (ephemeral environments). */
  readonly seedSql?: string;
  /** Drop and recreate a slot whose wal_status is `lost` (Airbyte must then resync). */
  readonly recreateLostSlot?: boolean;
  /** The orchestrator's state schema when it lives in this database, and the login that migrates it. */
  readonly stateSchema?: { readonly schema: string; readonly login: string };
  readonly lockTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
}

export interface FullRefreshOnlyTable {
  readonly table: string;
  /** Run by the table's owner; the next prepare-source then publishes the table. */
  readonly fix: string;
  readonly reason: string;
}

export interface PrepareReport {
  readonly ok: true;
  /** The login preparation ran as. */
  readonly admin: string;
  readonly login: { readonly name: string; readonly created: boolean; readonly replication: string };
  readonly slot: { readonly name: string; readonly created: boolean; readonly recreated: boolean };
  readonly publication: {
    readonly name: string;
    readonly created: boolean;
    readonly added: string[];
    readonly removed: string[];
    readonly tables: string[];
    readonly publishViaPartitionRoot: true;
  };
  /** Privilege statements run (empty when nothing was missing). */
  readonly grants: string[];
  /** Roles the admin acted as (SET ROLE) for steps only the owner may take. */
  readonly actedAs: string[];
  readonly heartbeat: string;
  readonly stateSchema?: { readonly name: string; readonly login: string; readonly created: boolean };
  /**
   * Watched tables without a primary key whose replica identity is default/nothing: publishing them
   * would make the application's own UPDATE/DELETE fail, so they stay out of the publication and
   * Airbyte can only full-refresh them.
   */
  readonly tablesWithoutPrimaryKey: FullRefreshOnlyTable[];
}

async function one<T extends Record<string, unknown>>(db: Queryable, sql: string, values: unknown[] = []): Promise<T | undefined> {
  return (await db.query<T>(sql, values)).rows[0];
}

export async function checkWalLevel(db: Queryable): Promise<void> {
  const row = await one<{ wal_level: string }>(db, "SELECT current_setting('wal_level') AS wal_level");
  if (row?.wal_level !== 'logical') throw new SourceNotReadyError(`wal_level is "${row?.wal_level}". ${WAL_LEVEL_HELP}`);
}

/** Session-level, so they also bound the slot creation after the commit (it waits for running transactions). */
async function setTimeouts(db: Queryable, options: { lockTimeoutMs?: number; statementTimeoutMs?: number }): Promise<void> {
  await db.query("SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)", [
    `${options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS}ms`,
    `${options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS}ms`,
  ]);
}

interface AdminFacts {
  me: string;
  database: string;
  super: boolean;
  createrole: boolean;
  replication: boolean;
  canCreateInDatabase: boolean;
  rdsReplication: boolean;
  memberOfRdsReplication: boolean;
}

interface LoginFacts {
  exists: boolean;
  replication: boolean;
  super: boolean;
  memberOfRdsReplication: boolean;
}

interface TableFacts extends TableName {
  kind: 'r' | 'p';
  owner: string;
  canActForOwner: boolean;
  schemaOwner: string;
  canActForSchemaOwner: boolean;
  hasPk: boolean;
  replident: string;
  loginSelect: boolean;
  loginSchemaUsage: boolean;
  defaultPrivilege: boolean;
}

interface SchemaFacts {
  exists: boolean;
  owner: string | null;
  canActForOwner: boolean;
  usage: boolean;
  create: boolean;
}

interface Plan {
  admin: AdminFacts;
  login: LoginFacts;
  tables: TableFacts[];
  heartbeat: SchemaFacts & { tableExists: boolean };
  stateSchema?: SchemaFacts;
  publication?: { viaRoot: boolean; members: TableName[] };
  slot: { exists: boolean; lost: boolean };
}

/** Collects every blocker so one run names them all. */
class Blockers {
  readonly reasons: string[] = [];
  readonly statements: string[] = [];
  add(reason: string, statement?: string): void {
    this.reasons.push(reason);
    if (statement && !this.statements.includes(statement)) this.statements.push(statement);
  }
  throwIfAny(admin: string): void {
    if (this.reasons.length === 0) return;
    const run = this.statements.length > 0 ? ` Nothing was changed. To let prepare-source proceed, run (as a role allowed to): ${this.statements.join(' ')} then rerun prepare-source.` : ' Nothing was changed.';
    throw new SourceNotReadyError(`prepare-source cannot proceed as "${admin}": ${this.reasons.join('; ')}.${run}`, this.statements);
  }
}

async function schemaFacts(db: Queryable, schema: string, login: string): Promise<SchemaFacts> {
  const row = await one<{ owner: string; can_act: boolean; usage: boolean; create: boolean }>(
    db,
    `SELECT pg_get_userbyid(n.nspowner) AS owner, pg_has_role(current_user, n.nspowner, 'USAGE') AS can_act,
            (SELECT has_schema_privilege(r.oid, n.oid, 'USAGE') FROM pg_roles r WHERE r.rolname = $2) AS usage,
            (SELECT has_schema_privilege(r.oid, n.oid, 'CREATE') FROM pg_roles r WHERE r.rolname = $2) AS create
     FROM pg_namespace n WHERE n.nspname = $1`,
    [schema, login],
  );
  if (!row) return { exists: false, owner: null, canActForOwner: true, usage: false, create: false };
  return { exists: true, owner: row.owner, canActForOwner: row.can_act, usage: Boolean(row.usage), create: Boolean(row.create) };
}

/** Read-only: everything preparation needs to know, and every reason it cannot proceed. */
async function inspect(db: Queryable, input: PrepareInput): Promise<Plan> {
  await checkWalLevel(db);
  const adminRow = await one<{
    me: string;
    database: string;
    rolsuper: boolean;
    rolcreaterole: boolean;
    rolreplication: boolean;
    can_create: boolean;
    rds: boolean;
    rds_member: boolean | null;
  }>(
    db,
    `SELECT current_user AS me, current_database() AS database, r.rolsuper, r.rolcreaterole, r.rolreplication,
            has_database_privilege(current_user, current_database(), 'CREATE') AS can_create,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_replication') AS rds,
            (SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = 'rds_replication') AS rds_member
     FROM pg_roles r WHERE r.rolname = current_user`,
  );
  if (!adminRow) throw new Error('cannot read the current role from pg_roles');
  const admin: AdminFacts = {
    me: adminRow.me,
    database: adminRow.database,
    super: adminRow.rolsuper,
    createrole: adminRow.rolcreaterole,
    replication: adminRow.rolreplication,
    canCreateInDatabase: adminRow.can_create,
    rdsReplication: adminRow.rds,
    memberOfRdsReplication: Boolean(adminRow.rds_member),
  };
  if (input.airbyteUser === admin.me) {
    throw new SourceNotReadyError(
      `AIRBYTE_DATABASE_USER "${input.airbyteUser}" is the admin login prepare-source runs as; Airbyte must read with its own replication login (set AIRBYTE_DATABASE_USER to another name)`,
    );
  }
  const blockers = new Blockers();
  const me = quoteIdentifier(admin.me);
  const user = quoteIdentifier(input.airbyteUser);

  const loginRow = await one<{ rolreplication: boolean; rolsuper: boolean; rds_member: boolean | null }>(
    db,
    `SELECT rolreplication, rolsuper, (SELECT pg_has_role(l.oid, r.oid, 'MEMBER') FROM pg_roles r WHERE r.rolname = 'rds_replication') AS rds_member
     FROM pg_roles l WHERE l.rolname = $1`,
    [input.airbyteUser],
  );
  const login: LoginFacts = {
    exists: Boolean(loginRow),
    replication: Boolean(loginRow?.rolreplication),
    super: Boolean(loginRow?.rolsuper),
    memberOfRdsReplication: Boolean(loginRow?.rds_member),
  };
  if (!login.exists) {
    if (input.replicationPassword === undefined) {
      throw new SourceNotReadyError(
        `role "${input.airbyteUser}" (AIRBYTE_DATABASE_USER) does not exist; set SOURCE_REPLICATION_PASSWORD (its secret) so prepare-source creates it, or create the login first`,
      );
    }
    if (!admin.createrole && !admin.super) blockers.add(`it lacks CREATEROLE, needed to create the login "${input.airbyteUser}"`);
  }
  // On RDS replication is a membership (rds_replication), never the REPLICATION attribute, which
  // RDS refuses to its master user. Vanilla PostgreSQL only knows the attribute, and only a
  // superuser may give it.
  if (admin.rdsReplication) {
    if (!login.memberOfRdsReplication && !admin.createrole && !admin.super) blockers.add(`it cannot grant rds_replication to "${input.airbyteUser}"`, `GRANT rds_replication TO ${user};`);
  } else if (!login.replication && !login.super && !admin.super) {
    blockers.add(
      `"${input.airbyteUser}" needs the REPLICATION attribute, which only a superuser can give on PostgreSQL without an rds_replication role`,
      login.exists ? `ALTER ROLE ${user} REPLICATION;` : undefined,
    );
  }
  const canUseSlots = admin.super || admin.replication || (admin.rdsReplication && admin.memberOfRdsReplication);
  if (!canUseSlots) {
    blockers.add(
      'it may not create replication slots',
      admin.rdsReplication ? `GRANT rds_replication TO ${me};` : `ALTER ROLE ${me} REPLICATION;`,
    );
  }

  // Watched tables: existence, owners, and what the login lacks.
  const found = await db.query<{
    schema: string;
    table: string;
    kind: 'r' | 'p';
    owner: string;
    can_act: boolean;
    schema_owner: string;
    can_act_schema: boolean;
    has_pk: boolean;
    replident: string;
    login_select: boolean | null;
    login_usage: boolean | null;
    default_privilege: boolean;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.relkind::text AS kind,
            pg_get_userbyid(c.relowner) AS owner, pg_has_role(current_user, c.relowner, 'USAGE') AS can_act,
            pg_get_userbyid(n.nspowner) AS schema_owner, pg_has_role(current_user, n.nspowner, 'USAGE') AS can_act_schema,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_pk,
            c.relreplident::text AS replident,
            (SELECT has_table_privilege(l.oid, c.oid, 'SELECT') FROM pg_roles l WHERE l.rolname = $3) AS login_select,
            (SELECT has_schema_privilege(l.oid, n.oid, 'USAGE') FROM pg_roles l WHERE l.rolname = $3) AS login_usage,
            EXISTS (SELECT 1 FROM pg_default_acl d, aclexplode(d.defaclacl) a, pg_roles l
                    WHERE d.defaclrole = c.relowner AND d.defaclnamespace = n.oid AND d.defaclobjtype = 'r'
                      AND l.rolname = $3 AND a.grantee = l.oid AND a.privilege_type = 'SELECT') AS default_privilege
     FROM unnest($1::text[], $2::text[]) AS w(schema_name, table_name)
     JOIN pg_namespace n ON n.nspname = w.schema_name
     JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name AND c.relkind IN ('r', 'p')`,
    [input.tables.map((t) => t.schema), input.tables.map((t) => t.table), input.airbyteUser],
  );
  const existing = new Set(found.rows.map((r) => key(r)));
  const missing = input.tables.filter((t) => !existing.has(key(t)));
  if (missing.length > 0) throw new SourceNotReadyError(`watched tables not found in the source database: ${missing.map(key).join(', ')}`);
  const tables: TableFacts[] = found.rows.map((r) => ({
    schema: r.schema,
    table: r.table,
    kind: r.kind,
    owner: r.owner,
    canActForOwner: r.can_act,
    schemaOwner: r.schema_owner,
    canActForSchemaOwner: r.can_act_schema,
    hasPk: r.has_pk,
    replident: r.replident,
    loginSelect: Boolean(r.login_select),
    loginSchemaUsage: Boolean(r.login_usage),
    defaultPrivilege: r.default_privilege,
  }));

  // Ownership: publishing a table needs its ownership (rds_superuser bypasses none), and so do the
  // grants and default privileges. Membership in the owner role is enough; name every owner once.
  const blockedOwners = new Map<string, Set<string>>();
  const blockOn = (owner: string, what: string): void => {
    const set = blockedOwners.get(owner) ?? new Set<string>();
    set.add(what);
    blockedOwners.set(owner, set);
  };
  for (const t of tables) {
    if (!t.canActForOwner) blockOn(t.owner, `table ${key(t)}`);
    if (!t.loginSchemaUsage && !t.canActForSchemaOwner) blockOn(t.schemaOwner, `schema ${t.schema}`);
  }

  const heartbeatSchema = await schemaFacts(db, HEARTBEAT_SCHEMA, input.airbyteUser);
  if (heartbeatSchema.exists && !heartbeatSchema.canActForOwner) blockOn(heartbeatSchema.owner as string, `schema ${HEARTBEAT_SCHEMA}`);
  const heartbeatTable = await one<{ present: boolean }>(db, 'SELECT to_regclass($1) IS NOT NULL AS present', [qualified(HEARTBEAT)]);

  let stateSchema: SchemaFacts | undefined;
  if (input.stateSchema && input.stateSchema.login !== admin.me) {
    if (input.stateSchema.schema === HEARTBEAT_SCHEMA) {
      throw new SourceNotReadyError(`STATE_SCHEMA "${HEARTBEAT_SCHEMA}" is the heartbeat schema, which prepare-source owns; choose another state schema`);
    }
    stateSchema = await schemaFacts(db, input.stateSchema.schema, input.stateSchema.login);
    if (stateSchema.exists && !(stateSchema.usage && stateSchema.create) && !stateSchema.canActForOwner) blockOn(stateSchema.owner as string, `schema ${input.stateSchema.schema}`);
  }

  const pubRow = await one<{ puballtables: boolean; pubviaroot: boolean; owner: string; can_act: boolean; schemas: boolean }>(
    db,
    `SELECT p.puballtables, p.pubviaroot, pg_get_userbyid(p.pubowner) AS owner, pg_has_role(current_user, p.pubowner, 'USAGE') AS can_act,
            EXISTS (SELECT 1 FROM pg_publication_namespace pn WHERE pn.pnpubid = p.oid) AS schemas
     FROM pg_publication p WHERE p.pubname = $1`,
    [input.publication],
  );
  let publication: Plan['publication'];
  if (pubRow) {
    if (pubRow.puballtables || pubRow.schemas) {
      throw new SourceNotReadyError(
        `publication "${input.publication}" is FOR ${pubRow.puballtables ? 'ALL TABLES' : 'TABLES IN SCHEMA'}; it is not managed by prepare-source (drop it, or use another PUBLICATION)`,
      );
    }
    if (!pubRow.can_act) blockOn(pubRow.owner, `publication ${input.publication}`);
    const members = await db.query<{ schema: string; table: string }>(
      `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
       JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE p.pubname = $1`,
      [input.publication],
    );
    publication = { viaRoot: pubRow.pubviaroot, members: members.rows.map((r) => ({ schema: r.schema, table: r.table })) };
  }
  for (const [owner, objects] of [...blockedOwners.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    blockers.add(`role "${owner}" owns ${[...objects].sort().join(', ')} and "${admin.me}" is not a member of it`, grantRoleStatement(owner, admin.me));
  }
  const needsCreate = [!heartbeatSchema.exists && `schema ${HEARTBEAT_SCHEMA}`, stateSchema && !stateSchema.exists && `schema ${input.stateSchema?.schema}`, !pubRow && `publication ${input.publication}`].filter(
    (x): x is string => Boolean(x),
  );
  if (needsCreate.length > 0 && !admin.canCreateInDatabase && !admin.super) {
    blockers.add(`creating ${needsCreate.join(', ')} needs CREATE on database "${admin.database}"`, `GRANT CREATE ON DATABASE ${quoteIdentifier(admin.database)} TO ${me};`);
  }

  // The slot: only a healthy logical pgoutput slot of this database is "ready".
  const slotRow = await one<{ slot_type: string; plugin: string | null; database: string | null; wal_status: string | null; active: boolean; free: boolean }>(
    db,
    `SELECT s.slot_type, s.plugin, s.database, s.wal_status, s.active,
            (SELECT count(*) FROM pg_replication_slots) < current_setting('max_replication_slots')::int AS free
     FROM (SELECT 1) one LEFT JOIN pg_replication_slots s ON s.slot_name = $1`,
    [input.slot],
  );
  const slotExists = Boolean(slotRow?.slot_type);
  const lost = slotRow?.wal_status === 'lost';
  if (slotExists && (slotRow?.slot_type !== 'logical' || slotRow.plugin !== 'pgoutput' || slotRow.database !== admin.database)) {
    throw new SourceNotReadyError(
      `slot "${input.slot}" exists but is ${slotRow?.slot_type}/${slotRow?.plugin ?? 'no plugin'} on database ${slotRow?.database ?? '(none)'}; expected a logical pgoutput slot on ${admin.database}. Drop it (retire-source) or choose another REPLICATION_SLOT`,
    );
  }
  if (lost) {
    if (!input.recreateLostSlot) {
      throw new SourceNotReadyError(
        `slot "${input.slot}" is lost (wal_status = lost): PostgreSQL removed WAL it still needed (max_slot_wal_keep_size), so CDC cannot continue from it. ` +
          'Recreating it makes Airbyte start from scratch: run prepare-source --recreate-lost-slot, then reset the connection in Airbyte (full resync). Nothing was changed',
      );
    }
    if (slotRow?.active) throw new SourceNotReadyError(`slot "${input.slot}" is lost but still in use by a sync; stop the Airbyte connection, then rerun with --recreate-lost-slot`);
  }
  if (!slotExists && !slotRow?.free) {
    blockers.add('max_replication_slots is reached, so the slot cannot be created (drop an unused slot, or raise max_replication_slots in the parameter group)');
  }
  blockers.throwIfAny(admin.me);

  return {
    admin,
    login,
    tables,
    heartbeat: { ...heartbeatSchema, tableExists: Boolean(heartbeatTable?.present) },
    stateSchema,
    publication,
    slot: { exists: slotExists, lost },
  };
}

/** Runs `work` as `role` (SET ROLE) unless that is the current role; the owner is the grantor then. */
async function actingAs<T>(db: Queryable, role: string, me: string, actedAs: Set<string>, work: () => Promise<T>): Promise<T> {
  if (role === me) return work();
  await db.query(`SET ROLE ${quoteIdentifier(role)}`);
  actedAs.add(role);
  try {
    return await work();
  } finally {
    // In an aborted transaction this fails too; the ROLLBACK that follows resets the role anyway.
    await db.query('RESET ROLE').catch(() => undefined);
  }
}

export interface GrantTarget {
  readonly kind: 'table' | 'schema';
  /** `schema.table` or `schema`. */
  readonly object: TableName | string;
  /** Comma-separated privileges, e.g. `SELECT` or `USAGE, CREATE`. */
  readonly privileges: string;
  readonly to: string;
}

/**
 * GRANT, then check with has_table_privilege/has_schema_privilege that it took: a GRANT by a role
 * without the grant option "succeeds" with only a WARNING and grants nothing.
 */
export async function grantVerified(db: Queryable, target: GrantTarget): Promise<string> {
  const objectSql = target.kind === 'table' ? qualified(target.object as TableName) : `SCHEMA ${quoteIdentifier(target.object as string)}`;
  const statement = `GRANT ${target.privileges} ON ${objectSql} TO ${quoteIdentifier(target.to)}`;
  await db.query(statement);
  const check =
    target.kind === 'table'
      ? await one<{ ok: boolean; grantor: string }>(db, 'SELECT has_table_privilege($1, $2::regclass, $3) AS ok, current_user AS grantor', [target.to, qualified(target.object as TableName), target.privileges])
      : await one<{ ok: boolean; grantor: string }>(db, 'SELECT has_schema_privilege($1, $2, $3) AS ok, current_user AS grantor', [target.to, target.object, target.privileges]);
  if (!check?.ok) {
    const name = target.kind === 'table' ? `table ${key(target.object as TableName)}` : `schema ${target.object as string}`;
    throw new SourceNotReadyError(
      `${statement} granted nothing: "${check?.grantor}" holds ${target.privileges} on ${name} without the grant option (WITH GRANT OPTION) and does not own it; its owner must grant it`,
    );
  }
  return statement;
}

async function apply(db: Queryable, input: PrepareInput, plan: Plan): Promise<Omit<PrepareReport, 'slot' | 'ok'>> {
  const { admin } = plan;
  const grants: string[] = [];
  const actedAs = new Set<string>();
  const as = <T>(role: string, work: () => Promise<T>): Promise<T> => actingAs(db, role, admin.me, actedAs, work);
  const user = quoteIdentifier(input.airbyteUser);

  // 1. The replication login. The statement carries a verifier, never the password, and is
  // neither reported nor logged.
  if (!plan.login.exists) {
    const verifier = scramSha256Verifier(input.replicationPassword as string);
    await db.query(`CREATE ROLE ${user} LOGIN PASSWORD '${verifier}'`);
  }
  let replication: string;
  if (admin.rdsReplication) {
    if (!plan.login.memberOfRdsReplication) {
      await db.query(`GRANT rds_replication TO ${user}`);
      grants.push(`GRANT rds_replication TO ${user}`);
    }
    replication = 'rds_replication';
  } else if (plan.login.super || plan.login.replication) {
    replication = plan.login.super ? 'superuser' : 'REPLICATION attribute';
  } else {
    await db.query(`ALTER ROLE ${user} REPLICATION`);
    grants.push(`ALTER ROLE ${user} REPLICATION`);
    replication = 'REPLICATION attribute';
  }

  // 2. The heartbeat: its own schema, owned by the preparing role.
  const hb = plan.heartbeat;
  if (!hb.exists) await db.query(`CREATE SCHEMA ${quoteIdentifier(HEARTBEAT_SCHEMA)}`);
  const hbOwner = hb.owner ?? admin.me;
  await as(hbOwner, async () => {
    if (!plan.heartbeat.tableExists) await db.query(HEARTBEAT_TABLE_DDL);
    if (!hb.usage) grants.push(await grantVerified(db, { kind: 'schema', object: HEARTBEAT_SCHEMA, privileges: 'USAGE', to: input.airbyteUser }));
  });
  const hbPrivileges = HEARTBEAT_PRIVILEGES.join(', ');
  const hbHas = await one<{ ok: boolean }>(db, 'SELECT has_table_privilege($1, $2::regclass, $3) AS ok', [input.airbyteUser, qualified(HEARTBEAT), HEARTBEAT_PRIVILEGES.join(',')]);
  if (!hbHas?.ok) {
    const owner = (await one<{ owner: string }>(db, 'SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = $1::regclass', [qualified(HEARTBEAT)]))?.owner ?? admin.me;
    grants.push(await as(owner, () => grantVerified(db, { kind: 'table', object: HEARTBEAT, privileges: hbPrivileges, to: input.airbyteUser })));
  }

  // 3. The orchestrator's state schema (same database): whoever comes first makes it usable by the
  // login that migrates it. Owned here by the admin, with USAGE and CREATE for that login, whose
  // migrations then own the tables they create.
  let stateSchema: PrepareReport['stateSchema'];
  if (input.stateSchema && plan.stateSchema) {
    const s = plan.stateSchema;
    const { schema, login } = input.stateSchema;
    if (!s.exists) await db.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    if (!s.exists || !(s.usage && s.create)) {
      grants.push(await as(s.owner ?? admin.me, () => grantVerified(db, { kind: 'schema', object: schema, privileges: 'USAGE, CREATE', to: login })));
    }
    stateSchema = { name: schema, login, created: !s.exists };
  }

  // 4. The watched tables: USAGE on their schemas, SELECT on them, and default privileges so
  // tables their owners create later stay readable (as Airbyte's Postgres source docs advise).
  const schemasDone = new Set<string>();
  for (const t of plan.tables) {
    if (!t.loginSchemaUsage && !schemasDone.has(t.schema)) {
      schemasDone.add(t.schema);
      grants.push(await as(t.schemaOwner, () => grantVerified(db, { kind: 'schema', object: t.schema, privileges: 'USAGE', to: input.airbyteUser })));
    }
  }
  for (const t of plan.tables) {
    if (!t.loginSelect) grants.push(await as(t.owner, () => grantVerified(db, { kind: 'table', object: t, privileges: 'SELECT', to: input.airbyteUser })));
  }
  const defaultsDone = new Set<string>();
  for (const t of plan.tables) {
    const pair = JSON.stringify([t.owner, t.schema]);
    if (t.defaultPrivilege || defaultsDone.has(pair)) continue;
    defaultsDone.add(pair);
    const statement = `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdentifier(t.owner)} IN SCHEMA ${quoteIdentifier(t.schema)} GRANT SELECT ON TABLES TO ${user}`;
    await db.query(statement);
    grants.push(statement);
  }

  // 5. The publication: publishable watched tables + the heartbeat, partitioned tables through
  // their root. A table without a primary key and with default/nothing replica identity stays
  // out: in a publication that publishes updates/deletes, the application's own UPDATE/DELETE on
  // it would fail.
  const eligible = (t: TableFacts): boolean => t.replident === 'f' || t.replident === 'i' || (t.replident === 'd' && t.hasPk);
  const desired = [...plan.tables.filter(eligible).map((t) => ({ schema: t.schema, table: t.table })), HEARTBEAT];
  const pubName = quoteIdentifier(input.publication);
  let created = false;
  let changes = { add: [] as TableName[], drop: [] as TableName[] };
  if (!plan.publication) {
    await db.query(`CREATE PUBLICATION ${pubName} FOR TABLE ${desired.map(qualified).join(', ')} WITH (publish_via_partition_root = true)`);
    created = true;
  } else {
    if (!plan.publication.viaRoot) await db.query(`ALTER PUBLICATION ${pubName} SET (publish_via_partition_root = true)`);
    changes = planPublication(plan.publication.members, desired);
    if (changes.drop.length > 0) await db.query(`ALTER PUBLICATION ${pubName} DROP TABLE ${changes.drop.map(qualified).join(', ')}`);
    if (changes.add.length > 0) await db.query(`ALTER PUBLICATION ${pubName} ADD TABLE ${changes.add.map(qualified).join(', ')}`);
  }
  const after = await db.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
     JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE p.pubname = $1 ORDER BY 1`,
    [input.publication],
  );
  const expected = desired.map(key).sort();
  const actual = after.rows.map((r) => r.name);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`publication "${input.publication}" has ${actual.join(', ')} after preparation; expected ${expected.join(', ')}`);

  const tablesWithoutPrimaryKey = plan.tables
    .filter((t) => !eligible(t))
    .map((t) => ({
      table: key(t),
      fix: replicaIdentityFix(t),
      reason: `no primary key and replica identity ${t.replident === 'n' ? 'nothing' : 'default'}: left out of the publication (full refresh only) so the application's UPDATE/DELETE keep working; its owner "${t.owner}" can run the fix to include it`,
    }));

  return {
    admin: admin.me,
    login: { name: input.airbyteUser, created: !plan.login.exists, replication },
    publication: { name: input.publication, created, added: changes.add.map(key).sort(), removed: changes.drop.map(key).sort(), tables: expected, publishViaPartitionRoot: true },
    grants,
    actedAs: [...actedAs].sort(),
    heartbeat: key(HEARTBEAT),
    ...(stateSchema ? { stateSchema } : {}),
    tablesWithoutPrimaryKey,
  };
}

export async function prepareSource(db: Queryable, input: PrepareInput): Promise<PrepareReport> {
  if (input.slot.startsWith('rds')) throw new SourceNotReadyError(`slot name "${input.slot}" starts with "rds", which RDS reserves`);
  await setTimeouts(db, input);
  await db.query('BEGIN');
  let result: Omit<PrepareReport, 'slot' | 'ok'>;
  let plan: Plan;
  try {
    if (input.seedSql !== undefined && input.seedSql.trim() !== '') await db.query(input.seedSql);
    plan = await inspect(db, input);
    result = await apply(db, input, plan);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }

  // After the commit (PostgreSQL refuses it in a transaction that has written), and after the
  // publication, so decoding from the slot's start already sees the publication.
  let created = false;
  let recreated = false;
  try {
    if (plan.slot.lost) {
      await db.query('SELECT pg_drop_replication_slot($1)', [input.slot]);
      recreated = true;
    }
    if (!plan.slot.exists || plan.slot.lost) {
      await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [input.slot]);
      created = true;
    }
  } catch (error) {
    throw new Error(`everything but the slot is prepared and committed; creating slot "${input.slot}" failed: ${(error as Error).message}. Rerun prepare-source once fixed`);
  }
  return { ok: true, ...result, slot: { name: input.slot, created, recreated } };
}

export interface RetireReport {
  readonly ok: true;
  readonly slot: { readonly name: string; readonly dropped: boolean };
  readonly publication: { readonly name: string; readonly dropped: boolean };
}

/**
 * Drops the publication and the slot in one transaction. The slot drop is not transactional, so it
 * comes last: if it fails (a sync is reading the slot), the rollback keeps the publication too.
 */
export async function retireSource(db: Queryable, input: { slot: string; publication: string; lockTimeoutMs?: number; statementTimeoutMs?: number }): Promise<RetireReport> {
  await setTimeouts(db, input);
  await db.query('BEGIN');
  try {
    const pub = await one<{ present: boolean }>(db, 'SELECT true AS present FROM pg_publication WHERE pubname = $1', [input.publication]);
    if (pub) await db.query(`DROP PUBLICATION ${quoteIdentifier(input.publication)}`);
    const slot = await one<{ present: boolean }>(db, 'SELECT true AS present FROM pg_replication_slots WHERE slot_name = $1', [input.slot]);
    if (slot) {
      try {
        await db.query('SELECT pg_drop_replication_slot($1)', [input.slot]);
      } catch (error) {
        // 55006 object_in_use: "replication slot … is active for PID …"
        if ((error as { code?: string }).code === '55006') {
          throw new SourceNotReadyError(`slot "${input.slot}" is in use: a sync is reading it (${(error as Error).message}). Stop or delete the Airbyte connection first, then rerun; nothing was dropped`);
        }
        throw error;
      }
    }
    await db.query('COMMIT');
    return { ok: true, slot: { name: input.slot, dropped: Boolean(slot) }, publication: { name: input.publication, dropped: Boolean(pub) } };
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
