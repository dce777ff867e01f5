// The Airbyte client against the double (which answers as the 2.2 server does): tokens, retries of
// idempotent requests only, faults, the server's error shapes and the job/discover semantics.
import {
  AirbyteClient,
  AirbyteDiscoverTimeoutError,
  AirbyteOutcomeUnknownError,
  AirbyteRequestError,
  AirbyteUnavailableError,
} from '../../orchestrator/src/airbyte/airbyte-client';
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';

const CONNECTION_ID = '3f1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c11';
let double: AirbyteDouble;
let clock: number;

function client(overrides: Partial<ConstructorParameters<typeof AirbyteClient>[0]> = {}): AirbyteClient {
  return new AirbyteClient({
    apiUrl: double.publicApiUrl,
    configApiUrl: double.configApiUrl,
    clientId: double.clientId,
    clientSecret: double.clientSecret,
    requestTimeoutMs: 1000,
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    now: () => clock,
    ...overrides,
  });
}

const tokenRequests = (): number => double.requestsTo('POST', '/api/public/v1/applications/token').length;

beforeEach(async () => {
  clock = Date.now();
  double = await AirbyteDouble.start({ connections: [{ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }] }] });
});

afterEach(async () => {
  await double.close();
});

test('a token is fetched once and reused', async () => {
  const airbyte = client();
  await airbyte.getConnection(CONNECTION_ID);
  await airbyte.listJobs({ connectionId: CONNECTION_ID });
  expect(tokenRequests()).toBe(1);
  expect(double.requestsTo('POST', '/api/public/v1/applications/token')[0].body).toEqual({ client_id: double.clientId, client_secret: double.clientSecret, grant_type: 'client_credentials' });
});

test('the token is refreshed before expires_in runs out', async () => {
  const airbyte = client();
  await airbyte.getConnection(CONNECTION_ID);
  clock += (double.tokenTtlSeconds - 30) * 1000;
  await airbyte.getConnection(CONNECTION_ID);
  expect(tokenRequests()).toBe(2);
  expect(double.requests.filter((r) => r.status === 401)).toHaveLength(0);
});

test('a 401 (token expired server-side) refreshes the token once and repeats the request', async () => {
  const airbyte = client();
  await airbyte.getConnection(CONNECTION_ID);
  double.expireAllTokens();
  const connection = await airbyte.getConnection(CONNECTION_ID);
  expect(connection.streams).toEqual([{ name: 'orders', namespace: 'public', syncMode: 'incremental_deduped_history' }]);
  expect(tokenRequests()).toBe(2);
  expect(double.requests.map((r) => r.status)).toEqual([200, 200, 401, 200, 200]);
});

test('bad credentials: the 400 shows the reason from Micronaut\'s _embedded.errors, not retried', async () => {
  const airbyte = client({ clientSecret: 'wrong' });
  const error = await airbyte.getConnection(CONNECTION_ID).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AirbyteRequestError);
  expect((error as AirbyteRequestError).status).toBe(400);
  expect((error as Error).message).toBe('Airbyte POST /applications/token failed with HTTP 400: Invalid client id or token');
  expect(double.requestsTo('POST', '/api/public/v1/applications/token')[0].response).toEqual({
    message: 'Bad Request',
    _links: { self: { href: '/api/public/v1/applications/token', templated: false } },
    _embedded: { errors: [{ message: 'Invalid client id or token' }] },
  });
  expect(tokenRequests()).toBe(1);
});

test('5xx is retried with backoff until it succeeds', async () => {
  double.injectFault({ method: 'GET', pathPrefix: '/api/public/v1/connections', fault: { kind: 'status', status: 503 }, times: 2 });
  await client().getConnection(CONNECTION_ID);
  expect(double.requestsTo('GET', '/api/public/v1/connections').map((r) => r.status)).toEqual([503, 503, 200]);
});

test('connection resets and hanging requests (timeouts) are retried', async () => {
  double.injectFault({ method: 'GET', pathPrefix: '/api/public/v1/jobs', fault: { kind: 'reset' }, times: 1 });
  double.injectFault({ method: 'GET', pathPrefix: '/api/public/v1/jobs', fault: { kind: 'hang' }, times: 1 });
  const jobs = await client({ requestTimeoutMs: 200 }).listJobs({ connectionId: CONNECTION_ID });
  expect(jobs).toEqual([]);
  expect(double.requestsTo('GET', '/api/public/v1/jobs').map((r) => r.fault ?? r.status)).toEqual(['reset', 'hang', 200]);
});

test('persistent 5xx on a read: gives up after the configured attempts with AirbyteUnavailableError', async () => {
  double.injectFault({ pathPrefix: '/api/public/v1/jobs', fault: { kind: 'status', status: 500 }, times: 100 });
  const error = await client().listJobs({ connectionId: CONNECTION_ID }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AirbyteUnavailableError);
  expect((error as Error).message).toMatch(/after 4 attempts: HTTP 500/);
  expect(double.requestsTo('GET', '/api/public/v1/jobs')).toHaveLength(4);
});

test('POST /jobs is never retried by the client: a 5xx, a reset or a timeout is "outcome unknown"', async () => {
  double.injectFault({ method: 'POST', pathPrefix: '/api/public/v1/jobs', fault: { kind: 'status', status: 502 }, times: 1 });
  const first = await client().createSyncJob(CONNECTION_ID).catch((e: unknown) => e);
  expect(first).toBeInstanceOf(AirbyteOutcomeUnknownError);
  double.injectFault({ method: 'POST', pathPrefix: '/api/public/v1/jobs', fault: { kind: 'reset' }, times: 1 });
  expect(await client().createSyncJob(CONNECTION_ID).catch((e: unknown) => e)).toBeInstanceOf(AirbyteOutcomeUnknownError);
  expect(double.requestsTo('POST', '/api/public/v1/jobs')).toHaveLength(2);
  expect(double.createdJobIds()).toEqual([]);
});

test('POST /jobs answering after the client timeout: outcome unknown, yet the job exists', async () => {
  double.createJobDelayMs = 600;
  const error = await client({ requestTimeoutMs: 200 }).createSyncJob(CONNECTION_ID).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AirbyteOutcomeUnknownError);
  expect((error as Error).message).toMatch(/timed out after 200 ms/);
  expect(double.requestsTo('POST', '/api/public/v1/jobs')).toHaveLength(1);
  expect(double.createdJobIds()).toHaveLength(1);
  expect(double.jobStatus(double.createdJobIds()[0])).not.toBe('cancelled');
});

test('an unknown job id is a 409 state-conflict "Job is not currently running" (not a 404), not retried', async () => {
  const error = await client().getJob(999999).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AirbyteRequestError);
  expect((error as AirbyteRequestError).status).toBe(409);
  expect((error as AirbyteRequestError).problemType).toBe('https://reference.airbyte.com/reference/errors#409-state-conflict');
  expect((error as Error).message).toContain('Job is not currently running');
  expect(double.requestsTo('GET', '/api/public/v1/jobs/999999')).toHaveLength(1);
});

test('409 try-again-later while a sync runs is "already running"; the current job is found with one unfiltered, newest-first GET /jobs', async () => {
  const airbyte = client();
  const first = await airbyte.createSyncJob(CONNECTION_ID);
  expect(first.kind).toBe('created');
  double.finishJob(double.createdJobIds()[0], 'succeeded');
  const running = double.startJob(CONNECTION_ID, { durationMs: Infinity, queuedMs: 10_000, waitingStatus: 'queued' });
  const second = await airbyte.createSyncJob(CONNECTION_ID);
  expect(second).toEqual({ kind: 'already-running', message: expect.stringContaining(`A sync is already running for: ${CONNECTION_ID}`) });
  const before = double.requestsTo('GET', '/api/public/v1/jobs').length;
  expect((await airbyte.findRunningJob(CONNECTION_ID))?.jobId).toBe(running);
  const lookups = double.requestsTo('GET', '/api/public/v1/jobs').slice(before);
  expect(lookups).toHaveLength(1);
  expect(lookups[0].query).toEqual({ connectionId: CONNECTION_ID, limit: '5', orderBy: 'createdAt|DESC' });
});

test('DELETE /jobs/{id} cancels the connection\'s current job and answers the stored status of {id}, 200 even for an ended job', async () => {
  const airbyte = client();
  const ended = double.startJob(CONNECTION_ID, { durationMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const current = double.startJob(CONNECTION_ID, { durationMs: Infinity });
  const answer = await airbyte.cancelJob(ended);
  expect(answer).toMatchObject({ jobId: ended, status: 'succeeded' });
  expect(double.requestsTo('DELETE', `/api/public/v1/jobs/${ended}`)[0].status).toBe(200);
  // The server cancels by connection, not by id: the other job is the one stopped.
  expect(double.jobStatus(current)).toBe('cancelled');
  expect((await airbyte.cancelJob(current)).status).toBe('cancelled');
});

test('the double lists jobs oldest first without orderBy, rejects a bad orderBy, and sets lastUpdatedAt only on ended jobs', async () => {
  const a = double.startJob(CONNECTION_ID, { durationMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const b = double.startJob(CONNECTION_ID, { durationMs: Infinity, queuedMs: Infinity });
  const token = (await (await fetch(`${double.publicApiUrl}/applications/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: double.clientId, client_secret: double.clientSecret, grant_type: 'client_credentials' }) })).json()) as { access_token: string };
  const get = async (query: string) => fetch(`${double.publicApiUrl}/jobs?${query}`, { headers: { authorization: `Bearer ${token.access_token}` } });
  const ascending = (await (await get(`connectionId=${CONNECTION_ID}`)).json()) as { data: Array<Record<string, unknown>> };
  expect(ascending.data.map((job) => job.jobId)).toEqual([a, b]);
  expect(ascending.data[0].lastUpdatedAt).toEqual(expect.any(String));
  expect(ascending.data[1]).not.toHaveProperty('lastUpdatedAt');
  expect(ascending.data[1]).not.toHaveProperty('duration');
  const descending = (await (await get(`connectionId=${CONNECTION_ID}&orderBy=createdAt%7CDESC`)).json()) as { data: Array<Record<string, unknown>> };
  expect(descending.data.map((job) => job.jobId)).toEqual([b, a]);
  expect((await get(`connectionId=${CONNECTION_ID}&orderBy=newest`)).status).toBe(400);
  expect((await get(`connectionId=${CONNECTION_ID}&status=done`)).status).toBe(400);
});

test('an inactive connection: POST /jobs is a 409 state-conflict "Could not fulfill request", an error and not "already running"', async () => {
  double.addConnection({ connectionId: CONNECTION_ID, streams: [], status: 'inactive' });
  const error = await client().createSyncJob(CONNECTION_ID).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AirbyteRequestError);
  expect((error as Error).message).toMatch(/HTTP 409: state-conflict: State conflict: Could not fulfill request/);
  expect(double.requestsTo('POST', '/api/public/v1/jobs')).toHaveLength(1);
});

test('discover_schema goes to the config API with the cache disabled and reports the diff', async () => {
  double.changeSourceSchema(CONNECTION_ID, { fields: ['amount'] });
  const result = await client().discoverSchema('9924bcd0-99be-453d-ba47-c2c9766f7da5', CONNECTION_ID);
  expect(result).toMatchObject({ succeeded: true, breakingChange: false, connectionStatus: 'active', catalogId: expect.any(String) });
  expect(result.catalogDiff?.transforms).toHaveLength(1);
  const request = double.requestsTo('POST', '/api/v1/sources/discover_schema')[0];
  expect(request.body).toEqual({ sourceId: '9924bcd0-99be-453d-ba47-c2c9766f7da5', connectionId: CONNECTION_ID, disable_cache: true });
});

test('a discover slower than its timeout: AirbyteDiscoverTimeoutError (not "unavailable"), never retried', async () => {
  double.discoverDelayMs = 500;
  const error = await client({ discoverTimeoutMs: 150 }).discoverSchema('9924bcd0-99be-453d-ba47-c2c9766f7da5', CONNECTION_ID).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AirbyteDiscoverTimeoutError);
  expect(error).not.toBeInstanceOf(AirbyteUnavailableError);
  double.injectFault({ method: 'POST', pathPrefix: '/api/v1/sources/discover_schema', fault: { kind: 'reset' } });
  expect(await client().discoverSchema('9924bcd0-99be-453d-ba47-c2c9766f7da5', CONNECTION_ID).catch((e: unknown) => e)).toBeInstanceOf(AirbyteDiscoverTimeoutError);
  expect(double.requestsTo('POST', '/api/v1/sources/discover_schema')).toHaveLength(2);
});

test('discover uses its own timeout, longer than the request timeout', async () => {
  double.discoverDelayMs = 300;
  const result = await client({ requestTimeoutMs: 100, discoverTimeoutMs: 2000 }).discoverSchema('9924bcd0-99be-453d-ba47-c2c9766f7da5', CONNECTION_ID);
  expect(result.succeeded).toBe(true);
});

describe('postprocess_discovered_catalog applies according to nonBreakingSchemaUpdatesBehavior', () => {
  const cases: Array<[string, Record<string, unknown>, boolean, string]> = [
    ['propagate_columns', {}, true, 'active'],
    ['propagate_fully', {}, true, 'active'],
    ['ignore', {}, false, 'active'],
    ['disable_connection', {}, false, 'inactive'],
    ['propagate_columns', { breaking: true }, false, 'inactive'],
  ];
  test.each(cases)('%s %j: applied=%s, connection %s', async (behaviour, change, applied, status) => {
    double.addConnection({ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }], nonBreakingSchemaUpdatesBehavior: behaviour as never });
    double.changeSourceSchema(CONNECTION_ID, change);
    const airbyte = client();
    const discovered = await airbyte.discoverSchema('9924bcd0-99be-453d-ba47-c2c9766f7da5', CONNECTION_ID);
    expect(discovered.connectionStatus).toBe(status);
    expect(discovered.breakingChange).toBe(Boolean(change.breaking));
    const result = await airbyte.postprocessDiscoveredCatalog(CONNECTION_ID, discovered.catalogId as string);
    if (applied) expect(result.appliedDiff?.transforms).toHaveLength(1);
    else expect(result.appliedDiff).toBeUndefined();
    expect(double.requestsTo('POST', '/api/v1/connections/postprocess_discovered_catalog')[0].body).toEqual({ connectionId: CONNECTION_ID, catalogId: discovered.catalogId });
  });

  test('nothing changed: an empty appliedDiff', async () => {
    const airbyte = client();
    const discovered = await airbyte.discoverSchema('9924bcd0-99be-453d-ba47-c2c9766f7da5', CONNECTION_ID);
    expect(discovered.catalogDiff).toEqual({ transforms: [] });
    expect(await airbyte.postprocessDiscoveredCatalog(CONNECTION_ID, discovered.catalogId as string)).toEqual({ appliedDiff: { transforms: [] } });
  });
});

test('getConnection reports nonBreakingSchemaUpdatesBehavior', async () => {
  double.addConnection({ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }], nonBreakingSchemaUpdatesBehavior: 'ignore' });
  expect((await client().getConnection(CONNECTION_ID)).nonBreakingSchemaUpdatesBehavior).toBe('ignore');
});
