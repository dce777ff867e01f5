// Scenarios against a real PostgreSQL and the Airbyte double answering as the 2.2 server does:
// slow discover, discover + postprocess, breaking changes, inactive connections, POST /jobs whose
// answer is lost, jobs the server no longer knows, cancelling, bad credentials, streams to skip.
import { AirbyteDouble, DoubleConnection } from '../../orchestrator/testing/airbyte-double';
import { usePostgresCluster } from '../support/postgres';
import { CONNECTION_ID, RunResult, createWatchedTables, orchestratorEnv, query, runOrchestrator, waitFor, write } from '../support/orchestrator-fixtures';

const cluster = usePostgresCluster();
const OTHER_CONNECTION = '9a1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c22';
const STREAMS = [
  { name: 'orders', namespace: 'public' },
  { name: 'customers', namespace: 'public' },
];
let double: AirbyteDouble;
let databaseUrl: string;
let env: Record<string, string>;

async function startDouble(connection: Partial<DoubleConnection> = {}): Promise<void> {
  double = await AirbyteDouble.start({
    connections: [
      { connectionId: CONNECTION_ID, streams: STREAMS, ...connection },
      { connectionId: OTHER_CONNECTION, streams: [{ name: 'other', namespace: 'public' }] },
    ],
    job: { durationMs: 30 },
  });
  env = orchestratorEnv(databaseUrl, double);
}

beforeEach(async () => {
  databaseUrl = await cluster.current.createDatabase('airbyte_server');
  await createWatchedTables(databaseUrl);
});

afterEach(async () => {
  await double?.close();
});

async function once(extra: Record<string, string> = {}): Promise<RunResult> {
  return runOrchestrator(['once'], { ...env, ...extra });
}

async function baseline(): Promise<void> {
  const result = await once();
  expect(result.code).toBe(0);
  expect(double.createdJobIds()).toHaveLength(1);
}

async function syncState(table: string): Promise<Record<string, unknown>> {
  return (await query(databaseUrl, 'SELECT * FROM airbyte_orchestrator.sync_state WHERE connection_id = $1 AND table_name = $2', [CONNECTION_ID, table]))[0];
}

function paths(from: number): string[] {
  return double.requests.slice(from).map((r) => `${r.method} ${r.path}`);
}

const alerts = (result: RunResult, phase: 'started' | 'cleared', kind: string) => result.logs.filter((log) => log.msg === `alert ${phase}: ${kind}`);

describe('schema changes reach BigQuery: discover → postprocess_discovered_catalog → sync', () => {
  test('a discover slower than the request timeout: one discover (its own timeout), postprocess applies, then the sync', async () => {
    await startDouble();
    await baseline();
    await write(databaseUrl, 'ALTER TABLE public.orders ADD COLUMN amount numeric(12,2)');
    double.changeSourceSchema(CONNECTION_ID, { fields: ['amount'], stream: { name: 'orders', namespace: 'public' } });
    double.discoverDelayMs = 1500;
    const from = double.requests.length;
    const result = await once({ HTTP_TIMEOUT_SECONDS: '0.5', DISCOVER_TIMEOUT_SECONDS: '10' });
    expect(result.code).toBe(0);
    const later = paths(from);
    const discoverAt = later.indexOf('POST /api/v1/sources/discover_schema');
    const postprocessAt = later.indexOf('POST /api/v1/connections/postprocess_discovered_catalog');
    const syncAt = later.indexOf('POST /api/public/v1/jobs');
    expect(discoverAt).toBeGreaterThanOrEqual(0);
    expect(postprocessAt).toBeGreaterThan(discoverAt);
    expect(syncAt).toBeGreaterThan(postprocessAt);
    expect(later.filter((p) => p === 'POST /api/v1/sources/discover_schema')).toHaveLength(1);
    const discover = double.requestsTo('POST', '/api/v1/sources/discover_schema')[0];
    expect(double.requestsTo('POST', '/api/v1/connections/postprocess_discovered_catalog')[0].body).toEqual({ connectionId: CONNECTION_ID, catalogId: (discover.response as { catalogId: string }).catalogId });
    expect(result.summary?.connections[0]).toMatchObject({ schemaRefreshed: true, jobs: [expect.objectContaining({ status: 'succeeded' })] });
    // Applied in this cycle (non-empty appliedDiff): the schema alert starts and clears at once.
    expect(alerts(result, 'started', 'schema_change')).toHaveLength(1);
    expect(alerts(result, 'cleared', 'schema_change')).toHaveLength(1);
  });

  test('a discover slower than DISCOVER_TIMEOUT_SECONDS: not retried, no sync, not "Airbyte unreachable"; the next cycle applies it', async () => {
    await startDouble();
    await baseline();
    await write(databaseUrl, 'ALTER TABLE public.orders ADD COLUMN amount numeric(12,2)');
    double.changeSourceSchema(CONNECTION_ID);
    double.discoverDelayMs = 1500;
    const slow = await once({ DISCOVER_TIMEOUT_SECONDS: '0.4', ALERT_UNREACHABLE_CYCLES: '1' });
    expect(slow.code).toBe(1);
    expect(double.requestsTo('POST', '/api/v1/sources/discover_schema')).toHaveLength(1);
    expect(double.createdJobIds()).toHaveLength(1);
    const errors = slow.summary?.connections[0].errors ?? [];
    expect(errors).toEqual([expect.stringContaining('schema discover did not finish within 0 s')]);
    expect(errors.some((e) => e.startsWith('airbyte unavailable'))).toBe(false);
    expect(alerts(slow, 'started', 'airbyte_unreachable')).toHaveLength(0);
    expect(alerts(slow, 'started', 'schema_change')).toHaveLength(1);

    double.discoverDelayMs = 0;
    const next = await once();
    expect(next.code).toBe(0);
    expect(double.createdJobIds()).toHaveLength(2);
    expect(alerts(next, 'cleared', 'schema_change')).toHaveLength(1);
  });

  test('a breaking change: no POST /jobs, an alert with the link to review the schema; it clears after the review and a successful sync', async () => {
    await startDouble();
    await baseline();
    await write(databaseUrl, 'ALTER TABLE public.orders DROP COLUMN note');
    double.changeSourceSchema(CONNECTION_ID, { breaking: true, fields: ['note'], stream: { name: 'orders', namespace: 'public' } });
    const held = await once();
    expect(held.code).toBe(1);
    expect(double.createdJobIds()).toHaveLength(1);
    expect(double.requestsTo('POST', '/api/v1/connections/postprocess_discovered_catalog')).toHaveLength(0);
    const link = `${double.origin}/workspaces/18dccc91-0ab1-4f72-9ed7-0b8fc27c5826/connections/${CONNECTION_ID}/replication`;
    expect(held.summary?.connections[0].errors).toEqual([expect.stringMatching(/needs a schema review in Airbyte \(Airbyte found a breaking schema change/)]);
    const started = alerts(held, 'started', 'schema_review');
    expect(started).toHaveLength(1);
    expect(String(started[0].text)).toContain('needs a schema review in Airbyte');
    expect(String(started[0].text)).toContain(link);
    const page = JSON.parse((await runOrchestrator(['status', '--json'], env)).stdout) as { connections: Array<{ connectionId: string; schemaReview: unknown }> };
    expect(page.connections.find((c) => c.connectionId === CONNECTION_ID)?.schemaReview).toEqual({ reason: expect.stringContaining('breaking'), url: link });

    // Still disabled: no discover storm, no POST, the same alert not sent again.
    const stillHeld = await once();
    expect(stillHeld.code).toBe(1);
    expect(stillHeld.summary?.connections[0].errors[0]).toMatch(/is inactive in Airbyte: status inactive; it needs a schema review/);
    expect(double.requestsTo('POST', '/api/v1/sources/discover_schema')).toHaveLength(1);
    expect(double.requestsTo('POST', '/api/public/v1/jobs')).toHaveLength(1);
    expect(alerts(stillHeld, 'started', 'schema_review')).toHaveLength(0);

    // A person reviews it in Airbyte (applies, re-enables): the next cycle syncs and the alerts clear.
    double.reviewSchemaChange(CONNECTION_ID);
    const reviewed = await once();
    expect(reviewed.code).toBe(0);
    expect(reviewed.summary?.connections[0].jobs).toEqual([expect.objectContaining({ origin: 'triggered', status: 'succeeded' })]);
    expect(alerts(reviewed, 'cleared', 'schema_review')).toHaveLength(1);
    expect(alerts(reviewed, 'cleared', 'schema_change')).toHaveLength(1);
    expect((await query(databaseUrl, 'SELECT schema_review_kind FROM airbyte_orchestrator.connection_state WHERE connection_id = $1', [CONNECTION_ID]))[0]).toEqual({ schema_review_kind: null });
  });

  test('nonBreakingSchemaUpdatesBehavior ignore: flagged at start and on the status page; rows still sync; the schema alert stays until applied', async () => {
    await startDouble({ nonBreakingSchemaUpdatesBehavior: 'ignore' });
    const first = await once();
    expect(first.code).toBe(0);
    expect(first.logs.some((log) => log.level === 'warn' && String(log.msg).includes('"ignore": column changes will not reach BigQuery on their own'))).toBe(true);
    const page = JSON.parse((await runOrchestrator(['status', '--json'], env)).stdout) as { connections: Array<{ connectionId: string; schemaUpdatesBehavior: string; schemaUpdatesWarning: string }> };
    expect(page.connections.find((c) => c.connectionId === CONNECTION_ID)).toMatchObject({ schemaUpdatesBehavior: 'ignore', schemaUpdatesWarning: expect.stringContaining('will not reach BigQuery') });

    await write(databaseUrl, 'ALTER TABLE public.orders ADD COLUMN amount numeric(12,2)');
    double.changeSourceSchema(CONNECTION_ID);
    const notApplied = await once();
    expect(notApplied.code).toBe(0);
    expect(notApplied.summary?.connections[0].jobs).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    expect((double.requestsTo('POST', '/api/v1/connections/postprocess_discovered_catalog')[0].response as Record<string, unknown>).appliedDiff).toBeUndefined();
    expect(alerts(notApplied, 'started', 'schema_review')).toHaveLength(1);
    expect(alerts(notApplied, 'cleared', 'schema_change')).toHaveLength(0);

    // New rows sync, but that is no proof the columns arrived: the alerts stay.
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('more')");
    const rowsOnly = await once();
    expect(rowsOnly.summary?.connections[0].jobs).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    expect(alerts(rowsOnly, 'cleared', 'schema_review')).toHaveLength(0);
    expect(alerts(rowsOnly, 'cleared', 'schema_change')).toHaveLength(0);
    const active = await query(databaseUrl, 'SELECT kind FROM airbyte_orchestrator.alert_state WHERE active ORDER BY kind');
    expect(active.map((row) => row.kind)).toEqual(['schema_change', 'schema_review']);
  });

  test('nonBreakingSchemaUpdatesBehavior disable_connection: the column change disables the connection; no POST /jobs', async () => {
    await startDouble({ nonBreakingSchemaUpdatesBehavior: 'disable_connection' });
    const first = await once();
    expect(first.logs.some((log) => log.level === 'warn' && String(log.msg).includes('"disable_connection"'))).toBe(true);
    await write(databaseUrl, 'ALTER TABLE public.orders ADD COLUMN amount numeric(12,2)');
    double.changeSourceSchema(CONNECTION_ID);
    const held = await once();
    expect(held.code).toBe(1);
    expect(double.createdJobIds()).toHaveLength(1);
    expect(alerts(held, 'started', 'schema_review')).toHaveLength(1);
    expect(String(alerts(held, 'started', 'schema_review')[0].text)).toContain('left the connection inactive');
  });
});

describe('one job per change', () => {
  test('POST /jobs answering after the client timeout: exactly one job, watermarks recorded, the next cycle quiet', async () => {
    await startDouble();
    await baseline();
    await write(databaseUrl, "INSERT INTO public.orders (note, updated_at) VALUES ('slow answer', '2100-01-01T00:00:00Z')");
    double.createJobDelayMs = 1500;
    const result = await once({ HTTP_TIMEOUT_SECONDS: '0.4' });
    expect(result.code).toBe(0);
    expect(double.requestsTo('POST', '/api/public/v1/jobs')).toHaveLength(2);
    expect(double.createdJobIds()).toHaveLength(2);
    const [, ours] = double.createdJobIds();
    expect(result.summary?.connections[0].jobs).toEqual([expect.objectContaining({ jobId: ours, origin: 'triggered', status: 'succeeded' })]);
    expect(result.logs.some((log) => log.msg === 'POST /jobs gave no answer, but the job it created exists; following it' && log.jobId === ours)).toBe(true);
    expect((await syncState('orders')).cursor_watermark).toBe('2100-01-01 00:00:00+00');
    double.createJobDelayMs = 0;
    const quiet = await once();
    expect(quiet.summary?.connections[0].jobs).toEqual([]);
    expect(double.requestsTo('POST', '/api/public/v1/jobs')).toHaveLength(2);
  });

  test('POST /jobs failing with a 502 that made no job: the newest jobs are checked, then exactly one retry', async () => {
    await startDouble();
    await baseline();
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('gateway')");
    double.injectFault({ method: 'POST', pathPrefix: '/api/public/v1/jobs', fault: { kind: 'status', status: 502 } });
    const from = double.requests.length;
    const result = await once();
    expect(result.code).toBe(0);
    const later = paths(from).filter((p) => p.includes('/jobs'));
    expect(later.slice(0, 3)).toEqual(['POST /api/public/v1/jobs', 'GET /api/public/v1/jobs', 'POST /api/public/v1/jobs']);
    expect(double.createdJobIds()).toHaveLength(2);
  });

  test('a lost answer, then "already running" on the retry: the running job created after the first request is ours, with its watermarks', async () => {
    await startDouble();
    await baseline();
    await write(databaseUrl, "INSERT INTO public.orders (note, updated_at) VALUES ('race', '2100-01-02T00:00:00Z')");
    // The first POST resets before an answer. The slow server makes its job only after the client has
    // looked (GET /jobs lists none of ours) and before the retry, which meets "already running".
    double.injectFault({ method: 'POST', pathPrefix: '/api/public/v1/jobs', fault: { kind: 'reset' } });
    let job = 0;
    double.afterAnswer({ method: 'GET', pathPrefix: '/api/public/v1/jobs', status: 200, action: () => (job = double.startJob(CONNECTION_ID, { durationMs: 300 })) });
    const from = double.requests.length;
    const result = await once();
    expect(result.code).toBe(0);
    expect(paths(from).filter((p) => p.includes('/jobs')).slice(0, 3)).toEqual(['POST /api/public/v1/jobs', 'GET /api/public/v1/jobs', 'POST /api/public/v1/jobs']);
    expect(double.requestsTo('POST', '/api/public/v1/jobs').at(-1)?.status).toBe(409);
    expect(double.createdJobIds()).toHaveLength(1); // POST made only the baseline's job: one job for one change
    expect(result.logs.some((log) => log.msg === 'POST /jobs gave no answer the first time; the job it created is running; following it' && log.jobId === job)).toBe(true);
    expect(result.summary?.connections[0].jobs).toEqual([expect.objectContaining({ jobId: job, origin: 'triggered', status: 'succeeded' })]);
    expect((await syncState('orders')).cursor_watermark).toBe('2100-01-02 00:00:00+00');
  });
});

describe('finding, following and cancelling jobs', () => {
  test('the current job is found with one newest-first GET /jobs without a status filter', async () => {
    await startDouble();
    await baseline();
    const external = double.startJob(CONNECTION_ID, { durationMs: Infinity });
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('during')");
    const from = double.requests.length;
    const cycle = once();
    await waitFor('the current-job lookup', () => double.requests.slice(from).some((r) => r.method === 'GET' && r.path === '/api/public/v1/jobs') || undefined);
    double.finishJob(external, 'succeeded');
    const result = await cycle;
    expect(result.summary?.connections[0].jobs[0]).toEqual({ jobId: external, origin: 'attached', status: 'succeeded' });
    const lookups = double.requests.slice(from).filter((r) => r.method === 'GET' && r.path === '/api/public/v1/jobs');
    expect(lookups[0].query).toEqual({ connectionId: CONNECTION_ID, limit: '10', orderBy: 'createdAt|DESC' });
    expect(lookups.every((r) => r.query.status === undefined)).toBe(true);
  });

  test('a recorded job id that now names a job of another connection is never adopted: released, and the connection syncs again', async () => {
    await startDouble();
    await baseline();
    double.setJobBehaviour({ durationMs: Infinity });
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('before shutdown')");
    const controller = new AbortController();
    const daemon = runOrchestrator(['run'], env, controller.signal);
    const ours = await waitFor('a job in flight', async () => {
      const rows = await query(databaseUrl, 'SELECT in_flight_job_id FROM airbyte_orchestrator.connection_state WHERE in_flight_job_id IS NOT NULL').catch(() => []);
      return rows[0] ? Number(rows[0].in_flight_job_id) : undefined;
    });
    controller.abort();
    expect((await daemon).code).toBe(0);
    double.forgetJobs();
    // After the reinstall, another connection's jobs take the old ids.
    let foreign = 0;
    while (foreign < ours) foreign = double.startJob(OTHER_CONNECTION, { durationMs: Infinity });
    double.setJobBehaviour({ durationMs: 30 });
    const result = await once();
    expect(result.code).toBe(0);
    expect(result.summary?.connections[0].jobs).toEqual([
      { jobId: ours, origin: 'adopted', status: 'lost' },
      expect.objectContaining({ origin: 'triggered', status: 'succeeded' }),
    ]);
    expect(result.logs.some((log) => String(log.reason).includes(`belongs to connection ${OTHER_CONNECTION}`))).toBe(true);
    expect(double.jobStatus(foreign)).toBe('running');
    expect(double.requestsTo('DELETE', '/api/public/v1/jobs/')).toHaveLength(0);
  });

  test('timeout: our job is cancelled only after checking it is still current, and the status the server answers is recorded', async () => {
    await startDouble();
    await baseline();
    double.setJobBehaviour({ durationMs: Infinity });
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('slow')");
    const from = double.requests.length;
    const result = await once({ JOB_TIMEOUT_SECONDS: '0.3' });
    expect(result.code).toBe(1);
    const later = paths(from);
    const deleteAt = later.findIndex((p) => p.startsWith('DELETE /api/public/v1/jobs/'));
    expect(deleteAt).toBeGreaterThan(0);
    expect(later[deleteAt - 1]).toBe('GET /api/public/v1/jobs');
    const jobId = double.createdJobIds()[1];
    expect(result.summary?.connections[0].jobs).toEqual([expect.objectContaining({ jobId, status: 'cancelled' })]);
    const history = await query(databaseUrl, 'SELECT status, error FROM airbyte_orchestrator.job_history WHERE job_id = $1 ORDER BY history_id DESC LIMIT 1', [jobId]);
    expect(history[0]).toEqual({ status: 'cancelled', error: expect.stringContaining('Airbyte reports cancelled') });
  });

  test('timeout: a job that is no longer the connection\'s current job is not cancelled (DELETE would stop the other one)', async () => {
    await startDouble();
    await baseline();
    double.setJobBehaviour({ durationMs: Infinity });
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('slow')");
    // Right after our job is made, someone starts another job of the connection (the server would
    // let a reset through, say); started from the double's hook so the job timeout cannot win the race.
    let newer = 0;
    double.afterAnswer({ method: 'POST', pathPrefix: '/api/public/v1/jobs', status: 200, action: () => (newer = double.startJob(CONNECTION_ID, { durationMs: Infinity })) });
    const result = await once({ JOB_TIMEOUT_SECONDS: '0.5' });
    const ours = double.createdJobIds()[1];
    expect(result.code).toBe(1);
    expect(double.requestsTo('DELETE', '/api/public/v1/jobs/')).toHaveLength(0);
    expect(double.jobStatus(newer)).toBe('running');
    expect(result.logs.some((log) => log.msg === "job is no longer the connection's current job; not cancelling" && log.jobId === ours)).toBe(true);
  });

  test('the job timeout defaults to 9 h, room for an 8 h initial snapshot', async () => {
    await startDouble();
    const { loadSettings } = await import('../../orchestrator/src/settings');
    expect(loadSettings(env).jobTimeoutMs).toBeGreaterThanOrEqual(8 * 3600 * 1000);
  });
});

describe('errors people can act on', () => {
  test('bad credentials: exit 1 with the server\'s own reason', async () => {
    await startDouble();
    const result = await once({ AIRBYTE_CLIENT_SECRET: 'not-the-secret' });
    expect(result.code).toBe(1);
    expect(result.summary?.connections[0].errors[0]).toContain('HTTP 400: Invalid client id or token');
    expect(result.stderr).toContain('Invalid client id or token');
    expect(result.stderr).not.toContain('not-the-secret');
    expect(double.requestsTo('POST', '/api/public/v1/applications/token')).toHaveLength(1);
  });

  test('an inactive connection: exit 1 with "connection … is inactive in Airbyte", no POST /jobs, no retry storm', async () => {
    await startDouble({ status: 'inactive' });
    const result = await once();
    expect(result.code).toBe(1);
    expect(result.summary?.connections[0].errors).toEqual([expect.stringMatching(new RegExp(`^connection ${CONNECTION_ID} is inactive in Airbyte`))]);
    expect(double.requestsTo('POST', '/api/public/v1/jobs')).toHaveLength(0);
    expect(double.requests.length).toBeLessThanOrEqual(3);
  });

  test('a connection disabled while the daemon runs (explicit tables, no GET each cycle): one POST /jobs per cycle answered 409, never retried within a cycle', async () => {
    await startDouble();
    const config = JSON.stringify({ version: 1, connections: [{ connectionId: CONNECTION_ID, tables: [{ schema: 'public', table: 'orders' }] }] });
    const controller = new AbortController();
    let stderr = '';
    const daemon = (async () => {
      const { main } = await import('../../orchestrator/src/app');
      return main(['run'], { env: { ...env, AIRBYTE_CONNECTION_ID: '', ORCHESTRATOR_CONFIG: '/c.json' }, signal: controller.signal, readFile: () => config, stdout: () => undefined, stderr: (t) => (stderr += t) });
    })();
    // The first cycle (connection read once at start, active) syncs; then it is disabled with a change pending.
    await waitFor('the first cycle', () => (stderr.match(/"msg":"cycle finished"/g) ?? []).length >= 1 || undefined);
    double.setConnectionStatus(CONNECTION_ID, 'inactive');
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('while disabled')");
    await waitFor('three more cycles', () => (stderr.match(/"msg":"cycle finished"/g) ?? []).length >= 4 || undefined);
    controller.abort();
    expect(await daemon).toBe(0);
    const logs = stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const cycles = logs.filter((log) => log.msg === 'cycle finished').length;
    const posts = double.requestsTo('POST', '/api/public/v1/jobs');
    expect(posts[0].status).toBe(200);
    const refused = posts.slice(1);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.every((r) => r.status === 409)).toBe(true);
    // At most one POST per cycle: the 409 is reported, not retried.
    expect(posts.length).toBeLessThanOrEqual(cycles + 1);
    expect(logs.some((log) => log.level === 'error' && String(log.msg).startsWith(`connection ${CONNECTION_ID} is inactive in Airbyte: state-conflict: State conflict: Could not fulfill request`))).toBe(true);
  });
});

describe('watched streams', () => {
  test('the state schema and the heartbeat table are never watched even when selected; a stream without namespace names the connection', async () => {
    await startDouble({
      streams: [...STREAMS, { name: 'heartbeat', namespace: 'airbyte_orchestrator' }, { name: 'job_history', namespace: 'airbyte_orchestrator' }],
    });
    const result = await once();
    expect(result.code).toBe(0);
    const watched = await query(databaseUrl, 'SELECT DISTINCT schema_name, table_name FROM airbyte_orchestrator.sync_state ORDER BY 1, 2');
    expect(watched).toEqual([
      { schema_name: 'public', table_name: 'customers' },
      { schema_name: 'public', table_name: 'orders' },
    ]);

    double.addConnection({ connectionId: CONNECTION_ID, name: 'app', streams: [{ name: 'orders' }, ...STREAMS.slice(1)] });
    const broken = await once();
    expect(broken.code).toBe(1);
    expect(broken.summary?.connections[0].errors).toEqual([expect.stringContaining(`connection ${CONNECTION_ID}: selected stream(s) "orders" have no namespace`)]);
  });
});
