// The source probe against real PostgreSQL: constant round trips, quoted identifiers, counters.
import { Client } from 'pg';
import { Queryable, SourceProbe, WatchedTable, probeTables } from '../../orchestrator/src/probe/source-probe';
import { usePostgresCluster } from '../support/postgres';
import { flushStats } from '../support/orchestrator-fixtures';

const cluster = usePostgresCluster();
let client: Client;
let counting: Queryable & { trips: number };

beforeAll(async () => {
  const url = await cluster.current.createDatabase('probe');
  client = new Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE SCHEMA "Odd ""Schema"""');
  await client.query('CREATE TABLE "Odd ""Schema"""."Table; DROP TABLE x" (id int, "Updated At" timestamptz)');
  await client.query('CREATE INDEX ON "Odd ""Schema"""."Table; DROP TABLE x" ("Updated At")');
  await client.query(`INSERT INTO "Odd ""Schema"""."Table; DROP TABLE x" VALUES (1, '2024-01-02T03:04:05Z')`);
  await client.query('CREATE TABLE public.no_cursor (id int)');
  await client.query('CREATE TABLE public.unindexed (id int, updated_at timestamptz)');
  await client.query(`INSERT INTO public.unindexed VALUES (1, '2024-01-01T00:00:00Z')`);
  await client.query(`CREATE TABLE public.text_cursor (id int, updated_at text)`);
  await client.query(`INSERT INTO public.text_cursor VALUES (1, 'a<b & "c"')`);
  for (let i = 0; i < 30; i += 1) await client.query(`CREATE TABLE public.many_${i} (id int, updated_at timestamptz DEFAULT now())`);
  await flushStats(client);
  const trips = { trips: 0 };
  counting = Object.assign(trips, {
    query: async (text: string, values?: unknown[]) => {
      trips.trips += 1;
      return client.query(text, values);
    },
  }) as unknown as Queryable & { trips: number };
});

afterAll(async () => {
  await client.end();
});

const odd: WatchedTable = { schema: 'Odd "Schema"', table: 'Table; DROP TABLE x', cursorColumn: 'Updated At' };

test('hostile names are quoted, missing tables and columns are reported, text cursors round-trip', async () => {
  const [oddTable, noCursor, missing, unindexed, text] = await probeTables(client, [
    odd,
    { schema: 'public', table: 'no_cursor', cursorColumn: 'updated_at' },
    { schema: 'public', table: 'missing', cursorColumn: 'updated_at' },
    { schema: 'public', table: 'unindexed', cursorColumn: 'updated_at' },
    { schema: 'public', table: 'text_cursor', cursorColumn: 'updated_at' },
  ]);
  expect(oddTable).toMatchObject({ exists: true, hasCursorColumn: true, cursorIndexed: true, cursor: '2024-01-02 03:04:05+00', columnHash: expect.stringMatching(/^[0-9a-f]{32}$/) });
  expect(noCursor).toMatchObject({ exists: true, hasCursorColumn: false, cursor: null });
  expect(missing).toMatchObject({ exists: false, cursor: null, modificationCount: null });
  expect(unindexed).toMatchObject({ cursorIndexed: false });
  expect(text.cursor).toBe('a<b & "c"');
  expect((await client.query('SELECT count(*)::int AS n FROM "Odd ""Schema"""."Table; DROP TABLE x"')).rows[0].n).toBe(1);
});

test('round trips do not grow with the number of tables', async () => {
  const few = Array.from({ length: 3 }, (_, i) => ({ schema: 'public', table: `many_${i}`, cursorColumn: 'updated_at' }));
  const many = Array.from({ length: 30 }, (_, i) => ({ schema: 'public', table: `many_${i}`, cursorColumn: 'updated_at' }));
  counting.trips = 0;
  await probeTables(counting, few);
  const forFew = counting.trips;
  counting.trips = 0;
  await probeTables(counting, many);
  expect(forFew).toBe(2);
  expect(counting.trips).toBe(forFew);
});

test('SourceProbe re-reads max(cursor) only for tables whose counters moved, plus a periodic full sweep', async () => {
  let now = 1_000_000;
  const probe = new SourceProbe(counting, { fullSweepMs: 60_000, now: () => now });
  const tables = [odd, { schema: 'public', table: 'unindexed', cursorColumn: 'updated_at' }];
  counting.trips = 0;
  await probe.observe(tables);
  expect(counting.trips).toBe(2);

  counting.trips = 0;
  const quiet = await probe.observe(tables);
  expect(counting.trips).toBe(1); // catalog only
  expect(quiet[0].cursor).toBe('2024-01-02 03:04:05+00');

  await client.query(`INSERT INTO public.unindexed VALUES (2, '2030-01-01T00:00:00Z')`);
  await flushStats(client);
  counting.trips = 0;
  const changed = await probe.observe(tables);
  expect(counting.trips).toBe(2);
  expect(changed[1].cursor).toBe('2030-01-01 00:00:00+00');

  now += 60_000;
  counting.trips = 0;
  await probe.observe(tables);
  expect(counting.trips).toBe(2);
});

/** A source whose statistics lag: counters never move, only the WAL position and the cursor do. */
function laggingStatsSource() {
  const state = { lsn: '0/1000', cursor: '2024-01-01 00:00:00+00', maxReads: 0, trips: 0 };
  const db: Queryable = {
    query: async (text: string) => {
      state.trips += 1;
      if (text.includes('WITH wanted')) {
        return {
          rows: [{ ord: 1, exists: true, has_cursor: true, cursor_indexed: true, modification_count: '7', storage_id: '16384', wal_lsn: state.lsn, column_hash: 'h' }],
        } as never;
      }
      if (text.includes('query_to_xml')) {
        state.maxReads += 1;
        return { rows: [{ i: 0, m: state.cursor }] } as never;
      }
      if (text.includes('pg_current_wal_lsn')) return { rows: [{ lsn: state.lsn }] } as never;
      throw new Error(`unexpected query: ${text}`);
    },
  };
  return { db, state };
}

test('a commit moves the WAL position, so its row is seen on the next cycle before the statistics show it', async () => {
  const { db, state } = laggingStatsSource();
  const probe = new SourceProbe(db, { fullSweepMs: 3_600_000 });
  const table: WatchedTable = { schema: 'public', table: 'orders', cursorColumn: 'updated_at' };
  await probe.observe([table]);
  expect(state.maxReads).toBe(1);

  await probe.observe([table]);
  expect(state.maxReads).toBe(1); // nothing written anywhere: catalog only

  state.lsn = '0/2000';
  state.cursor = '2024-01-01 00:00:05+00';
  const [seen] = await probe.observe([table]);
  expect(state.maxReads).toBe(2);
  expect(seen.cursor).toBe('2024-01-01 00:00:05+00');
});

test('settle() makes the orchestrator\'s own writes count as seen, so an idle source stays on the cheap path', async () => {
  const { db, state } = laggingStatsSource();
  const probe = new SourceProbe(db, { fullSweepMs: 3_600_000 });
  const table: WatchedTable = { schema: 'public', table: 'orders', cursorColumn: 'updated_at' };
  await probe.observe([table]);
  state.lsn = '0/3000'; // our state writes after the cycle
  await probe.settle();
  state.trips = 0;
  await probe.observe([table]);
  expect(state.maxReads).toBe(1);
  expect(state.trips).toBe(1);
  state.lsn = '0/3100'; // a source commit after that
  await probe.observe([table]);
  expect(state.maxReads).toBe(2);
});
