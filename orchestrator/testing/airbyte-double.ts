// A stand-in for an Airbyte OSS server, for tests and the benchmark: a real HTTP server on
// 127.0.0.1 serving the public API under /api/public/v1 and the one config API call we use under
// /api/v1, with shapes from the OpenAPI specs, token expiry, a job lifecycle, a request log and
// fault injection.
import { randomUUID } from 'crypto';
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled';

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
}

export interface JobBehaviour {
  /** Time spent in the waiting state before running. @default 0 */
  readonly queuedMs?: number;
  /** Status reported while waiting: Airbyte says `pending`, newer servers `queued`. @default "pending" */
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

export interface AirbyteDoubleOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly tokenTtlSeconds?: number;
  readonly connections?: readonly DoubleConnection[];
  readonly job?: JobBehaviour;
  /** What discover_schema reports. @default true */
  readonly discoverSucceeds?: boolean;
  readonly jobModel?: JobModel;
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

const DEFAULT_CLIENT_ID = 'double-client-id';
const DEFAULT_CLIENT_SECRET = 'double-client-secret';
const PUBLIC_PREFIX = '/api/public/v1';
const CONFIG_PREFIX = '/api/v1';
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

function isoDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `PT${Math.floor(seconds / 3600)}H${Math.floor((seconds % 3600) / 60)}M${seconds % 60}S`;
}

export class AirbyteDouble {
  readonly requests: RecordedRequest[] = [];
  readonly clientId: string;
  readonly clientSecret: string;
  tokenTtlSeconds: number;
  discoverSucceeds: boolean;
  private jobBehaviour: Required<JobBehaviour>;
  private jobModel: JobModel | undefined;
  private readonly outcomeQueue: JobOutcome[] = [];
  private readonly faults: FaultRule[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly jobs = new Map<number, DoubleJob>();
  private readonly connections = new Map<string, DoubleConnection>();
  private readonly sockets = new Set<Socket>();
  private nextJobId = 1000;
  private server!: http.Server;
  private port = 0;

  private constructor(options: AirbyteDoubleOptions) {
    this.clientId = options.clientId ?? DEFAULT_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 900;
    this.discoverSucceeds = options.discoverSucceeds ?? true;
    this.jobBehaviour = AirbyteDouble.completeBehaviour(options.job ?? {});
    this.jobModel = options.jobModel;
    for (const connection of options.connections ?? []) this.connections.set(connection.connectionId, connection);
  }

  static async start(options: AirbyteDoubleOptions = {}): Promise<AirbyteDouble> {
    const double = new AirbyteDouble(options);
    double.server = http.createServer((req, res) => {
      double.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) double.send(res, 500, { message: error.message });
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

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Makes every issued token expired, as if the server's clock had moved past expires_in. */
  expireAllTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
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

  /** Jobs created through POST /jobs (not startJob), in order. */
  createdJobIds(): number[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === `${PUBLIC_PREFIX}/jobs` && r.status === 200).map((r) => (r.response as { jobId: number }).jobId);
  }

  requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
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

  private jobResponse(job: DoubleJob): Record<string, unknown> {
    const now = Date.now();
    const status = this.statusOf(job, now);
    const ended = TERMINAL.has(status);
    const endedAt = job.final?.at ?? job.createdAt + job.behaviour.queuedMs + job.behaviour.durationMs;
    const response: Record<string, unknown> = {
      jobId: job.jobId,
      status,
      jobType: 'sync',
      startTime: new Date(job.createdAt).toISOString(),
      connectionId: job.connectionId,
      lastUpdatedAt: new Date(ended ? Math.min(endedAt, now) : now).toISOString(),
      duration: isoDuration((ended ? Math.min(endedAt, now) : now) - job.createdAt),
    };
    if (status === 'succeeded') {
      response.rowsSynced = job.behaviour.rowsSynced;
      response.bytesSynced = job.behaviour.bytesSynced;
    }
    return response;
  }

  private runningJob(connectionId: string): DoubleJob | undefined {
    return [...this.jobs.values()].find((job) => job.connectionId === connectionId && !TERMINAL.has(this.statusOf(job)));
  }

  private send(res: http.ServerResponse, status: number, body?: unknown, record?: RecordedRequest): void {
    if (record) {
      record.status = status;
      record.response = body;
    }
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private problem(status: number, type: string, title: string, detail: string, data?: Record<string, unknown>): Record<string, unknown> {
    return { type: `https://reference.airbyte.com/reference/errors#${type}`, title, status, detail, ...(data ? { data } : {}) };
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
    if (method === 'POST' && path === `${PUBLIC_PREFIX}/applications/token`) {
      const credentials = (body ?? {}) as Record<string, unknown>;
      if (credentials.client_id !== this.clientId || credentials.client_secret !== this.clientSecret || (credentials.grant_type ?? 'client_credentials') !== 'client_credentials') {
        this.send(res, 400, this.problem(400, 'bad-request', 'bad-request', 'Invalid client credentials'), record);
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
      const request = (body ?? {}) as { connectionId?: string; jobType?: string };
      const connection = request.connectionId ? this.connections.get(request.connectionId) : undefined;
      if (!connection || request.jobType !== 'sync') {
        this.send(res, 400, this.problem(400, 'bad-request', 'bad-request', `Unknown connection or job type: ${request.connectionId} ${request.jobType}`), record);
        return;
      }
      if ((connection.status ?? 'active') !== 'active') {
        this.send(res, 409, this.problem(409, 'state-conflict', 'state-conflict', 'Connection is not active', { message: `Connection ${connection.connectionId} is inactive` }), record);
        return;
      }
      if (this.runningJob(connection.connectionId)) {
        this.send(
          res,
          409,
          this.problem(409, 'try-again-later', 'try-again-later', 'A sync is already running', { message: `A sync is already running for: ${connection.connectionId}` }),
          record,
        );
        return;
      }
      this.send(res, 200, this.jobResponse(this.createJob(connection.connectionId, {})), record);
      return;
    }
    if (method === 'GET' && path === `${PUBLIC_PREFIX}/jobs`) {
      const connectionId = url.searchParams.get('connectionId');
      const status = url.searchParams.get('status');
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20)));
      const jobs = [...this.jobs.values()]
        .filter((job) => (!connectionId || job.connectionId === connectionId) && (!status || this.statusOf(job) === status))
        .sort((a, b) => b.createdAt - a.createdAt || b.jobId - a.jobId)
        .slice(0, limit)
        .map((job) => this.jobResponse(job));
      this.send(res, 200, { data: jobs }, record);
      return;
    }
    if (jobMatch && (method === 'GET' || method === 'DELETE')) {
      const job = this.jobs.get(Number(jobMatch[1]));
      if (!job) {
        this.send(res, 404, this.problem(404, 'resource-not-found', 'resource-not-found', `Job ${jobMatch[1]} not found`), record);
        return;
      }
      if (method === 'DELETE') {
        if (TERMINAL.has(this.statusOf(job))) {
          this.send(res, 409, this.problem(409, 'state-conflict', 'state-conflict', 'Job is not running'), record);
          return;
        }
        job.final = { status: 'cancelled', at: Date.now() };
      }
      this.send(res, 200, this.jobResponse(job), record);
      return;
    }
    if (connectionMatch && method === 'GET') {
      const connection = this.connections.get(connectionMatch[1]);
      if (!connection) {
        this.send(res, 404, this.problem(404, 'resource-not-found', 'resource-not-found', `Connection ${connectionMatch[1]} not found`), record);
        return;
      }
      this.send(
        res,
        200,
        {
          connectionId: connection.connectionId,
          name: connection.name ?? 'Postgres to BigQuery',
          sourceId: connection.sourceId ?? '9924bcd0-99be-453d-ba47-c2c9766f7da5',
          destinationId: '744cc0ed-7f05-4949-9e60-2a814f90c035',
          workspaceId: '18dccc91-0ab1-4f72-9ed7-0b8fc27c5826',
          status: connection.status ?? 'active',
          schedule: { scheduleType: 'manual' },
          nonBreakingSchemaUpdatesBehavior: 'propagate_columns',
          namespaceDefinition: 'source',
          configurations: {
            streams: connection.streams.map((stream) => ({ name: stream.name, ...(stream.namespace ? { namespace: stream.namespace } : {}), syncMode: 'incremental_deduped_history' })),
          },
          createdAt: 1700000000,
          tags: [],
        },
        record,
      );
      return;
    }
    if (method === 'POST' && path === `${CONFIG_PREFIX}/sources/discover_schema`) {
      const request = (body ?? {}) as { sourceId?: string };
      if (typeof request.sourceId !== 'string') {
        this.send(res, 422, { message: 'sourceId is required' }, record);
        return;
      }
      const now = Date.now();
      this.send(
        res,
        200,
        {
          catalog: { streams: [] },
          jobInfo: { id: randomUUID(), configType: 'discover_schema', configId: request.sourceId, createdAt: now, endedAt: now, succeeded: this.discoverSucceeds },
          catalogId: randomUUID(),
          breakingChange: false,
        },
        record,
      );
      return;
    }
    this.send(res, 404, this.problem(404, 'resource-not-found', 'resource-not-found', `No route for ${method} ${path}`), record);
  }
}
