// The Airbyte client against the double: tokens, retries, faults and the 409 "already running".
import { AirbyteClient, AirbyteRequestError, AirbyteUnavailableError } from '../../orchestrator/src/airbyte-client';
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

test('bad credentials: 400 reported with the server message, not retried', async () => {
  const airbyte = client({ clientSecret: 'wrong' });
  await expect(airbyte.getConnection(CONNECTION_ID)).rejects.toThrow(AirbyteRequestError);
  await expect(airbyte.getConnection(CONNECTION_ID)).rejects.toThrow(/HTTP 400: bad-request: Invalid client credentials/);
  expect(tokenRequests()).toBe(2);
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

test('persistent 5xx: gives up after the configured attempts with AirbyteUnavailableError', async () => {
  double.injectFault({ pathPrefix: '/api/public/v1/jobs', fault: { kind: 'status', status: 500 }, times: 100 });
  const error = await client().createSyncJob(CONNECTION_ID).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AirbyteUnavailableError);
  expect((error as Error).message).toMatch(/after 4 attempts: HTTP 500/);
  expect(double.requestsTo('POST', '/api/public/v1/jobs')).toHaveLength(4);
});

test('other 4xx are reported with the server message and not retried', async () => {
  const error = await client().getJob(999999).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AirbyteRequestError);
  expect((error as AirbyteRequestError).status).toBe(404);
  expect((error as Error).message).toContain('Job 999999 not found');
  expect(double.requestsTo('GET', '/api/public/v1/jobs/999999')).toHaveLength(1);
});

test('409 try-again-later while a sync runs is "already running", and the running job can be found and cancelled', async () => {
  const airbyte = client();
  const first = await airbyte.createSyncJob(CONNECTION_ID);
  expect(first.kind).toBe('created');
  double.finishJob(double.createdJobIds()[0], 'succeeded');
  const running = double.startJob(CONNECTION_ID, { durationMs: Infinity, queuedMs: 10_000, waitingStatus: 'queued' });
  const second = await airbyte.createSyncJob(CONNECTION_ID);
  expect(second).toEqual({ kind: 'already-running', message: expect.stringContaining(`A sync is already running for: ${CONNECTION_ID}`) });
  expect((await airbyte.findRunningJob(CONNECTION_ID))?.jobId).toBe(running);
  expect((await airbyte.cancelJob(running))?.status).toBe('cancelled');
  expect(await airbyte.cancelJob(running)).toBeUndefined();
});

test('an inactive connection (409 state-conflict) is an error, not "already running"', async () => {
  double.addConnection({ connectionId: CONNECTION_ID, streams: [], status: 'inactive' });
  await expect(client().createSyncJob(CONNECTION_ID)).rejects.toThrow(/HTTP 409: state-conflict/);
});

test('discover_schema goes to the config API with the cache disabled', async () => {
  const result = await client().discoverSchema('9924bcd0-99be-453d-ba47-c2c9766f7da5', CONNECTION_ID);
  expect(result.succeeded).toBe(true);
  const request = double.requestsTo('POST', '/api/v1/sources/discover_schema')[0];
  expect(request.body).toEqual({ sourceId: '9924bcd0-99be-453d-ba47-c2c9766f7da5', connectionId: CONNECTION_ID, disable_cache: true });
});
