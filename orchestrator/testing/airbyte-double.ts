// A stand-in for an Airbyte OSS 2.2 server, for tests and the benchmark: a real HTTP server on
// 127.0.0.1 serving the public API under /api/public/v1 and the config API calls we use under
// /api/v1, with shapes from the OpenAPI specs, token expiry, a job lifecycle, a request log and
// fault injection. Each behaviour names the airbyte-platform server file it follows (read at the
// 2026-08 HEAD, the closest to 2.2.0; see ../shared/reference/facts.md "Airbyte API behaviour").
import { randomUUID } from 'crypto';
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled';
export type NonBreakingBehaviour = 'ignore' | 'disable_connection' | 'propagate_columns' | 'propagate_fully';

export interface DoubleStream {
  readonly name: string;
  readonly namespace?: string;
}

export interface DoubleConnection {
  readonly connectionId: string;
  readonly name?: string;
  readonly sourceId?: string;
  readonly streams: readonly DoubleStream[];
  readonly status?: 'active' | 'inactive';
  /** @default "propagate_columns" (the provider's and the UI's default) */
  readonly nonBreakingSchemaUpdatesBehavior?: NonBreakingBehaviour;
}

export interface JobBehaviour {
  /** Time spent in the waiting state before running. @default 0 */
  readonly queuedMs?: number;
  /** Status reported while waiting: Airbyte says `pending`, 2.2 servers also `queued`. @default "pending" */
  readonly waitingStatus?: 'pending' | 'queued';
  /** Running time; Infinity keeps the job running until finishJob(). @default 50 */
  readonly durationMs?: number;
  readonly outcome?: JobOutcome;
  readonly rowsSynced?: number;
  readonly bytesSynced?: number;
}

/**
 * Decides a job's behaviour when it is created (the freshness benchmark's job model: start-up
 * overhead plus a per-row cost for the rows waiting in the slot). Wins over `job`.
 */
export type JobModel = (job: { readonly connectionId: string; readonly createdAt: number }) => JobBehaviour;

/** A job as the double ran it, for benchmarks that measure when data landed. */
export interface JobRecord {
  readonly jobId: number;
  readonly connectionId: string;
  readonly createdAt: number;
  readonly status: string;
  /** When it ended (or is due to end); undefined while it runs without a set duration. */
  readonly endedAt?: number;
}

/** A change of the source's columns as the next discover will see it. */
export interface SourceSchemaChange {
  /** Breaking for Airbyte (e.g. a primary-key or cursor column removed). @default false */
  readonly breaking?: boolean;
  /** Columns the diff names. @default ["new_column"] */
  readonly fields?: readonly string[];
  /** Stream the change is in. @default the connection's first stream */
  readonly stream?: DoubleStream;
}

export interface AirbyteDoubleOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly tokenTtlSeconds?: number;
  readonly connections?: readonly DoubleConnection[];
  readonly job?: JobBehaviour;
  /** What discover_schema reports. @default true */
  readonly discoverSucceeds?: boolean;
  readonly jobModel?: JobModel;
  /** How long discover_schema takes (it runs a connector pod synchronously). @default 0 */
  readonly discoverDelayMs?: number;
  /** How long POST /jobs takes to answer after the job exists. @default 0 */
  readonly createJobDelayMs?: number;
}

export type Fault = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'hang' } | { readonly kind: 'reset' };

export interface FaultRule {
  readonly method?: string;
  /** Matches when the request path (without query) starts with this, e.g. "/api/public/v1/jobs". */
  readonly pathPrefix?: string;
  readonly fault: Fault;
  /** How many matching requests it affects. @default 1 */
  times?: number;
}

/** Something a test makes happen between two of the client's requests (see afterAnswer). */
export interface AnswerHook {
  readonly method?: string;
  /** Matches when the request path (without query) starts with this. */
  readonly pathPrefix?: string;
  /** Matches only answers with this status (a fault's answer is a status too). */
  readonly status?: number;
  readonly action: () => void;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly receivedAt: number;
  status: number;
  response?: unknown;
  fault?: Fault['kind'];
}

interface DoubleJob {
  readonly jobId: number;
  readonly connectionId: string;
  readonly createdAt: number;
  readonly behaviour: Required<JobBehaviour>;
  final?: { status: JobOutcome; at: number };
}

interface StoredCatalog {
  readonly connectionId?: string;
  readonly sourceId: string;
}

const DEFAULT_CLIENT_ID = 'double-client-id';
const DEFAULT_CLIENT_SECRET = 'double-client-secret';
const PUBLIC_PREFIX = '/api/public/v1';
const CONFIG_PREFIX = '/api/v1';
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const JOB_STATUSES = new Set(['pending', 'queued', 'running', 'incomplete', 'failed', 'succeeded', 'cancelled']);
const FIRST_JOB_ID = 1000;
const WORKSPACE_ID = '18dccc91-0ab1-4f72-9ed7-0b8fc27c5826';
const DEFAULT_SOURCE_ID = '9924bcd0-99be-453d-ba47-c2c9766f7da5';

function isoDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `PT${Math.floor(seconds / 3600)}H${Math.floor((seconds % 3600) / 60)}M${seconds % 60}S`;
}

/** The server stores job times in whole seconds (JobConverter/JobResponseMapper use epoch seconds). */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class AirbyteDouble {
  readonly requests: RecordedRequest[] = [];
  readonly clientId: string;
  readonly clientSecret: string;
  tokenTtlSeconds: number;
  discoverSucceeds: boolean;
  discoverDelayMs: number;
  createJobDelayMs: number;
  private jobBehaviour: Required<JobBehaviour>;
  private jobModel: JobModel | undefined;
  private readonly outcomeQueue: JobOutcome[] = [];
  private readonly faults: FaultRule[] = [];
  private readonly answerHooks: AnswerHook[] = [];
  private readonly tokens = new Map<string, number>();
  private jobs = new Map<number, DoubleJob>();
  private readonly postedJobIds: number[] = [];
  private readonly connections = new Map<string, DoubleConnection>();
  private readonly pendingChanges = new Map<string, SourceSchemaChange>();
  private readonly catalogs = new Map<string, StoredCatalog>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextJobId = FIRST_JOB_ID;
  private server!: http.Server;
  private port = 0;

  private constructor(options: AirbyteDoubleOptions) {
    this.clientId = options.clientId ?? DEFAULT_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 900;
    this.discoverSucceeds = options.discoverSucceeds ?? true;
    this.discoverDelayMs = options.discoverDelayMs ?? 0;
    this.createJobDelayMs = options.createJobDelayMs ?? 0;
    this.jobBehaviour = AirbyteDouble.completeBehaviour(options.job ?? {});
    this.jobModel = options.jobModel;
    for (const connection of options.connections ?? []) this.connections.set(connection.connectionId, connection);
  }

  static async start(options: AirbyteDoubleOptions = {}): Promise<AirbyteDouble> {
    const double = new AirbyteDouble(options);
    double.server = http.createServer((req, res) => {
      double.handle(req, res).catch((error: Error) => {
        if (!res.headersSent && !res.destroyed) double.send(res, 500, { message: error.message });
      });
    });
    double.server.on('connection', (socket) => {
      double.sockets.add(socket);
      socket.on('close', () => double.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => double.server.listen(0, '127.0.0.1', resolve));
    double.port = (double.server.address() as AddressInfo).port;
    return double;
  }

  private static completeBehaviour(behaviour: JobBehaviour): Required<JobBehaviour> {
    return {
      queuedMs: behaviour.queuedMs ?? 0,
      waitingStatus: behaviour.waitingStatus ?? 'pending',
      durationMs: behaviour.durationMs ?? 50,
      outcome: behaviour.outcome ?? 'succeeded',
      rowsSynced: behaviour.rowsSynced ?? 42,
      bytesSynced: behaviour.bytesSynced ?? 4096,
    };
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Value for AIRBYTE_API_URL. */
  get publicApiUrl(): string {
    return `${this.origin}${PUBLIC_PREFIX}`;
  }

  get configApiUrl(): string {
    return `${this.origin}${CONFIG_PREFIX}`;
  }

  addConnection(connection: DoubleConnection): void {
    this.connections.set(connection.connectionId, connection);
  }

  connection(connectionId: string): DoubleConnection {
    const connection = this.connections.get(connectionId);
    if (!connection) throw new Error(`no connection ${connectionId}`);
    return connection;
  }

  setConnectionStatus(connectionId: string, status: 'active' | 'inactive'): void {
    this.connections.set(connectionId, { ...this.connection(connectionId), status });
  }

  /** The source's columns changed: the next discover for this connection reports it. */
  changeSourceSchema(connectionId: string, change: SourceSchemaChange = {}): void {
    this.connection(connectionId);
    this.pendingChanges.set(connectionId, change);
  }

  /** A person reviewed the schema change in the UI: the change is applied and the connection enabled. */
  reviewSchemaChange(connectionId: string): void {
    this.pendingChanges.delete(connectionId);
    this.setConnectionStatus(connectionId, 'active');
  }

  setJobBehaviour(behaviour: JobBehaviour): void {
    this.jobBehaviour = AirbyteDouble.completeBehaviour({ ...this.jobBehaviour, ...behaviour });
  }

  setJobModel(model: JobModel | undefined): void {
    this.jobModel = model;
  }

  /** Every job of a connection (ours and others'), oldest first. */
  jobRecords(connectionId?: string): JobRecord[] {
    const now = Date.now();
    return [...this.jobs.values()]
      .filter((job) => !connectionId || job.connectionId === connectionId)
      .sort((a, b) => a.createdAt - b.createdAt || a.jobId - b.jobId)
      .map((job) => {
        const due = job.createdAt + job.behaviour.queuedMs + job.behaviour.durationMs;
        const endedAt = job.final?.at ?? (Number.isFinite(due) ? due : undefined);
        return { jobId: job.jobId, connectionId: job.connectionId, createdAt: job.createdAt, status: this.statusOf(job, now), ...(endedAt !== undefined ? { endedAt } : {}) };
      });
  }

  /** Outcomes for the next jobs, in order, before falling back to the job behaviour's outcome. */
  queueOutcomes(...outcomes: JobOutcome[]): void {
    this.outcomeQueue.push(...outcomes);
  }

  injectFault(rule: FaultRule): void {
    this.faults.push({ ...rule, times: rule.times ?? 1 });
  }

  /**
   * Runs `action` once, right after the next matching request has been answered and before the
   * client can send another: the deterministic way to have the server change between two of the
   * client's requests (a waitFor in the test races the client's backoff on a loaded machine).
   */
  afterAnswer(hook: AnswerHook): void {
    this.answerHooks.push(hook);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Makes every issued token expired, as if the server's clock had moved past expires_in. */
  expireAllTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }

  /**
   * Airbyte reinstalled without its database: every job is gone and ids start again from the
   * first one, so old ids can name new, unrelated jobs.
   */
  forgetJobs(): void {
    this.jobs = new Map();
    this.nextJobId = FIRST_JOB_ID;
  }

  /** Starts a job as someone else would (the UI, a schedule), returning its id. */
  startJob(connectionId: string, behaviour: JobBehaviour = {}): number {
    return this.createJob(connectionId, behaviour).jobId;
  }

  finishJob(jobId: number, status: JobOutcome = 'succeeded'): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    job.final = { status, at: Date.now() };
  }

  jobStatus(jobId: number): string {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    return this.statusOf(job);
  }

  /** Jobs created through POST /jobs (not startJob), in order, whether or not the answer reached the client. */
  createdJobIds(): number[] {
    return [...this.postedJobIds];
  }

  requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private createJob(connectionId: string, override: JobBehaviour): DoubleJob {
    const createdAt = Date.now();
    const modelled = this.jobModel?.({ connectionId, createdAt }) ?? {};
    const outcome = override.outcome ?? this.outcomeQueue.shift() ?? modelled.outcome ?? this.jobBehaviour.outcome;
    const job: DoubleJob = {
      jobId: this.nextJobId++,
      connectionId,
      createdAt,
      behaviour: AirbyteDouble.completeBehaviour({ ...this.jobBehaviour, ...modelled, ...override, outcome }),
    };
    this.jobs.set(job.jobId, job);
    return job;
  }

  private statusOf(job: DoubleJob, now = Date.now()): string {
    if (job.final) return job.final.status;
    const elapsed = now - job.createdAt;
    if (elapsed < job.behaviour.queuedMs) return job.behaviour.waitingStatus;
    if (elapsed < job.behaviour.queuedMs + job.behaviour.durationMs) return 'running';
    return job.behaviour.outcome;
  }

  // airbyte-server/.../publicapi/mappers/JobResponseMapper.kt: startTime from createdAt (seconds),
  // lastUpdatedAt only for ended jobs, no duration while pending.
  private jobResponse(job: DoubleJob): Record<string, unknown> {
    const now = Date.now();
    const status = this.statusOf(job, now);
    const ended = TERMINAL.has(status);
    const endedAt = Math.min(job.final?.at ?? job.createdAt + job.behaviour.queuedMs + job.behaviour.durationMs, now);
    const response: Record<string, unknown> = {
      jobId: job.jobId,
      status,
      jobType: 'sync',
      startTime: isoSeconds(job.createdAt),
      connectionId: job.connectionId,
    };
    if (ended) response.lastUpdatedAt = isoSeconds(endedAt);
    if (status !== 'pending') response.duration = isoDuration((ended ? endedAt : now) - job.createdAt);
    if (status === 'succeeded') {
      response.rowsSynced = job.behaviour.rowsSynced;
      response.bytesSynced = job.behaviour.bytesSynced;
    }
    return response;
  }

  private currentJob(connectionId: string): DoubleJob | undefined {
    return [...this.jobs.values()].filter((job) => job.connectionId === connectionId).sort((a, b) => b.createdAt - a.createdAt || b.jobId - a.jobId)[0];
  }

  private runningJob(connectionId: string): DoubleJob | undefined {
    const current = this.currentJob(connectionId);
    return current && !TERMINAL.has(this.statusOf(current)) ? current : undefined;
  }

  private send(res: http.ServerResponse, status: number, body?: unknown, record?: RecordedRequest): void {
    if (record) {
      record.status = status;
      record.response = body;
    }
    if (res.destroyed || res.writableEnded) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    if (record) this.runAnswerHook(record);
  }

  private runAnswerHook(record: RecordedRequest): void {
    const index = this.answerHooks.findIndex(
      (hook) => (!hook.method || hook.method === record.method) && (!hook.pathPrefix || record.path.startsWith(hook.pathPrefix)) && (hook.status === undefined || hook.status === record.status),
    );
    if (index < 0) return;
    const [hook] = this.answerHooks.splice(index, 1);
    hook.action();
  }

  // airbyte-api/problems-api/src/main/openapi/api-problems.yaml: type/title/status/detail + data.message.
  private problem(status: number, type: string, title: string, detail: string, data?: Record<string, unknown>): Record<string, unknown> {
    return { type: `https://reference.airbyte.com/reference/errors#${type}`, title, status, detail, ...(data ? { data } : {}) };
  }

  // airbyte-server/.../publicapi/errorHandlers/ConfigClientErrorHandler.kt: a persistence error
  // "Could not find job with id" becomes this 409, not a 404.
  private jobNotRunning(): Record<string, unknown> {
    return this.problem(409, '409-state-conflict', 'state-conflict', 'State conflict', { message: 'Job is not currently running' });
  }

  // Micronaut's default JSON error body (an HttpStatusException such as the BadRequestException
  // thrown by airbyte-data/.../ApplicationServiceMicronautImpl.kt): the reason is only in _embedded.errors.
  private micronautError(path: string, reason: string, message = 'Bad Request'): Record<string, unknown> {
    return { message, _links: { self: { href: path, templated: false } }, _embedded: { errors: [{ message: reason }] } };
  }

  private authorized(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (!match) return false;
    const expiresAt = this.tokens.get(match[1]);
    return expiresAt !== undefined && Date.now() < expiresAt;
  }

  private async readBody(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text === '') return undefined;
    if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  private connectionResponse(connection: DoubleConnection): Record<string, unknown> {
    return {
      connectionId: connection.connectionId,
      name: connection.name ?? 'Postgres to BigQuery',
      sourceId: connection.sourceId ?? DEFAULT_SOURCE_ID,
      destinationId: '744cc0ed-7f05-4949-9e60-2a814f90c035',
      workspaceId: WORKSPACE_ID,
      status: connection.status ?? 'active',
      schedule: { scheduleType: 'manual' },
      nonBreakingSchemaUpdatesBehavior: connection.nonBreakingSchemaUpdatesBehavior ?? 'propagate_columns',
      namespaceDefinition: 'source',
      configurations: {
        streams: connection.streams.map((stream) => ({ name: stream.name, ...(stream.namespace ? { namespace: stream.namespace } : {}), syncMode: 'incremental_deduped_history' })),
      },
      createdAt: 1700000000,
      tags: [],
    };
  }

  /** The diff between the connection's catalog and the source, as CatalogDiff (empty when nothing changed). */
  private catalogDiff(connection: DoubleConnection): { transforms: Array<Record<string, unknown>>; breaking: boolean } {
    const change = this.pendingChanges.get(connection.connectionId);
    if (!change) return { transforms: [], breaking: false };
    const stream = change.stream ?? connection.streams[0] ?? { name: 'unknown' };
    const breaking = change.breaking ?? false;
    const fieldTransforms = (change.fields ?? ['new_column']).map((field) =>
      breaking
        ? { transformType: 'remove_field', fieldName: [field], breaking: true, removeField: { schema: { type: 'string' } } }
        : { transformType: 'add_field', fieldName: [field], breaking: false, addField: { schema: { type: 'string' } } },
    );
    return {
      breaking,
      transforms: [
        {
          transformType: 'update_stream',
          streamDescriptor: { name: stream.name, ...(stream.namespace ? { namespace: stream.namespace } : {}) },
          updateStream: { fieldTransforms, streamAttributeTransforms: [] },
        },
      ],
    };
  }

  // airbyte-commons-server/.../handlers/ConnectionsHandler.kt (disableConnectionIfNeeded): a breaking
  // change, or any change under disable_connection, makes the connection inactive.
  private diffAndConditionallyDisable(connection: DoubleConnection): { transforms: Array<Record<string, unknown>>; breaking: boolean; status: string } {
    const diff = this.catalogDiff(connection);
    const behaviour = connection.nonBreakingSchemaUpdatesBehavior ?? 'propagate_columns';
    if (diff.breaking || (behaviour === 'disable_connection' && diff.transforms.length > 0)) this.setConnectionStatus(connection.connectionId, 'inactive');
    return { ...diff, status: this.connection(connection.connectionId).status ?? 'active' };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const method = req.method ?? 'GET';
    const body = await this.readBody(req);
    const record: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, receivedAt: Date.now(), status: 0 };
    this.requests.push(record);

    const rule = this.faults.find((candidate) => (candidate.times ?? 0) > 0 && (!candidate.method || candidate.method === method) && (!candidate.pathPrefix || url.pathname.startsWith(candidate.pathPrefix)));
    if (rule) {
      rule.times = (rule.times ?? 1) - 1;
      record.fault = rule.fault.kind;
      if (rule.fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (rule.fault.kind === 'hang') return; // never answer; the socket is destroyed on close()
      this.send(res, rule.fault.status, this.problem(rule.fault.status, 'internal-server-error', 'internal-server-error', 'injected fault'), record);
      return;
    }

    const path = url.pathname;
    if (method === 'GET' && path === `${PUBLIC_PREFIX}/health`) {
      this.send(res, 200, undefined, record);
      return;
    }
    // airbyte-server/.../publicapi/controllers/ApplicationsController.kt: anonymous token grant;
    // wrong credentials are a 400 from ApplicationServiceMicronautImpl.kt in Micronaut's body.
    if (method === 'POST' && path === `${PUBLIC_PREFIX}/applications/token`) {
      const credentials = (body ?? {}) as Record<string, unknown>;
      if (credentials.client_id !== this.clientId || credentials.client_secret !== this.clientSecret || (credentials.grant_type ?? 'client_credentials') !== 'client_credentials') {
        this.send(res, 400, this.micronautError(path, 'Invalid client id or token'), record);
        return;
      }
      const token = randomUUID();
      this.tokens.set(token, Date.now() + this.tokenTtlSeconds * 1000);
      this.send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: this.tokenTtlSeconds }, record);
      return;
    }
    if (!this.authorized(req)) {
      this.send(res, 401, this.problem(401, 'unauthorized', 'unauthorized', 'Invalid or expired access token'), record);
      return;
    }

    const jobMatch = new RegExp(`^${PUBLIC_PREFIX}/jobs/(\\d+)$`).exec(path);
    const connectionMatch = new RegExp(`^${PUBLIC_PREFIX}/connections/([^/]+)$`).exec(path);
    if (method === 'POST' && path === `${PUBLIC_PREFIX}/jobs`) {
      await this.createJobRoute(res, body, record);
      return;
    }
    if (method === 'GET' && path === `${PUBLIC_PREFIX}/jobs`) {
      this.listJobsRoute(res, url, record);
      return;
    }
    // GET: a read with no side effect, whatever the job's state and however often it is asked, as
    // airbyte-server/.../publicapi/controllers/JobsController.kt getJob does (JobServiceImpl
    // getJobInfoWithoutLogs → JobHistoryHandler: the stored job row, no logs), so polling it every
    // second near a job's end (job-control.ts follow) changes nothing on the server.
    if (jobMatch && (method === 'GET' || method === 'DELETE')) {
      const job = this.jobs.get(Number(jobMatch[1]));
      if (!job) {
        this.send(res, 409, this.jobNotRunning(), record);
        return;
      }
      if (method === 'DELETE') {
        // airbyte-commons-server/.../handlers/SchedulerHandler.kt (submitCancellationToWorker): the
        // cancellation goes to the connection's workflow, so it stops whatever job of that connection
        // runs now, then answers job {id} as stored, 200 even when it had already ended.
        const current = this.runningJob(job.connectionId);
        if (current) current.final = { status: 'cancelled', at: Date.now() };
      }
      this.send(res, 200, this.jobResponse(job), record);
      return;
    }
    if (connectionMatch && method === 'GET') {
      const connection = this.connections.get(connectionMatch[1]);
      if (!connection) {
        this.send(res, 404, this.problem(404, 'resource-not-found', 'resource-not-found', 'The requested resource could not be found.', { resourceId: connectionMatch[1] }), record);
        return;
      }
      this.send(res, 200, this.connectionResponse(connection), record);
      return;
    }
    if (method === 'POST' && path === `${CONFIG_PREFIX}/sources/discover_schema`) {
      await this.discoverRoute(res, body, record);
      return;
    }
    if (method === 'POST' && path === `${CONFIG_PREFIX}/connections/postprocess_discovered_catalog`) {
      this.postprocessRoute(res, body, record);
      return;
    }
    this.send(res, 404, this.problem(404, 'resource-not-found', 'resource-not-found', `No route for ${method} ${path}`), record);
  }

  private async createJobRoute(res: http.ServerResponse, body: unknown, record: RecordedRequest): Promise<void> {
    const request = (body ?? {}) as { connectionId?: string; jobType?: string };
    const connection = request.connectionId ? this.connections.get(request.connectionId) : undefined;
    if (!connection) {
      this.send(res, 404, this.problem(404, 'resource-not-found', 'resource-not-found', 'The requested resource could not be found.', { resourceId: request.connectionId }), record);
      return;
    }
    // airbyte-server/.../publicapi/controllers/JobsController.kt: refresh is refused with a 422.
    if (request.jobType !== 'sync') {
      this.send(res, 422, this.problem(422, 'unprocessable-entity', 'unprocessable-entity', 'The body of the request was not understood', { message: 'Refreshes are not supported in the public API' }), record);
      return;
    }
    // SchedulerHandler.kt (submitManualSyncToWorker) checks the connection is active; the
    // IllegalStateException becomes ConfigClientErrorHandler.kt's 409 "Could not fulfill request".
    if ((connection.status ?? 'active') !== 'active') {
      this.send(res, 409, this.problem(409, '409-state-conflict', 'state-conflict', 'State conflict', { message: 'Could not fulfill request' }), record);
      return;
    }
    // SchedulerHandler.kt (readJobFromResult): WORKFLOW_RUNNING → ValueConflictKnownException →
    // ConfigClientErrorHandler.kt's try-again-later 409.
    if (this.runningJob(connection.connectionId)) {
      this.send(res, 409, this.problem(409, 'try-again-later', 'try-again-later', 'Please try again later.', { message: `A sync is already running for: ${connection.connectionId}` }), record);
      return;
    }
    const job = this.createJob(connection.connectionId, {});
    this.postedJobIds.push(job.jobId);
    // JobsController.kt calls sync(returnAfterJobId = true): the answer comes once the job exists,
    // which can still be after the client gave up.
    await this.delay(this.createJobDelayMs);
    this.send(res, 200, this.jobResponse(job), record);
  }

  // airbyte-server/.../publicapi/helpers/JobsHelper.kt (orderByToFieldAndMethod): without orderBy
  // the list is createdAt ascending; a malformed orderBy is a 400. The status filter takes one enum value.
  private listJobsRoute(res: http.ServerResponse, url: URL, record: RecordedRequest): void {
    const connectionId = url.searchParams.get('connectionId');
    const status = url.searchParams.get('status');
    const orderBy = url.searchParams.get('orderBy');
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(offset) || offset < 0) {
      this.send(res, 400, this.problem(400, 'bad-request', 'bad-request', 'The request could not be understood by the server due to malformed syntax.', { message: 'limit must be 1-100, offset >= 0' }), record);
      return;
    }
    if (status !== null && !JOB_STATUSES.has(status)) {
      this.send(res, 400, this.problem(400, 'bad-request', 'bad-request', 'The request could not be understood by the server due to malformed syntax.', { message: `Invalid status: ${status}` }), record);
      return;
    }
    let direction = 1;
    let field: 'createdAt' | 'updatedAt' = 'createdAt';
    if (orderBy !== null) {
      const match = /^(createdAt|updatedAt)\|(ASC|DESC)$/.exec(orderBy);
      if (!match) {
        this.send(res, 400, this.problem(400, 'bad-request', 'bad-request', 'The request could not be understood by the server due to malformed syntax.', { message: `Invalid order by clause provided: ${orderBy}` }), record);
        return;
      }
      field = match[1] as 'createdAt' | 'updatedAt';
      direction = match[2] === 'DESC' ? -1 : 1;
    }
    const now = Date.now();
    const key = (job: DoubleJob): number => (field === 'createdAt' ? job.createdAt : job.final?.at ?? now);
    const jobs = [...this.jobs.values()]
      .filter((job) => (!connectionId || job.connectionId === connectionId) && (!status || this.statusOf(job) === status))
      .sort((a, b) => direction * (key(a) - key(b) || a.jobId - b.jobId))
      .slice(offset, offset + limit)
      .map((job) => this.jobResponse(job));
    this.send(res, 200, { data: jobs }, record);
  }

  // airbyte-commons-server/.../handlers/SchedulerHandler.kt (discoverSchemaForSourceFromSourceId →
  // runDiscoverJobDiffAndConditionallyDisable): runs synchronously, stores the catalog, diffs it
  // against the connection and may disable it; it applies nothing.
  private async discoverRoute(res: http.ServerResponse, body: unknown, record: RecordedRequest): Promise<void> {
    const request = (body ?? {}) as { sourceId?: string; connectionId?: string };
    if (typeof request.sourceId !== 'string') {
      this.send(res, 400, this.micronautError(record.path, 'sourceId: must not be null'), record);
      return;
    }
    const started = Date.now();
    await this.delay(this.discoverDelayMs);
    const jobInfo = { id: randomUUID(), configType: 'discover_schema', configId: request.sourceId, createdAt: started, endedAt: Date.now(), succeeded: this.discoverSucceeds };
    if (!this.discoverSucceeds) {
      this.send(res, 200, { jobInfo }, record);
      return;
    }
    const catalogId = randomUUID();
    this.catalogs.set(catalogId, { sourceId: request.sourceId, connectionId: request.connectionId });
    const connection = request.connectionId ? this.connections.get(request.connectionId) : undefined;
    const response: Record<string, unknown> = { catalog: { streams: [] }, jobInfo, catalogId };
    if (connection) {
      const diff = this.diffAndConditionallyDisable(connection);
      Object.assign(response, { catalogDiff: { transforms: diff.transforms }, breakingChange: diff.breaking, connectionStatus: diff.status });
    }
    this.send(res, 200, response, record);
  }

  // airbyte-commons-server/.../handlers/ConnectionsHandler.kt (postprocessDiscoveredCatalog →
  // applySchemaChange) with helpers/ApplySchemaChangeHelper.kt (shouldAutoPropagate): a
  // non-breaking diff is applied only under propagate_columns/propagate_fully; an empty diff is
  // "applied" as empty; otherwise appliedDiff is absent.
  private postprocessRoute(res: http.ServerResponse, body: unknown, record: RecordedRequest): void {
    const request = (body ?? {}) as { connectionId?: string; catalogId?: string };
    const connection = request.connectionId ? this.connections.get(request.connectionId) : undefined;
    if (!connection || !request.catalogId || !this.catalogs.has(request.catalogId)) {
      this.send(res, 404, { message: 'Not Found', _embedded: { errors: [{ message: `Could not find catalog ${request.catalogId} or connection ${request.connectionId}` }] } }, record);
      return;
    }
    const diff = this.diffAndConditionallyDisable(connection);
    const behaviour = connection.nonBreakingSchemaUpdatesBehavior ?? 'propagate_columns';
    if (diff.transforms.length === 0) {
      this.send(res, 200, { appliedDiff: { transforms: [] } }, record);
      return;
    }
    if (!diff.breaking && (behaviour === 'propagate_columns' || behaviour === 'propagate_fully')) {
      this.pendingChanges.delete(connection.connectionId);
      this.send(res, 200, { appliedDiff: { transforms: diff.transforms } }, record);
      return;
    }
    this.send(res, 200, {}, record);
  }
}
