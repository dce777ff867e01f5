// The behaviour scenarios, each against a real PostgreSQL (wal_level=logical) and the
// Airbyte double, running the orchestrator's `main` in-process.
import type { AddressInfo } from 'net';
import { main } from '../../orchestrator/src/app';
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';
import { usePostgresCluster } from '../support/postgres';
import { CONNECTION_ID, RunResult, createWatchedTables, orchestratorEnv, query, runOrchestrator, waitFor, write } from '../support/orchestrator-fixtures';

const cluster = usePostgresCluster();
let double: AirbyteDouble;
let databaseUrl: string;
let env: Record<string, string>;

beforeEach(async () => {
  databaseUrl = await cluster.current.createDatabase('scenario');
  await createWatchedTables(databaseUrl);
  double = await AirbyteDouble.start({
    connections: [{ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }, { name: 'customers', namespace: 'public' }] }],
    job: { durationMs: 30 },
  });
  env = orchestratorEnv(databaseUrl, double);
});

afterEach(async () => {
  await double.close();
});

async function once(extra: Record<string, string> = {}): Promise<RunResult> {
  return runOrchestrator(['once'], { ...env, ...extra });
}

/** First run: nothing synced yet, so one initial sync establishes the watermarks. */
async function baseline(): Promise<void> {
  const result = await once();
  expect(result.code).toBe(0);
  expect(result.summary?.connections[0].jobs).toEqual([expect.objectContaining({ origin: 'triggered', status: 'succeeded' })]);
  expect(double.createdJobIds()).toHaveLength(1);
}

async function syncState(table: string): Promise<Record<string, unknown>> {
  const rows = await query(databaseUrl, 'SELECT * FROM airbyte_orchestrator.sync_state WHERE connection_id = $1 AND table_name = $2', [CONNECTION_ID, table]);
  return rows[0];
}

test('nothing changed: no job', async () => {
  await baseline();
  const result = await once();
  expect(result.code).toBe(0);
  expect(result.summary?.connections[0]).toMatchObject({ outcome: 'unchanged', jobs: [], changedTables: [] });
  expect(double.createdJobIds()).toHaveLength(1);
});

test('insert: exactly one job, and the watermark moves to the new row', async () => {
  await baseline();
  await write(databaseUrl, "INSERT INTO public.orders (note, updated_at) VALUES ('new', '2100-01-01T00:00:00Z')");
  const result = await once();
  expect(result.code).toBe(0);
  expect(result.summary?.connections[0].changedTables).toEqual(['public.orders']);
  expect(double.createdJobIds()).toHaveLength(2);
  expect((await syncState('orders')).cursor_watermark).toBe('2100-01-01 00:00:00+00');
  expect((await once()).summary?.connections[0].jobs).toEqual([]);
  expect(double.createdJobIds()).toHaveLength(2);
});

test('update: exactly one job', async () => {
  await baseline();
  await write(databaseUrl, "UPDATE public.customers SET note = 'changed', updated_at = now() WHERE id = 2");
  const result = await once();
  expect(result.summary?.connections[0].changedTables).toEqual(['public.customers']);
  expect(double.createdJobIds()).toHaveLength(2);
  expect((await once()).summary?.connections[0].jobs).toEqual([]);
});

test('a row written with an old updated_at is still synced', async () => {
  await baseline();
  const before = await syncState('orders');
  await write(databaseUrl, "INSERT INTO public.orders (note, updated_at) VALUES ('backdated', '2001-01-01T00:00:00Z')");
  const result = await once();
  expect(result.summary?.connections[0].changedTables).toEqual(['public.orders']);
  expect(double.createdJobIds()).toHaveLength(2);
  const after = await syncState('orders');
  expect(after.cursor_watermark).toBe(before.cursor_watermark);
  expect(Number(after.modification_count)).toBeGreaterThan(Number(before.modification_count));
});

test('a delete is synced', async () => {
  await baseline();
  await write(databaseUrl, 'DELETE FROM public.orders WHERE id = 1');
  const result = await once();
  expect(result.summary?.connections[0].changedTables).toEqual(['public.orders']);
  expect(double.createdJobIds()).toHaveLength(2);
});

test('a truncate is synced', async () => {
  await baseline();
  await write(databaseUrl, 'TRUNCATE public.customers');
  const result = await once();
  expect(result.summary?.connections[0].changedTables).toEqual(['public.customers']);
  expect(double.createdJobIds()).toHaveLength(2);
});

test('a change while a sync is running: attach to it, then exactly one follow-up job', async () => {
  await baseline();
  const external = double.startJob(CONNECTION_ID, { durationMs: Infinity });
  await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('during the sync')");
  const running = once();
  await waitFor('the 409 and the running-job lookup', () => double.requestsTo('GET', '/api/public/v1/jobs').some((r) => r.path === '/api/public/v1/jobs' && r.query.orderBy === 'createdAt|DESC') || undefined);
  expect(double.requestsTo('POST', '/api/public/v1/jobs').map((r) => r.status)).toEqual([200, 409]);
  double.finishJob(external, 'succeeded');
  const result = await running;
  expect(result.code).toBe(0);
  expect(result.summary?.connections[0].jobs).toEqual([
    { jobId: external, origin: 'attached', status: 'succeeded' },
    expect.objectContaining({ origin: 'triggered', status: 'succeeded' }),
  ]);
  // baseline + follow-up; never a second job while one ran
  expect(double.createdJobIds()).toHaveLength(2);
  const history = await query(databaseUrl, 'SELECT job_id, origin, status FROM airbyte_orchestrator.job_history ORDER BY requested_at');
  expect(history.map((row) => row.origin)).toEqual(['triggered', 'attached', 'triggered']);
  expect((await once()).summary?.connections[0].jobs).toEqual([]);
});

test('a failed job leaves the watermark unchanged and is retried next cycle', async () => {
  await baseline();
  const before = await syncState('orders');
  await write(databaseUrl, "INSERT INTO public.orders (note, updated_at) VALUES ('x', '2100-01-01T00:00:00Z')");
  double.queueOutcomes('failed');
  const failed = await once();
  expect(failed.code).toBe(1);
  expect(failed.summary?.connections[0]).toMatchObject({ outcome: 'failed' });
  const afterFailure = await syncState('orders');
  expect(afterFailure.cursor_watermark).toBe(before.cursor_watermark);
  expect(afterFailure.last_synced_at).toEqual(before.last_synced_at);
  expect(String(afterFailure.last_error)).toContain('failed');

  const retried = await once();
  expect(retried.code).toBe(0);
  expect(retried.summary?.connections[0].jobs).toEqual([expect.objectContaining({ origin: 'triggered', status: 'succeeded' })]);
  expect((await syncState('orders')).cursor_watermark).toBe('2100-01-01 00:00:00+00');
  expect(double.createdJobIds()).toHaveLength(3);
});

test('a column added: schema refresh (discover, cache disabled) before the sync; hash stored only after success', async () => {
  await baseline();
  const before = await syncState('orders');
  await write(databaseUrl, 'ALTER TABLE public.orders ADD COLUMN amount numeric(12,2)');

  double.queueOutcomes('failed');
  const failed = await once();
  expect(failed.code).toBe(1);
  expect((await syncState('orders')).column_hash).toBe(before.column_hash);

  const requestsBefore = double.requests.length;
  const result = await once();
  expect(result.code).toBe(0);
  expect(result.summary?.connections[0].schemaRefreshed).toBe(true);
  const later = double.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path}`);
  const discoverAt = later.indexOf('POST /api/v1/sources/discover_schema');
  const syncAt = later.indexOf('POST /api/public/v1/jobs');
  expect(discoverAt).toBeGreaterThanOrEqual(0);
  expect(syncAt).toBeGreaterThan(discoverAt);
  expect(double.requestsTo('POST', '/api/v1/sources/discover_schema').at(-1)?.body).toEqual({ sourceId: expect.any(String), connectionId: CONNECTION_ID, disable_cache: true });
  const after = await syncState('orders');
  expect(after.column_hash).not.toBe(before.column_hash);
  expect((await syncState('customers')).column_hash).toBeTruthy();
});

test('a configured table that does not exist: error naming it, the other tables are synced', async () => {
  const config = JSON.stringify({
    version: 1,
    connections: [{ connectionId: CONNECTION_ID, tables: [{ schema: 'public', table: 'orders' }, { schema: 'sales', table: 'no_such_table' }] }],
  });
  const result = await runOrchestrator(['once'], { ...env, AIRBYTE_CONNECTION_ID: '', ORCHESTRATOR_CONFIG: '/config.json' }, undefined, () => config);
  expect(result.code).toBe(1);
  expect(result.summary?.connections[0].errors).toEqual(['table sales.no_such_table does not exist in the source database']);
  expect(result.summary?.connections[0].jobs).toEqual([expect.objectContaining({ status: 'succeeded' })]);
  expect(result.logs.some((log) => log.level === 'error' && log.table === 'no_such_table')).toBe(true);
  expect((await syncState('orders')).last_synced_at).toBeInstanceOf(Date);
});

test('two orchestrators at once: one acts, the other waits for the lock and finds nothing to do', async () => {
  await baseline();
  double.setJobBehaviour({ durationMs: 400 });
  await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('race')");
  const [first, second] = await Promise.all([once(), once()]);
  expect([first.code, second.code]).toEqual([0, 0]);
  const jobsTriggered = [first, second].map((r) => r.summary?.connections[0].jobs.length);
  expect(jobsTriggered.sort()).toEqual([0, 1]);
  expect(double.createdJobIds()).toHaveLength(2);
  expect(double.requestsTo('POST', '/api/public/v1/jobs').filter((r) => r.status === 409)).toHaveLength(0);
  const waited = [first, second].filter((r) => r.logs.some((log) => String(log.msg).includes('another orchestrator holds the lock')));
  expect(waited).toHaveLength(1);
});

test('watched tables default to the selected streams of GET /connections/{id}', async () => {
  await baseline();
  expect(double.requestsTo('GET', `/api/public/v1/connections/${CONNECTION_ID}`)).toHaveLength(1);
  expect((await syncState('customers')).last_synced_at).toBeInstanceOf(Date);
});

test('run: SIGTERM while waiting keeps the job in flight; the next start adopts it instead of triggering', async () => {
  await baseline();
  double.setJobBehaviour({ durationMs: Infinity });
  await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('before shutdown')");
  const controller = new AbortController();
  const daemon = runOrchestrator(['run'], env, controller.signal);
  const jobId = await waitFor('a job in flight', async () => {
    const rows = await query(databaseUrl, 'SELECT in_flight_job_id FROM airbyte_orchestrator.connection_state WHERE in_flight_job_id IS NOT NULL').catch(() => []);
    return rows[0] ? Number(rows[0].in_flight_job_id) : undefined;
  });
  controller.abort();
  const stopped = await daemon;
  expect(stopped.code).toBe(0);
  expect(double.jobStatus(jobId)).toBe('running');

  double.finishJob(jobId, 'succeeded');
  const adopted = await once();
  expect(adopted.code).toBe(0);
  expect(adopted.summary?.connections[0].jobs).toEqual([{ jobId, origin: 'adopted', status: 'succeeded' }]);
  expect(double.createdJobIds()).toHaveLength(2);
  expect((await syncState('orders')).pending_job_id).toBeNull();
});

test('a job that outlives JOB_TIMEOUT_SECONDS is cancelled and counts as failed', async () => {
  await baseline();
  double.setJobBehaviour({ durationMs: Infinity, queuedMs: 50, waitingStatus: 'queued' });
  await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('slow')");
  const result = await once({ JOB_TIMEOUT_SECONDS: '0.3' });
  expect(result.code).toBe(1);
  expect(result.summary?.connections[0].jobs).toEqual([expect.objectContaining({ status: 'cancelled' })]);
  expect(double.requestsTo('DELETE', '/api/public/v1/jobs/')).toHaveLength(1);
});

test('status shows watermark, column hash, last job and lag, as text and JSON', async () => {
  await baseline();
  const json = await runOrchestrator(['status', '--json'], env);
  expect(json.code).toBe(0);
  const parsed = JSON.parse(json.stdout) as { tables: Array<Record<string, unknown>> };
  expect(parsed.tables.map((t) => t.table)).toEqual(['customers', 'orders']);
  expect(parsed.tables[0]).toMatchObject({ connectionId: CONNECTION_ID, columnHash: expect.stringMatching(/^[0-9a-f]{32}$/), lastJob: expect.objectContaining({ status: 'succeeded' }) });
  expect(typeof parsed.tables[0].lagSeconds).toBe('number');
  const text = await runOrchestrator(['status'], env);
  expect(text.stdout).toContain('public.orders');
  expect(text.stdout).toContain('succeeded (triggered)');
});

test('logs are JSON on stderr and never contain the client secret, token or database password', async () => {
  const secretUrl = databaseUrl.replace('postgres@', 'postgres:Sup3rS3cretPw@');
  const result = await runOrchestrator(['once'], { ...env, SOURCE_DATABASE_URL: secretUrl });
  expect(result.code).toBe(0);
  expect(result.logs.length).toBeGreaterThan(0);
  expect(result.stderr).not.toContain(double.clientSecret);
  expect(result.stderr).not.toContain('Sup3rS3cretPw');
  const tokens = double.requests.filter((r) => r.path.endsWith('/applications/token')).map((r) => (r.response as { access_token: string }).access_token);
  for (const token of tokens) expect(result.stderr).not.toContain(token);
});

test('a missing state schema is created by once; migrate is idempotent', async () => {
  const first = await runOrchestrator(['migrate'], env);
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ applied: [1, 2, 3, 4] });
  const second = await runOrchestrator(['migrate'], env);
  expect(JSON.parse(second.stdout)).toMatchObject({ applied: [] });
  const tables = await query(databaseUrl, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'airbyte_orchestrator' ORDER BY 1");
  expect(tables.map((t) => t.table_name)).toEqual(['alert_state', 'connection_state', 'job_history', 'schema_migrations', 'staleness_history', 'sync_state', 'wal_guard_state']);
});

test('run: two connections, one with a long job; the other\'s change reaches POST /jobs within one poll interval + 1 s', async () => {
  const OTHER_ID = '7d2e4f60-1a3b-4c5d-8e9f-0a1b2c3d4e5f';
  double.addConnection({ connectionId: OTHER_ID, streams: [{ name: 'customers', namespace: 'public' }] });
  const pollSeconds = 0.5;
  const config = JSON.stringify({
    version: 1,
    connections: [
      { connectionId: CONNECTION_ID, name: 'long', tables: [{ schema: 'public', table: 'orders' }] },
      { connectionId: OTHER_ID, name: 'idle', tables: [{ schema: 'public', table: 'customers' }] },
    ],
  });
  const controller = new AbortController();
  let address: AddressInfo | undefined;
  const daemon = main(['run'], {
    env: { ...env, AIRBYTE_CONNECTION_ID: '', ORCHESTRATOR_CONFIG: '/config.json', POLL_INTERVAL_SECONDS: String(pollSeconds) },
    signal: controller.signal,
    readFile: () => config,
    stdout: () => undefined,
    stderr: () => undefined,
    onHttpListening: (a) => (address = a),
  });
  const posts = (connectionId: string) => double.requestsTo('POST', '/api/public/v1/jobs').filter((r) => r.status === 200 && (r.body as { connectionId: string }).connectionId === connectionId);
  try {
    // Both initial syncs done.
    await waitFor('both initial syncs', async () => {
      const rows = await query(databaseUrl, "SELECT count(*)::int AS n FROM airbyte_orchestrator.job_history WHERE status = 'succeeded'").catch(() => [{ n: 0 }]);
      return Number(rows[0].n) >= 2 || undefined;
    });
    // Connection "long" starts a job that does not end while we measure.
    double.setJobBehaviour({ durationMs: Infinity });
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('long job')");
    const longJob = await waitFor('the long job', () => (posts(CONNECTION_ID).length >= 2 ? (posts(CONNECTION_ID)[1].response as { jobId: number }).jobId : undefined));
    double.setJobBehaviour({ durationMs: 30 });
    // Let the daemon settle into waiting on the long job, then change the other connection's table.
    await new Promise((resolve) => setTimeout(resolve, 2 * pollSeconds * 1000));
    const committedAt = Date.now();
    await write(databaseUrl, "INSERT INTO public.customers (note) VALUES ('while the other connection syncs')");
    const triggered = await waitFor('the idle connection\'s job', () => posts(OTHER_ID)[1]);
    expect(triggered.receivedAt - committedAt).toBeLessThanOrEqual(pollSeconds * 1000 + 1000);
    expect(double.jobStatus(longJob)).toBe('running');
    // Its job is recorded while the long one still runs.
    await waitFor('the idle connection\'s job recorded', async () => {
      const rows = await query(databaseUrl, 'SELECT status FROM airbyte_orchestrator.job_history WHERE job_id = $1', [(triggered.response as { jobId: number }).jobId]);
      return rows[0]?.status === 'succeeded' || undefined;
    });
    expect(double.jobStatus(longJob)).toBe('running');
    // The daemon stays healthy while the long job runs (far longer than 3 poll intervals by now).
    await new Promise((resolve) => setTimeout(resolve, 3 * pollSeconds * 1000 + 500));
    expect(double.jobStatus(longJob)).toBe('running');
    const health = await fetch(`http://127.0.0.1:${(await waitFor('the http endpoint', () => address)).port}/healthz`);
    expect(health.status).toBe(200);
    // Never a second job for the busy connection while its job runs.
    expect(posts(CONNECTION_ID)).toHaveLength(2);
    expect(double.requestsTo('POST', '/api/public/v1/jobs').filter((r) => r.status === 409)).toHaveLength(0);
  } finally {
    controller.abort();
    expect(await daemon).toBe(0);
  }
});

test('cost cap: once defers a change that comes too soon after the last sync; the daemon syncs it when the cap allows', async () => {
  await baseline();
  await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('soon after')");
  // Long enough that the second `once` starts within it even on a loaded machine (with 2 s, a
  // slow start once let the cap pass and the change synced).
  const cap = 6;
  const deferred = await once({ MIN_SYNC_INTERVAL_SECONDS: String(cap) });
  expect(deferred.code).toBe(0);
  expect(deferred.summary?.connections[0]).toMatchObject({ outcome: 'unchanged', jobs: [] });
  expect(deferred.logs.some((log) => String(log.msg).includes('cost cap') && typeof log.syncAllowedAt === 'string')).toBe(true);
  expect(double.createdJobIds()).toHaveLength(1);
  // Seen, so its staleness counts from now on.
  expect((await syncState('orders')).unsynced_since).toBeInstanceOf(Date);

  const controller = new AbortController();
  const daemon = runOrchestrator(['run'], { ...env, MIN_SYNC_INTERVAL_SECONDS: String(cap) }, controller.signal);
  try {
    await waitFor('the capped sync', () => double.createdJobIds().length >= 2 || undefined);
    const posts = double.requestsTo('POST', '/api/public/v1/jobs').filter((r) => r.status === 200);
    expect(posts[1].receivedAt - posts[0].receivedAt).toBeGreaterThanOrEqual(cap * 1000);
  } finally {
    controller.abort();
    expect((await daemon).code).toBe(0);
  }
});
