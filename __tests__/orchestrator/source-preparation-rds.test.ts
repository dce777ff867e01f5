// prepare-source / retire-source as the RDS master user runs them, against real PostgreSQL 15.
//
// The imitation of RDS (set up in beforeAll as the cluster's superuser, which RDS never hands out):
// - `rds_master`: LOGIN CREATEDB CREATEROLE, NOT a superuser, member of roles named `rds_superuser`
//   and `rds_replication`, owner of the application database (RDS makes the master user the owner
//   of the database it creates with the instance). prepare-source connects as it.
// - It ALSO has the REPLICATION attribute, which the real RDS master does not have: vanilla
//   PostgreSQL lets only REPLICATION roles (or superusers) create and drop slots, where RDS lets
//   members of rds_replication. Everything else it does, it does without that attribute.
// - The application's tables belong to `app_owner`, in schema `app` owned by `app_owner`, with no
//   privileges for anyone else.
// - PostgreSQL 15 CREATEROLE semantics: a CREATEROLE role may grant membership in any
//   non-superuser role, so rds_master can run the printed `GRANT "app_owner" TO "rds_master";`
//   itself, and can grant rds_replication. PostgreSQL 16 narrowed this (CREATEROLE has ADMIN only
//   on roles it created, and gets ADMIN on the roles it creates); that is not imitated here.
// What this cannot imitate (only a real RDS instance confirms it):
// - rds_superuser's RDS-specific powers (here it is an empty role) and RDS's own refusals (e.g. of
//   ALTER ROLE … REPLICATION to the master; we check we never send it, not that RDS refuses it);
// - that an rds_replication member (the Airbyte login) may really stream from the slot — here the
//   login gets the membership, but vanilla PostgreSQL ignores it for slots;
// - rds.logical_replication in a parameter group (wal_level is set directly), rds.force_ssl,
//   IAM authentication, and what RDS exports to CloudWatch Logs (we read our own server log);
// - PostgreSQL 16+ role semantics.
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { HEARTBEAT_ACTION_QUERY } from '../../orchestrator/src/probe/heartbeat';
import { SourceNotReadyError, grantVerified } from '../../orchestrator/src/probe/source-preparation';
import { usePostgresCluster } from '../support/postgres';
import { CONNECTION_ID, query, runOrchestrator, waitFor, write } from '../support/orchestrator-fixtures';

const LOGIN = 'airbyte_rds';
// Distinctive, so a leak anywhere in the captured output is found by a plain substring search.
const PASSWORD = 'Rpl-sEcReT-7c41-do-not-print';

const cluster = usePostgresCluster({
  serverOptions: { max_replication_slots: 10, max_wal_senders: 10 },
  // The replication login's password is checked for real (everyone else: trust).
  hbaLines: [`host all ${LOGIN} 127.0.0.1/32 scram-sha-256`],
});

let counter = 0;
let outputs: string[] = [];

beforeAll(async () => {
  await write(
    cluster.current.url(),
    `CREATE ROLE rds_superuser NOLOGIN;
     CREATE ROLE rds_replication NOLOGIN;
     CREATE ROLE rds_master LOGIN CREATEDB CREATEROLE REPLICATION NOSUPERUSER IN ROLE rds_superuser, rds_replication;
     CREATE ROLE app_owner LOGIN;
     CREATE ROLE orchestrator_state LOGIN;`,
  );
});

beforeEach(() => {
  outputs = [];
});

interface Source {
  readonly name: string;
  /** The cluster superuser, for set-up and for looking at catalogs. */
  readonly superUrl: string;
  /** What prepare-source gets: the RDS-like master. */
  readonly adminUrl: string;
  /** The application. */
  readonly appUrl: string;
  readonly slot: string;
  readonly publication: string;
}

const asUser = (url: string, user: string): string => url.replace('//postgres@', `//${user}@`);

/** A database owned by the master, with the application's tables owned by app_owner. */
async function source(options: { masterIsMemberOfOwner?: boolean } = {}): Promise<Source> {
  counter += 1;
  const name = `rds_${process.pid}_${counter}`;
  await write(cluster.current.url(), `CREATE DATABASE ${name} OWNER rds_master`);
  const superUrl = cluster.current.url(name);
  await write(
    superUrl,
    `CREATE SCHEMA app AUTHORIZATION app_owner;
     SET ROLE app_owner;
     CREATE TABLE app.orders (id serial PRIMARY KEY, note text, updated_at timestamptz NOT NULL DEFAULT now());
     CREATE TABLE app.customers (id serial PRIMARY KEY, note text);
     CREATE TABLE app.events (happened_at timestamptz NOT NULL DEFAULT now(), note text);
     CREATE TABLE app.measurements (id int, taken_on date, value numeric, PRIMARY KEY (id, taken_on)) PARTITION BY RANGE (taken_on);
     CREATE TABLE app.measurements_2025 PARTITION OF app.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
     CREATE TABLE app.measurements_2026 PARTITION OF app.measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
     INSERT INTO app.orders (note) VALUES ('a'), ('b');
     INSERT INTO app.customers (note) VALUES ('c');
     INSERT INTO app.events (note) VALUES ('e1'), ('e2');
     INSERT INTO app.measurements VALUES (1, '2025-06-01', 1), (2, '2026-06-01', 2);
     RESET ROLE;`,
  );
  if (options.masterIsMemberOfOwner) await write(superUrl, 'GRANT app_owner TO rds_master');
  return { name, superUrl, adminUrl: asUser(superUrl, 'rds_master'), appUrl: asUser(superUrl, 'app_owner'), slot: `airbyte_${name}_slot`, publication: `airbyte_${name}_publication` };
}

/** prepare-source's environment for a first deploy: SOURCE_TABLES, the admin URL only, no Airbyte. */
function envFor(src: Source, tables: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SOURCE_ADMIN_DATABASE_URL: src.adminUrl,
    SOURCE_TABLES: tables,
    AIRBYTE_DATABASE_USER: LOGIN,
    SOURCE_REPLICATION_PASSWORD: PASSWORD,
    REPLICATION_SLOT: src.slot,
    PUBLICATION: src.publication,
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

async function prepare(src: Source, tables: string, extra: Record<string, string> = {}, argv: string[] = [], readFile?: (p: string) => string) {
  const result = await runOrchestrator(['prepare-source', ...argv], envFor(src, tables, extra), undefined, readFile);
  outputs.push(result.stdout, result.stderr);
  return { ...result, report: result.stdout.trim() ? JSON.parse(result.stdout) : undefined };
}

async function members(src: Source): Promise<string[]> {
  const rows = await query<{ name: string }>(
    src.superUrl,
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
     JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE p.pubname = $1 ORDER BY 1`,
    [src.publication],
  );
  return rows.map((r) => r.name);
}

/** Nothing preparation would create exists (login, heartbeat schema, publication, slot, default privileges). */
async function expectUntouched(src: Source): Promise<void> {
  expect(await query(src.superUrl, 'SELECT rolname FROM pg_roles WHERE rolname = $1', [LOGIN])).toEqual([]);
  expect(await query(src.superUrl, "SELECT nspname FROM pg_namespace WHERE nspname = 'airbyte_heartbeat'")).toEqual([]);
  expect(await query(src.superUrl, 'SELECT pubname FROM pg_publication')).toEqual([]);
  expect(await query(src.superUrl, 'SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1', [src.slot])).toEqual([]);
  expect(await query(src.superUrl, 'SELECT count(*)::int AS n FROM pg_default_acl')).toEqual([{ n: 0 }]);
}

async function dropLogin(): Promise<void> {
  // Roles are cluster-wide; each test starts without the replication login. Its grants live in
  // databases that are not dropped, so revoke them everywhere first.
  const exists = await query(cluster.current.url(), 'SELECT 1 FROM pg_roles WHERE rolname = $1', [LOGIN]);
  if (exists.length === 0) return;
  const databases = await query<{ datname: string }>(cluster.current.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'rds\\_%'");
  for (const { datname } of databases) await write(cluster.current.url(datname), `DROP OWNED BY ${LOGIN}`);
  await write(cluster.current.url(), `DROP ROLE ${LOGIN}`);
}

afterEach(async () => {
  // No captured output of any run may contain the replication password.
  for (const text of outputs) expect(text).not.toContain(PASSWORD);
  const slots = await query<{ slot_name: string }>(cluster.current.url(), 'SELECT slot_name FROM pg_replication_slots WHERE NOT active');
  for (const { slot_name } of slots) await query(cluster.current.url(), 'SELECT pg_drop_replication_slot($1)', [slot_name]);
  await dropLogin();
});

test('tables of another owner: exit 2 naming the owner and the GRANT, nothing changed; after that GRANT it prepares (login by SCRAM verifier, rds_replication); a rerun is a no-op', async () => {
  const src = await source();
  const tables = 'app.orders,app.customers';

  const refused = await prepare(src, tables);
  expect(refused.code).toBe(2);
  expect(refused.report).toMatchObject({ ok: false, statements: ['GRANT "app_owner" TO "rds_master";'] });
  expect(refused.report.error).toContain('role "app_owner" owns schema app, table app.customers, table app.orders and "rds_master" is not a member of it');
  expect(refused.logs.some((l) => l.level === 'error' && String(l.msg).includes('GRANT "app_owner" TO "rds_master";'))).toBe(true);
  await expectUntouched(src);

  // The person runs the printed statement, as the master itself (PostgreSQL 15 CREATEROLE may).
  await write(src.adminUrl, refused.report.statements[0]);

  const prepared = await prepare(src, tables);
  expect(prepared.code).toBe(0);
  const report = prepared.report;
  expect(report).toMatchObject({
    ok: true,
    admin: 'rds_master',
    login: { name: LOGIN, created: true, replication: 'rds_replication' },
    slot: { name: src.slot, created: true, recreated: false },
    publication: { name: src.publication, created: true, tables: ['airbyte_heartbeat.heartbeat', 'app.customers', 'app.orders'], publishViaPartitionRoot: true },
    actedAs: ['app_owner'],
    heartbeat: 'airbyte_heartbeat.heartbeat',
    tablesWithoutPrimaryKey: [],
  });
  expect(report.grants).toEqual(
    expect.arrayContaining([
      `GRANT rds_replication TO "${LOGIN}"`,
      `GRANT USAGE ON SCHEMA "app" TO "${LOGIN}"`,
      `GRANT SELECT ON "app"."orders" TO "${LOGIN}"`,
      `GRANT SELECT ON "app"."customers" TO "${LOGIN}"`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" IN SCHEMA "app" GRANT SELECT ON TABLES TO "${LOGIN}"`,
      `GRANT USAGE ON SCHEMA "airbyte_heartbeat" TO "${LOGIN}"`,
      `GRANT SELECT, INSERT, UPDATE ON "airbyte_heartbeat"."heartbeat" TO "${LOGIN}"`,
    ]),
  );
  expect(await members(src)).toEqual(['airbyte_heartbeat.heartbeat', 'app.customers', 'app.orders']);
  expect(await query(src.superUrl, 'SELECT plugin, wal_status FROM pg_replication_slots WHERE slot_name = $1', [src.slot])).toEqual([{ plugin: 'pgoutput', wal_status: 'reserved' }]);
  // The table owner granted (SET ROLE), so revoking stays in the owner's hands.
  expect(await query(src.superUrl, "SELECT grantor FROM information_schema.table_privileges WHERE table_schema = 'app' AND table_name = 'orders' AND grantee = $1", [LOGIN])).toEqual([{ grantor: 'app_owner' }]);
  // The heartbeat has its own schema, owned by the preparing role.
  expect(await query(src.superUrl, "SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'airbyte_heartbeat'")).toEqual([{ owner: 'rds_master' }]);
  // Never the REPLICATION attribute on RDS: rds_replication membership instead. The password is
  // stored as the SCRAM verifier we sent.
  expect(
    await query(src.superUrl, "SELECT rolreplication, pg_has_role(rolname, 'rds_replication', 'MEMBER') AS rds, rolpassword LIKE 'SCRAM-SHA-256$4096:%' AS scram FROM pg_authid WHERE rolname = $1", [LOGIN]),
  ).toEqual([{ rolreplication: false, rds: true, scram: true }]);

  // The login works with the password from its secret (scram-sha-256 in pg_hba), reads the
  // tables and runs the Airbyte source's heartbeat query; a wrong password is refused.
  const loginUrl = (password: string) => asUser(src.superUrl, `${LOGIN}:${encodeURIComponent(password)}`);
  await write(loginUrl(PASSWORD), `SELECT count(*) FROM app.orders; SELECT count(*) FROM app.customers; ${HEARTBEAT_ACTION_QUERY}`);
  await expect(query(loginUrl('wrong'), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  // Default privileges: a table the owner creates later is readable too.
  await write(src.appUrl, 'CREATE TABLE app.later (id int PRIMARY KEY)');
  await write(loginUrl(PASSWORD), 'SELECT count(*) FROM app.later');

  const again = await prepare(src, tables);
  expect(again.code).toBe(0);
  expect(again.report).toMatchObject({
    login: { created: false },
    slot: { created: false, recreated: false },
    publication: { created: false, added: [], removed: [] },
    grants: [],
    actedAs: [],
  });
  expect(await members(src)).toEqual(['airbyte_heartbeat.heartbeat', 'app.customers', 'app.orders']);

  // Neither the password nor the statement carrying it appears in reports, stdout, logs (checked
  // in afterEach for the password) or the server log.
  for (const text of outputs) expect(text).not.toMatch(/CREATE ROLE|SCRAM-SHA-256\$/);
  const serverLog = fs.readFileSync(path.join(path.dirname(cluster.current.dataDir), 'server.log'), 'utf8');
  expect(serverLog).not.toContain(PASSWORD);
});

test('a table without primary key is kept out of the publication, so the application can UPDATE/DELETE it; REPLICA IDENTITY FULL brings it in', async () => {
  const src = await source({ masterIsMemberOfOwner: true });
  // What the previous version did: publish it as is. The application's own writes then fail.
  await write(src.adminUrl, `CREATE PUBLICATION ${src.publication} FOR TABLE app.events`);
  await expect(write(src.appUrl, "UPDATE app.events SET note = 'x'")).rejects.toThrow(/does not have a replica identity and publishes updates/);

  const prepared = await prepare(src, 'app.orders,app.events');
  expect(prepared.code).toBe(0);
  expect(prepared.report.tablesWithoutPrimaryKey).toEqual([
    { table: 'app.events', fix: 'ALTER TABLE "app"."events" REPLICA IDENTITY FULL;', reason: expect.stringMatching(/full refresh only.*"app_owner" can run the fix/) },
  ]);
  expect(prepared.report.publication).toMatchObject({ created: false, added: ['airbyte_heartbeat.heartbeat', 'app.orders'], removed: ['app.events'] });
  expect(await members(src)).toEqual(['airbyte_heartbeat.heartbeat', 'app.orders']);
  // The application's UPDATE and DELETE work.
  const app = new Client({ connectionString: src.appUrl });
  await app.connect();
  try {
    expect((await app.query("UPDATE app.events SET note = 'updated'")).rowCount).toBe(2);
    expect((await app.query("DELETE FROM app.events WHERE note = 'updated'")).rowCount).toBe(2);
    expect((await app.query("UPDATE app.orders SET note = 'still fine'")).rowCount).toBe(2);
  } finally {
    await app.end();
  }

  // The owner runs the printed statement; the next run publishes the table.
  await write(src.appUrl, prepared.report.tablesWithoutPrimaryKey[0].fix);
  const after = await prepare(src, 'app.orders,app.events');
  expect(after.code).toBe(0);
  expect(after.report).toMatchObject({ publication: { added: ['app.events'], removed: [] }, tablesWithoutPrimaryKey: [] });
  expect(await members(src)).toEqual(['airbyte_heartbeat.heartbeat', 'app.events', 'app.orders']);
  await write(src.appUrl, "INSERT INTO app.events (note) VALUES ('n'); UPDATE app.events SET note = 'n2'; DELETE FROM app.events");
});

test('a partitioned table is published through its root (publish_via_partition_root set on an existing publication); the second run is a no-op', async () => {
  const src = await source({ masterIsMemberOfOwner: true });
  await write(src.adminUrl, `CREATE PUBLICATION ${src.publication} FOR TABLE app.measurements`);
  // Without publish_via_partition_root, the view lists the partitions, not the table itself.
  const listed = async () => (await query<{ t: string }>(src.superUrl, 'SELECT tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1', [src.publication])).map((r) => r.t);
  expect(await listed()).toEqual(['measurements_2025', 'measurements_2026']);

  const first = await prepare(src, 'app.measurements');
  expect(first.code).toBe(0);
  expect(first.report.publication).toMatchObject({ created: false, added: ['airbyte_heartbeat.heartbeat'], removed: [] });
  expect(await query(src.superUrl, 'SELECT pubviaroot FROM pg_publication WHERE pubname = $1', [src.publication])).toEqual([{ pubviaroot: true }]);
  expect(await members(src)).toEqual(['airbyte_heartbeat.heartbeat', 'app.measurements']);
  expect(await listed()).toEqual(['heartbeat', 'measurements']);

  const second = await prepare(src, 'app.measurements');
  expect(second.code).toBe(0);
  expect(second.report).toMatchObject({ publication: { added: [], removed: [] }, grants: [], slot: { created: false } });
  expect(await members(src)).toEqual(['airbyte_heartbeat.heartbeat', 'app.measurements']);
});

test('a failure half-way (lock_timeout) rolls everything back; retire-source keeps the publication when the slot is in use', async () => {
  const src = await source({ masterIsMemberOfOwner: true });
  // The application holds a lock on a watched table: preparation gets past creating the login,
  // the heartbeat and some grants, then waits for that lock and gives up after lock_timeout.
  const app = new Client({ connectionString: src.appUrl });
  await app.connect();
  try {
    await app.query('BEGIN');
    await app.query('LOCK TABLE app.orders IN ACCESS EXCLUSIVE MODE');
    const failed = await prepare(src, 'app.customers,app.orders', { SOURCE_LOCK_TIMEOUT_SECONDS: '0.5' });
    expect(failed.code).toBe(1);
    expect(failed.logs.some((l) => l.level === 'error' && String(l.error).includes('lock timeout'))).toBe(true);
    await expectUntouched(src);
    expect(await query(src.superUrl, "SELECT count(*)::int AS n FROM information_schema.table_privileges WHERE table_schema = 'app' AND grantee = $1", [LOGIN])).toEqual([{ n: 0 }]);
  } finally {
    await app.query('ROLLBACK').catch(() => undefined);
    await app.end();
  }
  const prepared = await prepare(src, 'app.customers,app.orders');
  expect(prepared.code).toBe(0);

  // A sync reads the slot (pg_recvlogical stands in for Airbyte's replication connection).
  const bin = fs.existsSync('/usr/lib/postgresql/15/bin/pg_recvlogical') ? '/usr/lib/postgresql/15/bin/pg_recvlogical' : 'pg_recvlogical';
  const reader: ChildProcess = spawn(bin, ['-d', src.superUrl, '--slot', src.slot, '--start', '-o', 'proto_version=1', '-o', `publication_names=${src.publication}`, '-f', '/dev/null'], { stdio: 'ignore' });
  try {
    await waitFor('the slot to be active', async () => (await query<{ active: boolean }>(src.superUrl, 'SELECT active FROM pg_replication_slots WHERE slot_name = $1', [src.slot]))[0]?.active);
    const retireEnv = { SOURCE_ADMIN_DATABASE_URL: src.adminUrl, REPLICATION_SLOT: src.slot, PUBLICATION: src.publication };
    const refused = await runOrchestrator(['retire-source', '--confirm'], retireEnv);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is in use');
    // The publication was dropped first inside the transaction; the failed slot drop rolled it back.
    expect(await query(src.superUrl, 'SELECT pubname FROM pg_publication')).toEqual([{ pubname: src.publication }]);
    reader.kill('SIGTERM');
    await waitFor('the slot to be released', async () => (await query<{ active: boolean }>(src.superUrl, 'SELECT active FROM pg_replication_slots WHERE slot_name = $1', [src.slot]))[0]?.active === false);
    const retired = await runOrchestrator(['retire-source', '--confirm'], retireEnv);
    expect(retired.code).toBe(0);
    expect(JSON.parse(retired.stdout)).toEqual({ ok: true, slot: { name: src.slot, dropped: true }, publication: { name: src.publication, dropped: true } });
  } finally {
    if (reader.exitCode === null) reader.kill('SIGKILL');
  }
});

test('the seed file runs as the master inside the transaction; the state schema is made for the login that migrates it', async () => {
  const src = await source({ masterIsMemberOfOwner: true });
  const stateUrl = asUser(src.superUrl, 'orchestrator_state');
  // Without preparation the state login cannot create its schema (no CREATE on the database).
  const early = await runOrchestrator(['migrate'], { SOURCE_DATABASE_URL: stateUrl, AIRBYTE_CLIENT_ID: 'x', AIRBYTE_CLIENT_SECRET: 'y', AIRBYTE_CONNECTION_ID: CONNECTION_ID });
  expect(early.code).toBe(1);
  expect(early.stderr).toContain('permission denied for database');

  const seed = 'CREATE TABLE IF NOT EXISTS public.seeded (id int PRIMARY KEY, note text);';
  const files: Record<string, string> = { '/seed.sql': seed };
  const readFile = (p: string) => {
    if (!(p in files)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return files[p];
  };
  const extra = { SOURCE_SEED_SQL_FILE: '/seed.sql', STATE_DATABASE_URL: stateUrl };
  const first = await prepare(src, 'public.seeded,app.orders', extra, [], readFile);
  expect(first.code).toBe(0);
  expect(first.report.stateSchema).toEqual({ name: 'airbyte_orchestrator', login: 'orchestrator_state', created: true });
  expect(await query(src.superUrl, "SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.seeded'::regclass")).toEqual([{ owner: 'rds_master' }]);
  expect(await members(src)).toEqual(['airbyte_heartbeat.heartbeat', 'app.orders', 'public.seeded']);

  const migrated = await runOrchestrator(['migrate'], { SOURCE_DATABASE_URL: stateUrl, AIRBYTE_CLIENT_ID: 'x', AIRBYTE_CLIENT_SECRET: 'y', AIRBYTE_CONNECTION_ID: CONNECTION_ID });
  expect(migrated.code).toBe(0);
  expect(await query(src.superUrl, "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'airbyte_orchestrator'::regnamespace AND relkind = 'r'")).toEqual([
    { owner: 'orchestrator_state' },
  ]);

  const second = await prepare(src, 'public.seeded,app.orders', extra, [], readFile);
  expect(second.code).toBe(0);
  expect(second.report).toMatchObject({ stateSchema: { created: false }, grants: [] });

  const unreadable = await prepare(src, 'app.orders', { SOURCE_SEED_SQL_FILE: '/missing.sql' }, [], readFile);
  expect(unreadable.code).toBe(2);
  expect(unreadable.logs[unreadable.logs.length - 1]).toMatchObject({ variable: 'SOURCE_SEED_SQL_FILE' });
});

test('refusals that need a person (exit 2, nothing changed): missing tables, login = admin, no password for a missing login, empty heartbeat query', async () => {
  const src = await source({ masterIsMemberOfOwner: true });
  const missing = await prepare(src, 'app.orders,app.nope,other.gone');
  expect(missing.code).toBe(2);
  expect(missing.report.error).toContain('watched tables not found in the source database: app.nope, other.gone');

  const same = await prepare(src, 'app.orders', { AIRBYTE_DATABASE_USER: 'rds_master' });
  expect(same.code).toBe(2);
  expect(same.report.error).toMatch(/AIRBYTE_DATABASE_USER "rds_master" is the admin login/);

  const noPassword = await prepare(src, 'app.orders', { SOURCE_REPLICATION_PASSWORD: '' });
  expect(noPassword.code).toBe(2);
  expect(noPassword.report.error).toContain('set SOURCE_REPLICATION_PASSWORD');

  const document = JSON.stringify({ version: 1, connections: [], replicationSlot: src.slot, publication: src.publication, heartbeatActionQuery: '' });
  const emptyHeartbeat = await prepare(src, 'app.orders', { ORCHESTRATOR_CONFIG: '/config.json' }, [], () => document);
  expect(emptyHeartbeat.code).toBe(2);
  expect(emptyHeartbeat.logs[emptyHeartbeat.logs.length - 1]).toMatchObject({ variable: 'ORCHESTRATOR_CONFIG heartbeatActionQuery' });
  await expectUntouched(src);
});

test('a GRANT that granted nothing (no grant option) is an error naming the table and the missing grant option', async () => {
  const src = await source();
  await write(src.superUrl, `CREATE ROLE half_reader_${counter}; GRANT USAGE ON SCHEMA app TO half_reader_${counter}; GRANT SELECT ON app.orders TO half_reader_${counter}; CREATE ROLE some_reader_${counter}`);
  const client = new Client({ connectionString: src.superUrl });
  await client.connect();
  try {
    await client.query(`SET ROLE half_reader_${counter}`);
    const attempt = grantVerified(client, { kind: 'table', object: { schema: 'app', table: 'orders' }, privileges: 'SELECT', to: `some_reader_${counter}` });
    await expect(attempt).rejects.toBeInstanceOf(SourceNotReadyError);
    await expect(attempt).rejects.toThrow(new RegExp(`granted nothing: "half_reader_${counter}" holds SELECT on table app\\.orders without the grant option \\(WITH GRANT OPTION\\)`));
    await client.query('RESET ROLE');
    // With the grant option it goes through and is verified.
    await client.query(`GRANT SELECT ON app.orders TO half_reader_${counter} WITH GRANT OPTION`);
    await client.query(`SET ROLE half_reader_${counter}`);
    await expect(grantVerified(client, { kind: 'table', object: { schema: 'app', table: 'orders' }, privileges: 'SELECT', to: `some_reader_${counter}` })).resolves.toBe(
      `GRANT SELECT ON "app"."orders" TO "some_reader_${counter}"`,
    );
  } finally {
    await client.end();
  }
});
