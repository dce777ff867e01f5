// prepare-source / retire-source against real PostgreSQL: a wal_level=logical cluster, and a
// wal_level=replica cluster for the refusal. Runs `main` in-process with the Airbyte double.
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';
import { planPublication, replicaIdentityFix } from '../../orchestrator/src/source-preparation';
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
});

test('prepare-source creates publication, slot, grants and heartbeat; idempotent; follows the streams; retire-source drops', async () => {
  const databaseUrl = await logical.current.createDatabase('prepare');
  await createWatchedTables(databaseUrl);
  await write(databaseUrl, 'CREATE ROLE airbyte_reader LOGIN; CREATE TABLE public.events (happened_at timestamptz, note text)');

  const first = await runOrchestrator(['prepare-source'], envFor(databaseUrl));
  expect(first.code).toBe(0);
  const report = JSON.parse(first.stdout);
  expect(report).toMatchObject({ ok: true, slot: { name: SLOT, created: true }, publication: { name: PUBLICATION, created: true }, heartbeat: 'airbyte_orchestrator.heartbeat' });
  expect(report.grants).toEqual(
    expect.arrayContaining([
      'ALTER ROLE "airbyte_reader" REPLICATION',
      'GRANT USAGE ON SCHEMA "airbyte_orchestrator" TO "airbyte_reader"',
      'GRANT SELECT ON "public"."orders" TO "airbyte_reader"',
      'GRANT SELECT ON "public"."customers" TO "airbyte_reader"',
      'GRANT SELECT, INSERT, UPDATE ON "airbyte_orchestrator"."heartbeat" TO "airbyte_reader"',
    ]),
  );
  expect(await publicationTables(databaseUrl)).toEqual(['airbyte_orchestrator.heartbeat', 'public.customers', 'public.orders']);
  const slots = await query(databaseUrl, 'SELECT plugin, slot_type FROM pg_replication_slots WHERE slot_name = $1', [SLOT]);
  expect(slots).toEqual([{ plugin: 'pgoutput', slot_type: 'logical' }]);
  const role = await query(databaseUrl, "SELECT rolreplication FROM pg_roles WHERE rolname = 'airbyte_reader'");
  expect(role).toEqual([{ rolreplication: true }]);
  // The Airbyte login can run the heartbeat_action_query of the Airbyte stack.
  await write(
    databaseUrl,
    "SET ROLE airbyte_reader; INSERT INTO airbyte_orchestrator.heartbeat (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at; SELECT count(*) FROM public.orders; RESET ROLE",
  );

  const second = await runOrchestrator(['prepare-source'], envFor(databaseUrl));
  expect(second.code).toBe(0);
  expect(JSON.parse(second.stdout)).toMatchObject({ slot: { created: false }, publication: { created: false, added: [], removed: [] }, grants: [], tablesWithoutPrimaryKey: [] });

  // The connection's streams change: customers leaves, events (no primary key) joins.
  double.addConnection({ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }, { name: 'events', namespace: 'public' }] });
  const third = await runOrchestrator(['prepare-source'], envFor(databaseUrl));
  expect(third.code).toBe(0);
  const changed = JSON.parse(third.stdout);
  expect(changed.publication).toMatchObject({ added: ['public.events'], removed: ['public.customers'] });
  expect(changed.tablesWithoutPrimaryKey).toEqual([{ table: 'public.events', fix: 'ALTER TABLE "public"."events" REPLICA IDENTITY FULL;' }]);
  expect(third.logs.some((l) => l.level === 'warn' && String(l.fix).includes('REPLICA IDENTITY FULL'))).toBe(true);
  expect(await publicationTables(databaseUrl)).toEqual(['airbyte_orchestrator.heartbeat', 'public.events', 'public.orders']);
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
  expect(result.stdout).toBe('');
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
