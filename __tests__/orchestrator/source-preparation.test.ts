// prepare-source / retire-source against real PostgreSQL as a true superuser (the non-RDS case: a
// self-managed server; RDS never gives anyone superuser, see source-preparation-rds.test.ts):
// a wal_level=logical cluster, and a wal_level=replica cluster for the refusal. Runs `main`
// in-process with the Airbyte double (the publication follows the connection's streams).
import { createHash, createHmac } from 'crypto';
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';
import { HEARTBEAT_ACTION_QUERY } from '../../orchestrator/src/probe/heartbeat';
import { grantRoleStatement, planPublication, replicaIdentityFix, scramSha256Verifier } from '../../orchestrator/src/probe/source-preparation';
import { usePostgresCluster } from '../support/postgres';
import { CONNECTION_ID, createWatchedTables, orchestratorEnv, query, runOrchestrator, write } from '../support/orchestrator-fixtures';

const logical = usePostgresCluster();
const replica = usePostgresCluster({ serverOptions: { wal_level: 'replica' } });

const SLOT = 'airbyte_test_slot';
const PUBLICATION = 'airbyte_test_publication';
let double: AirbyteDouble;

beforeAll(async () => {
  double = await AirbyteDouble.start({ connections: [{ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }, { name: 'customers', namespace: 'public' }] }] });
});
afterAll(async () => {
  await double?.close();
});

function envFor(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return orchestratorEnv(databaseUrl, double, { REPLICATION_SLOT: SLOT, PUBLICATION, AIRBYTE_DATABASE_USER: 'airbyte_reader', ...extra });
}

async function publicationTables(databaseUrl: string): Promise<string[]> {
  const rows = await query<{ name: string }>(databaseUrl, 'SELECT schemaname || \'.\' || tablename AS name FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1', [PUBLICATION]);
  return rows.map((r) => r.name);
}

test('pure: the publication plan adds and drops exactly the difference; the fix statement quotes names', () => {
  const t = (schema: string, table: string) => ({ schema, table });
  expect(planPublication([t('public', 'a'), t('public', 'b')], [t('public', 'b'), t('sales', 'c')])).toEqual({ add: [t('sales', 'c')], drop: [t('public', 'a')] });
  expect(planPublication([t('public', 'a')], [t('public', 'a')])).toEqual({ add: [], drop: [] });
  expect(replicaIdentityFix(t('Sales', 'order "lines"'))).toBe('ALTER TABLE "Sales"."order ""lines""" REPLICA IDENTITY FULL;');
  expect(grantRoleStatement('App Owner', 'master')).toBe('GRANT "App Owner" TO "master";');
});

test('pure: the SCRAM-SHA-256 verifier authenticates the RFC 7677 example exchange', () => {
  // RFC 7677 section 3: password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations, and the
  // exchange's AuthMessage, client proof (p=) and server signature (v=). A server holding only our
  // verifier must accept that proof and produce that signature.
  const verifier = scramSha256Verifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const match = /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  expect(match).not.toBeNull();
  const [storedKey, serverKey] = [Buffer.from(match![1], 'base64'), Buffer.from(match![2], 'base64')];
  const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`;
  expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
  const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
  const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]));
  expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
  expect(scramSha256Verifier('pencil')).not.toBe(scramSha256Verifier('pencil')); // a fresh salt each time
});

test('prepare-source creates publication, slot, grants and heartbeat; idempotent; follows the streams; retire-source drops', async () => {
  const databaseUrl = await logical.current.createDatabase('prepare');
  await createWatchedTables(databaseUrl);
  await write(databaseUrl, 'CREATE ROLE airbyte_reader LOGIN; CREATE TABLE public.events (happened_at timestamptz, note text)');

  const first = await runOrchestrator(['prepare-source'], envFor(databaseUrl));
  expect(first.code).toBe(0);
  const report = JSON.parse(first.stdout);
  expect(report).toMatchObject({ ok: true, slot: { name: SLOT, created: true }, publication: { name: PUBLICATION, created: true }, heartbeat: 'airbyte_heartbeat.heartbeat' });
  expect(report.grants).toEqual(
    expect.arrayContaining([
      'ALTER ROLE "airbyte_reader" REPLICATION',
      'GRANT USAGE ON SCHEMA "airbyte_heartbeat" TO "airbyte_reader"',
      'GRANT SELECT ON "public"."orders" TO "airbyte_reader"',
      'GRANT SELECT ON "public"."customers" TO "airbyte_reader"',
      'GRANT SELECT, INSERT, UPDATE ON "airbyte_heartbeat"."heartbeat" TO "airbyte_reader"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON TABLES TO "airbyte_reader"',
    ]),
  );
  expect(await publicationTables(databaseUrl)).toEqual(['airbyte_heartbeat.heartbeat', 'public.customers', 'public.orders']);
  const slots = await query(databaseUrl, 'SELECT plugin, slot_type FROM pg_replication_slots WHERE slot_name = $1', [SLOT]);
  expect(slots).toEqual([{ plugin: 'pgoutput', slot_type: 'logical' }]);
  const role = await query(databaseUrl, "SELECT rolreplication FROM pg_roles WHERE rolname = 'airbyte_reader'");
  expect(role).toEqual([{ rolreplication: true }]);
  // The Airbyte login can run the heartbeat_action_query of the Airbyte stack.
  await write(
    databaseUrl,
    `SET ROLE airbyte_reader; ${HEARTBEAT_ACTION_QUERY}; SELECT count(*) FROM public.orders; RESET ROLE`,
  );

  const second = await runOrchestrator(['prepare-source'], envFor(databaseUrl));
  expect(second.code).toBe(0);
  expect(JSON.parse(second.stdout)).toMatchObject({ slot: { created: false }, publication: { created: false, added: [], removed: [] }, grants: [], tablesWithoutPrimaryKey: [] });

  // The connection's streams change: customers leaves, events (no primary key) joins.
  double.addConnection({ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }, { name: 'events', namespace: 'public' }] });
  const third = await runOrchestrator(['prepare-source'], envFor(databaseUrl));
  expect(third.code).toBe(0);
  const changed = JSON.parse(third.stdout);
  // events stays out of the publication (full refresh only), so the application's writes keep working.
  expect(changed.publication).toMatchObject({ added: [], removed: ['public.customers'] });
  expect(changed.tablesWithoutPrimaryKey).toEqual([{ table: 'public.events', fix: 'ALTER TABLE "public"."events" REPLICA IDENTITY FULL;', reason: expect.stringContaining('full refresh only') }]);
  expect(third.logs.some((l) => l.level === 'warn' && String(l.fix).includes('REPLICA IDENTITY FULL'))).toBe(true);
  expect(await publicationTables(databaseUrl)).toEqual(['airbyte_heartbeat.heartbeat', 'public.orders']);
  // Reported, not changed.
  expect(await query(databaseUrl, "SELECT relreplident FROM pg_class WHERE oid = 'public.events'::regclass")).toEqual([{ relreplident: 'd' }]);

  const refused = await runOrchestrator(['retire-source'], envFor(databaseUrl));
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('--confirm');
  expect(await query(databaseUrl, 'SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1', [SLOT])).toHaveLength(1);

  // retire-source needs no Airbyte credentials (teardown may run without Airbyte).
  const retireEnv = { SOURCE_DATABASE_URL: databaseUrl, CDC_ENVIRONMENT: 'test', LOG_LEVEL: 'info' };
  for (const expected of [true, false]) {
    const retired = await runOrchestrator(['retire-source', '--confirm'], retireEnv);
    expect(retired.code).toBe(0);
    expect(JSON.parse(retired.stdout)).toEqual({ ok: true, slot: { name: SLOT, dropped: expected }, publication: { name: PUBLICATION, dropped: expected } });
  }
  expect(await query(databaseUrl, 'SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1', [SLOT])).toEqual([]);
  expect(await query(databaseUrl, 'SELECT pubname FROM pg_publication WHERE pubname = $1', [PUBLICATION])).toEqual([]);
});

test('wal_level=replica: prepare-source names the parameter group setting and the reboot, exit 2, changes nothing', async () => {
  const databaseUrl = await replica.current.createDatabase('replica');
  await createWatchedTables(databaseUrl);
  await write(databaseUrl, 'CREATE ROLE airbyte_reader LOGIN');
  const result = await runOrchestrator(['prepare-source'], envFor(databaseUrl));
  expect(result.code).toBe(2);
  const message = result.logs.map((l) => String(l.msg)).join('\n');
  expect(message).toContain('wal_level is "replica"');
  expect(message).toContain('rds.logical_replication = 1');
  expect(message).toMatch(/reboot/);
  expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: expect.stringContaining('wal_level is "replica"') });
  expect(await query(databaseUrl, 'SELECT pubname FROM pg_publication')).toEqual([]);
});

test('slot names starting with rds are refused before connecting (exit 2, naming the variable)', async () => {
  const result = await runOrchestrator(['prepare-source'], envFor('postgres://nobody@127.0.0.1:1/none', { REPLICATION_SLOT: 'rds_airbyte' }));
  expect(result.code).toBe(2);
  expect(result.logs[0]).toMatchObject({ variable: 'REPLICATION_SLOT' });
  expect(String(result.logs[0].msg)).toContain('reserved by RDS');
});

test('without a slot name prepare-source says which variable to set', async () => {
  const env = envFor('postgres://nobody@127.0.0.1:1/none');
  delete env.REPLICATION_SLOT;
  const result = await runOrchestrator(['prepare-source'], env);
  expect(result.code).toBe(2);
  expect(result.logs[0]).toMatchObject({ variable: 'REPLICATION_SLOT' });
  expect(String(result.logs[0].msg)).toContain('CDC_ENVIRONMENT');
});

test('PostgreSQL without rds_replication and a non-superuser admin: the REPLICATION attribute only a superuser can give is asked for (exit 2, nothing changed)', async () => {
  const name = `plain_${process.pid}`;
  await write(logical.current.url(), `CREATE ROLE ${name}_admin LOGIN CREATEROLE; CREATE ROLE ${name}_reader LOGIN`);
  await write(logical.current.url(), `CREATE DATABASE ${name} OWNER ${name}_admin`);
  const superUrl = logical.current.url(name);
  const adminUrl = superUrl.replace('//postgres@', `//${name}_admin@`);
  await write(adminUrl, 'CREATE TABLE public.orders (id int PRIMARY KEY)');
  const env = { SOURCE_ADMIN_DATABASE_URL: adminUrl, SOURCE_TABLES: 'public.orders', AIRBYTE_DATABASE_USER: `${name}_reader`, REPLICATION_SLOT: SLOT, PUBLICATION };
  const result = await runOrchestrator(['prepare-source'], env);
  expect(result.code).toBe(2);
  expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, statements: [`ALTER ROLE "${name}_reader" REPLICATION;`, `ALTER ROLE "${name}_admin" REPLICATION;`] });
  expect(JSON.parse(result.stdout).error).toContain('only a superuser can give on PostgreSQL without an rds_replication role');
  expect(await query(superUrl, 'SELECT pubname FROM pg_publication')).toEqual([]);
  expect(await query(superUrl, "SELECT nspname FROM pg_namespace WHERE nspname = 'airbyte_heartbeat'")).toEqual([]);

  // A superuser gives both; then the non-superuser admin prepares.
  await write(logical.current.url(), `ALTER ROLE ${name}_reader REPLICATION; ALTER ROLE ${name}_admin REPLICATION`);
  const prepared = await runOrchestrator(['prepare-source'], env);
  expect(prepared.code).toBe(0);
  expect(JSON.parse(prepared.stdout)).toMatchObject({ login: { created: false, replication: 'REPLICATION attribute' }, slot: { created: true } });
  await query(superUrl, 'SELECT pg_drop_replication_slot($1)', [SLOT]);
});
