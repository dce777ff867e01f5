// WAL guard against real PostgreSQL: a slot nobody consumes falls behind as WAL is written; the
// cycle triggers a sync (reason wal_lag) and alerts once; advancing the slot (standing in for the
// Airbyte job consuming) clears the alert once.
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';
import { usePostgresCluster } from '../support/postgres';
import { CONNECTION_ID, createWatchedTables, orchestratorEnv, query, runOrchestrator, write } from '../support/orchestrator-fixtures';
import { WebhookCapture, startWebhookCapture } from '../support/webhook-capture';

const cluster = usePostgresCluster();
const SLOT = 'airbyte_walguard_slot';
let double: AirbyteDouble;
let webhook: WebhookCapture;
let databaseUrl: string;
let env: Record<string, string>;

beforeEach(async () => {
  databaseUrl = await cluster.current.createDatabase('walguard');
  await createWatchedTables(databaseUrl);
  double = await AirbyteDouble.start({ connections: [{ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }, { name: 'customers', namespace: 'public' }] }], job: { durationMs: 20 } });
  webhook = await startWebhookCapture();
  env = orchestratorEnv(databaseUrl, double, { REPLICATION_SLOT: SLOT, WAL_LAG_ALERT_BYTES: '1MiB', ALERT_WEBHOOK_URL: webhook.url });
});

afterEach(async () => {
  await query(databaseUrl, 'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [SLOT]);
  await double.close();
  await webhook.close();
});

async function once() {
  const result = await runOrchestrator(['once'], env);
  expect(result.stderr).not.toContain('sEcReTpAtH');
  return result;
}

async function lagBytes(): Promise<number> {
  const rows = await query<{ lag: string }>(databaseUrl, 'SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = $1', [SLOT]);
  return Number(rows[0].lag);
}

test('lag over the threshold: one wal_lag sync per cycle, one alert; advancing the slot clears it once', async () => {
  await query(databaseUrl, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [SLOT]);
  const baseline = await once();
  expect(baseline.code).toBe(0);
  expect(baseline.summary?.connections[0].jobs).toEqual([expect.objectContaining({ reason: 'initial', status: 'succeeded' })]);
  expect(webhook.texts).toEqual([]);

  // WAL written elsewhere in the database (an unwatched table): no watched table changes.
  await write(databaseUrl, "CREATE TABLE public.unwatched AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 20000) g");
  expect(await lagBytes()).toBeGreaterThan(1024 * 1024);

  const lagging = await once();
  expect(lagging.code).toBe(0);
  expect(lagging.summary?.connections[0]).toMatchObject({ changedTables: [], jobs: [expect.objectContaining({ reason: 'wal_lag', status: 'succeeded' })] });
  const history = await query(databaseUrl, 'SELECT trigger_reason, reason FROM airbyte_orchestrator.job_history ORDER BY job_id DESC LIMIT 1');
  expect(history[0].trigger_reason).toBe('wal_lag');
  expect(String(history[0].reason)).toContain(`slot ${SLOT} lags`);
  expect(webhook.texts).toHaveLength(1);
  expect(webhook.texts[0]).toContain(`Replication slot ${SLOT} holds back`);

  // Still lagging: with CDC the slot's confirmed position moves only when the next sync starts, so
  // the lag still includes what the WAL-lag sync read. Not forced again on that stale number.
  const still = await once();
  expect(still.summary?.connections[0].jobs).toEqual([]);
  expect(still.logs.some((l) => String(l.msg).startsWith('slot lag still includes the last WAL-lag sync'))).toBe(true);
  expect(webhook.texts).toHaveLength(1);

  // More than the threshold written since that sync was triggered: that WAL is new, so it syncs again.
  await write(databaseUrl, "CREATE TABLE public.unwatched_2 AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 20000) g");
  const more = await once();
  expect(more.summary?.connections[0].jobs).toEqual([expect.objectContaining({ reason: 'wal_lag', status: 'succeeded' })]);
  expect(webhook.texts).toHaveLength(1);

  // The consumer catches up.
  await query(databaseUrl, 'SELECT pg_replication_slot_advance($1, pg_current_wal_lsn())', [SLOT]);
  const caughtUp = await once();
  expect(caughtUp.summary?.connections[0].jobs).toEqual([]);
  expect(webhook.texts).toHaveLength(2);
  expect(webhook.texts[1]).toContain('lag is back under 1 MiB');
  await once();
  expect(webhook.texts).toHaveLength(2);

  const slotState = await query(databaseUrl, 'SELECT slot_exists, lag_bytes::bigint < 1048576 AS small FROM airbyte_orchestrator.wal_guard_state WHERE slot_name = $1', [SLOT]);
  expect(slotState).toEqual([{ slot_exists: true, small: true }]);
  expect(await query(databaseUrl, 'SELECT count(*)::int AS n FROM airbyte_orchestrator.alert_state WHERE active')).toEqual([{ n: 0 }]);
});

test('a missing slot is reported as such (one alert), and a failing webhook never stops the cycle', async () => {
  webhook.status = 500;
  const first = await once();
  expect(first.code).toBe(0);
  expect(first.logs.some((l) => String(l.msg).includes('replication slot does not exist'))).toBe(true);
  expect(first.logs.some((l) => l.msg === 'alert webhook delivery failed; the cycle goes on' && String(l.webhook).startsWith('http://127.0.0.1:'))).toBe(true);
  expect(webhook.texts.filter((t) => t.includes('does not exist'))).toHaveLength(2); // two attempts, both answered 500
  webhook.status = 200;
  await once();
  expect(webhook.texts.filter((t) => t.includes('does not exist'))).toHaveLength(2); // not announced again
  await query(databaseUrl, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [SLOT]);
  await once();
  expect(webhook.texts[webhook.texts.length - 1]).toContain(`Replication slot ${SLOT} exists again`);
});

test('a watched table that drops out of the publication (recreated by the application) alerts once; prepare-source puts it back and the alert clears once', async () => {
  const login = `airbyte_wg_${process.pid}_${Date.now()}`;
  await write(databaseUrl, `CREATE ROLE ${login} LOGIN`);
  env = { ...env, PUBLICATION: 'airbyte_walguard_publication', AIRBYTE_DATABASE_USER: login };
  expect((await runOrchestrator(['prepare-source'], env)).code).toBe(0);
  await once();
  const drift = () => webhook.texts.filter((t) => t.includes('not in publication airbyte_walguard_publication'));
  expect(drift()).toEqual([]);

  await write(databaseUrl, 'DROP TABLE public.customers; CREATE TABLE public.customers (id serial PRIMARY KEY, note text, updated_at timestamptz NOT NULL DEFAULT now())');
  const dropped = await once();
  expect(dropped.logs.some((l) => String(l.msg).startsWith('watched tables are not in the publication') && JSON.stringify(l.tables) === '["public.customers"]')).toBe(true);
  expect(drift()).toHaveLength(1);
  expect(drift()[0]).toContain(': public.customers (dropped and recreated?)');
  await once();
  expect(drift()).toHaveLength(1);

  expect((await runOrchestrator(['prepare-source'], env)).code).toBe(0);
  await once();
  expect(webhook.texts[webhook.texts.length - 1]).toContain('Every watched table is in publication airbyte_walguard_publication again');
  await once();
  expect(drift()).toHaveLength(1);
  await write(databaseUrl, `DROP OWNED BY ${login}`);
});

describe('slot invalidation (max_slot_wal_keep_size = 1MB)', () => {
  const lossy = usePostgresCluster({ serverOptions: { max_slot_wal_keep_size: '1MB' } });
  const LOSSY_SLOT = 'airbyte_lossy_slot';

  test('unreserved: sync now + "about to be invalidated"; lost: no forced sync + "recreate, reset"; prepare-source exits 2 until --recreate-lost-slot', async () => {
    const url = await lossy.current.createDatabase('lossy');
    await createWatchedTables(url);
    const login = `airbyte_lossy_${process.pid}`;
    await write(url, `CREATE ROLE ${login} LOGIN`);
    const lossyEnv = orchestratorEnv(url, double, { REPLICATION_SLOT: LOSSY_SLOT, PUBLICATION: 'airbyte_lossy_publication', AIRBYTE_DATABASE_USER: login, ALERT_WEBHOOK_URL: webhook.url });
    const run = (argv: string[]) => runOrchestrator(argv, lossyEnv);
    const walStatus = async () => (await query<{ wal_status: string }>(url, 'SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1', [LOSSY_SLOT]))[0]?.wal_status;
    expect((await run(['prepare-source'])).code).toBe(0);
    expect((await run(['once'])).code).toBe(0);

    // WAL beyond max_slot_wal_keep_size: no longer reserved, not yet removed (until a checkpoint).
    for (let i = 0; i < 3; i += 1) {
      await write(url, "CREATE TABLE IF NOT EXISTS public.filler (x text); INSERT INTO public.filler SELECT repeat('x', 100) FROM generate_series(1, 1000); SELECT pg_switch_wal()");
    }
    expect(await walStatus()).toBe('unreserved');
    const atRisk = await run(['once']);
    // The confirmed lag is far under WAL_LAG_ALERT_BYTES (1 GiB); safe_wal_size is what forces the sync.
    expect(atRisk.summary?.connections[0]).toMatchObject({ changedTables: [], jobs: [expect.objectContaining({ reason: 'wal_lag', status: 'succeeded' })] });
    expect(webhook.texts.filter((t) => t.includes(`Replication slot ${LOSSY_SLOT} is about to be invalidated (wal_status=unreserved`))).toHaveLength(1);

    await query(url, 'CHECKPOINT');
    expect(await walStatus()).toBe('lost');
    const lost = await run(['once']);
    expect(lost.summary?.connections[0].jobs).toEqual([]);
    const lostTexts = webhook.texts.filter((t) => t.includes(`Replication slot ${LOSSY_SLOT} is lost`));
    expect(lostTexts).toHaveLength(1);
    expect(lostTexts[0]).toContain('prepare-source --recreate-lost-slot');
    expect(lostTexts[0]).toContain('reset the connection in Airbyte (full resync)');
    expect(webhook.texts.some((t) => t.includes(`Replication slot ${LOSSY_SLOT} is no longer at risk`))).toBe(true);

    const refused = await run(['prepare-source']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).error).toMatch(/slot "airbyte_lossy_slot" is lost.*run prepare-source --recreate-lost-slot, then reset the connection in Airbyte \(full resync\)/);
    expect(await walStatus()).toBe('lost');

    const recreated = await run(['prepare-source', '--recreate-lost-slot']);
    expect(recreated.code).toBe(0);
    expect(JSON.parse(recreated.stdout).slot).toEqual({ name: LOSSY_SLOT, created: true, recreated: true });
    expect(await walStatus()).toBe('reserved');
    await query(url, 'SELECT pg_drop_replication_slot($1)', [LOSSY_SLOT]);
    await write(url, `DROP OWNED BY ${login}`);
  });
});
