// Contract test: the double's responses and the client's request bodies must match Airbyte's
// OpenAPI specs (../shared/reference beside the checkout). Without the specs the suite is a real
// jest skip naming the reason; under CI=true their absence fails.
import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { AirbyteClient } from '../../orchestrator/src/airbyte/airbyte-client';
import { AirbyteDouble, RecordedRequest } from '../../orchestrator/testing/airbyte-double';

// AIRBYTE_REFERENCE_DIR points elsewhere (e.g. to check the skip and the CI failure by hand).
const referenceDir = process.env.AIRBYTE_REFERENCE_DIR ?? path.join(__dirname, '..', '..', '..', 'shared', 'reference');
const publicSpecPath = path.join(referenceDir, 'airbyte-public-api.yaml');
const configSpecPath = path.join(referenceDir, 'airbyte-config-api.yaml');
const CONNECTION_ID = '3f1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c11';

type Spec = { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> }; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };

/** Finds the spec operation of a recorded request, e.g. GET /jobs/1000 → paths['/jobs/{jobId}'].get. */
function operationFor(spec: Spec, prefix: string, request: RecordedRequest): { template: string; operation: Spec['paths'][string][string] } | undefined {
  if (!request.path.startsWith(prefix)) return undefined;
  const relative = request.path.slice(prefix.length);
  for (const [template, item] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[request.method.toLowerCase()];
    if (pattern.test(relative) && operation) return { template, operation };
  }
  return undefined;
}

async function exerciseEverything(double: AirbyteDouble): Promise<void> {
  const client = new AirbyteClient({
    apiUrl: double.publicApiUrl,
    configApiUrl: double.configApiUrl,
    clientId: double.clientId,
    clientSecret: double.clientSecret,
    requestTimeoutMs: 2000,
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
  });
  await client.health();
  const connection = await client.getConnection(CONNECTION_ID);
  const created = await client.createSyncJob(CONNECTION_ID);
  if (created.kind !== 'created') throw new Error('expected a new job');
  expect((await client.createSyncJob(CONNECTION_ID)).kind).toBe('already-running');
  await client.getJob(created.job.jobId);
  await client.findRunningJob(CONNECTION_ID);
  await client.cancelJob(created.job.jobId);
  // An ended job: DELETE still answers 200 with its stored status.
  await client.cancelJob(created.job.jobId);
  await client.listJobs({ connectionId: CONNECTION_ID, status: 'cancelled', limit: 5 });
  double.startJob(CONNECTION_ID, { durationMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await client.listJobs({ connectionId: CONNECTION_ID });
  await client.getJob(987654).catch(() => undefined);
  double.changeSourceSchema(CONNECTION_ID, { fields: ['amount'] });
  const discovered = await client.discoverSchema(connection.sourceId, CONNECTION_ID);
  await client.postprocessDiscoveredCatalog(CONNECTION_ID, discovered.catalogId as string);
}

const specMissing = !fs.existsSync(publicSpecPath);
if (specMissing && process.env.CI === 'true') {
  test('the Airbyte OpenAPI spec must be present under CI', () => {
    throw new Error(`Airbyte OpenAPI spec not found at ${publicSpecPath}; CI must place ../shared/reference beside the checkout`);
  });
} else if (specMissing) {
  describe.skip(`contract test SKIPPED: Airbyte OpenAPI spec not found at ${publicSpecPath} (place ../shared/reference beside the checkout)`, () => {
    test('the double and the client follow the Airbyte OpenAPI specs', () => undefined);
  });
} else {
  describe('the double and the client follow the Airbyte OpenAPI specs', () => {
    let double: AirbyteDouble;
    const publicSpec = parse(fs.readFileSync(publicSpecPath, 'utf8')) as Spec;
    const configSpec = fs.existsSync(configSpecPath) ? (parse(fs.readFileSync(configSpecPath, 'utf8')) as Spec) : undefined;
    // OpenAPI documents carry vendor keywords (x-speakeasy-*, example) and custom formats (UUID,
    // int64): strict mode and format assertions are off, structure and types are enforced.
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema(publicSpec as object, 'public');
    if (configSpec) ajv.addSchema(configSpec as object, 'config');

    function validate(specId: string, schema: unknown, value: unknown, what: string): void {
      const ref = (schema as { $ref?: string }).$ref;
      const validator = ref ? ajv.getSchema(`${specId}${ref}`) : ajv.compile(schema as object);
      if (!validator) throw new Error(`cannot resolve ${ref} for ${what}`);
      const valid = validator(value);
      if (!valid) throw new Error(`${what} does not match the spec: ${ajv.errorsText(validator.errors)}\n${JSON.stringify(value)}`);
    }

    beforeAll(async () => {
      double = await AirbyteDouble.start({ connections: [{ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }] }], job: { durationMs: 10_000 } });
      await exerciseEverything(double);
    });

    afterAll(async () => {
      await double.close();
    });

    test('every public API request the client made maps to a documented operation', () => {
      const unknown = double.requests.filter((r) => r.path.startsWith('/api/public/v1') && !operationFor(publicSpec, '/api/public/v1', r));
      expect(unknown.map((r) => `${r.method} ${r.path}`)).toEqual([]);
      const templates = new Set(double.requests.map((r) => operationFor(publicSpec, '/api/public/v1', r)?.template).filter(Boolean));
      expect([...templates].sort()).toEqual(['/applications/token', '/connections/{connectionId}', '/health', '/jobs', '/jobs/{jobId}']);
    });

    test('request bodies sent by the client match the request schemas', () => {
      let checked = 0;
      for (const request of double.requests) {
        const found = operationFor(publicSpec, '/api/public/v1', request);
        const schema = found?.operation.requestBody?.content?.['application/json']?.schema;
        if (!found || !schema) continue;
        validate('public', schema, request.body, `request body of ${request.method} ${found.template}`);
        checked += 1;
      }
      expect(checked).toBeGreaterThanOrEqual(3); // token, two job creations
    });

    test('successful responses of the double match the response schemas', () => {
      let checked = 0;
      for (const request of double.requests) {
        const found = operationFor(publicSpec, '/api/public/v1', request);
        const schema = found?.operation.responses?.[String(request.status)]?.content?.['application/json']?.schema;
        if (!found || !schema) continue;
        validate('public', schema, request.response, `response ${request.status} of ${request.method} ${found.template}`);
        checked += 1;
      }
      expect(checked).toBeGreaterThanOrEqual(7);
    });

    test('the 409 while a sync runs has the problem shape the client relies on', () => {
      const conflict = double.requests.find((r) => r.status === 409 && r.method === 'POST');
      expect(conflict?.response).toMatchObject({
        type: expect.stringMatching(/#try-again-later$/),
        title: 'try-again-later',
        status: 409,
        data: { message: `A sync is already running for: ${CONNECTION_ID}` },
      });
    });

    test('job statuses the double reports are all in JobStatusEnum', () => {
      const jobResponses = double.requests.filter((r) => r.status === 200 && r.path.startsWith('/api/public/v1/jobs'));
      const statuses = new Set(
        jobResponses.flatMap((r) => {
          const body = r.response as { data?: Array<{ status: string }>; status?: string };
          return Array.isArray(body.data) ? body.data.map((job) => job.status) : [body.status];
        }),
      );
      validate('public', { $ref: '#/components/schemas/JobStatusEnum' }, 'queued', 'queued status');
      for (const status of statuses) validate('public', { $ref: '#/components/schemas/JobStatusEnum' }, status, `status ${status}`);
      expect(statuses.size).toBeGreaterThanOrEqual(2);
    });

    test('an unknown job id answers the 409 state-conflict problem the client tells apart from try-again-later', () => {
      const unknown = double.requestsTo('GET', '/api/public/v1/jobs/987654')[0];
      expect(unknown.status).toBe(409);
      expect(unknown.response).toEqual({
        type: 'https://reference.airbyte.com/reference/errors#409-state-conflict',
        title: 'state-conflict',
        status: 409,
        detail: 'State conflict',
        data: { message: 'Job is not currently running' },
      });
    });

    test('DELETE on an ended job answers 200 with its stored status', () => {
      const deletes = double.requestsTo('DELETE', '/api/public/v1/jobs/');
      expect(deletes.map((r) => [r.status, (r.response as { status: string }).status])).toEqual([
        [200, 'cancelled'],
        [200, 'cancelled'],
      ]);
    });

    const configTest = configSpec ? test : test.skip;
    configTest(`discover_schema and postprocess_discovered_catalog match the config API spec${configSpec ? '' : ` (SKIPPED: ${configSpecPath} absent)`}`, () => {
      for (const [path, template] of [
        ['/api/v1/sources/discover_schema', '/v1/sources/discover_schema'],
        ['/api/v1/connections/postprocess_discovered_catalog', '/v1/connections/postprocess_discovered_catalog'],
      ]) {
        const request = double.requestsTo('POST', path)[0];
        const found = operationFor(configSpec as Spec, '/api', request);
        expect(found?.template).toBe(template);
        validate('config', found?.operation.requestBody?.content?.['application/json']?.schema, request.body, `${template} request`);
        validate('config', found?.operation.responses?.['200']?.content?.['application/json']?.schema, request.response, `${template} response`);
      }
      expect(double.requestsTo('POST', '/api/v1/connections/postprocess_discovered_catalog')[0].response).toMatchObject({ appliedDiff: { transforms: [expect.objectContaining({ transformType: 'update_stream' })] } });
    });
  });
}
