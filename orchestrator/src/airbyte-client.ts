// Thin client for the Airbyte public API (/api/public/v1) plus the one config API call we need
// (/api/v1/sources/discover_schema). Handles tokens, retries and the 409 "sync already running".
import { BackoffPolicy, backoffDelay, sleep } from './backoff';
import { Logger, silentLogger } from './logger';

export interface AirbyteJob {
  readonly jobId: number;
  readonly status: string;
  readonly jobType: string;
  readonly connectionId: string;
  readonly startTime?: string;
  readonly lastUpdatedAt?: string;
  readonly duration?: string;
  readonly rowsSynced?: number;
  readonly bytesSynced?: number;
}

export interface AirbyteStream {
  readonly name: string;
  readonly namespace?: string;
  readonly cursorField?: readonly string[];
}

export interface AirbyteConnection {
  readonly connectionId: string;
  readonly name: string;
  readonly sourceId: string;
  readonly status: string;
  readonly streams: readonly AirbyteStream[];
  /** For links into the Airbyte UI. */
  readonly workspaceId?: string;
}

export type CreateJobResult = { readonly kind: 'created'; readonly job: AirbyteJob } | { readonly kind: 'already-running'; readonly message: string };

const TERMINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);

/** Anything not known to be final (pending, queued, running, incomplete, future states) is still running. */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** A 4xx answer that retrying cannot fix; carries the server's own message. */
export class AirbyteRequestError extends Error {
  constructor(
    readonly status: number,
    readonly operation: string,
    readonly serverMessage: string,
    readonly problemType?: string,
  ) {
    super(`Airbyte ${operation} failed with HTTP ${status}: ${serverMessage}`);
    this.name = 'AirbyteRequestError';
  }
}

/** Airbyte did not answer usefully (5xx, timeouts, resets) even after all retries. */
export class AirbyteUnavailableError extends Error {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly lastProblem: string,
  ) {
    super(`Airbyte ${operation} still failing after ${attempts} attempts: ${lastProblem}`);
    this.name = 'AirbyteUnavailableError';
  }
}

class TransientError extends Error {}

export interface AirbyteClientOptions {
  readonly apiUrl: string;
  readonly configApiUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requestTimeoutMs: number;
  readonly retry: BackoffPolicy & { readonly maxAttempts: number };
  readonly logger?: Logger;
  readonly now?: () => number;
}

interface RequestSpec {
  readonly operation: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly body?: unknown;
  readonly authenticated: boolean;
}

interface RawResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

function problemMessage(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const data = record.data as Record<string, unknown> | undefined;
    const parts = [record.title, record.detail, data?.message, record.message].filter((part): part is string => typeof part === 'string' && part.length > 0);
    if (parts.length > 0) return [...new Set(parts)].join(': ');
  }
  return text.slice(0, 300) || '(empty body)';
}

function isTryAgainLater(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const record = body as Record<string, unknown>;
  return (typeof record.type === 'string' && record.type.endsWith('#try-again-later')) || record.title === 'try-again-later';
}

export class AirbyteClient {
  private token?: { readonly value: string; readonly refreshAt: number };
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(private readonly options: AirbyteClientOptions) {
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  async health(): Promise<void> {
    await this.request({ operation: 'health check', method: 'GET', url: `${this.options.apiUrl}/health`, authenticated: false });
  }

  async getConnection(connectionId: string): Promise<AirbyteConnection> {
    const response = await this.request({
      operation: `GET /connections/${connectionId}`,
      method: 'GET',
      url: `${this.options.apiUrl}/connections/${encodeURIComponent(connectionId)}`,
      authenticated: true,
    });
    const body = response.body as Record<string, unknown>;
    const configurations = (body?.configurations ?? {}) as { streams?: AirbyteStream[] };
    return {
      connectionId: String(body?.connectionId ?? connectionId),
      name: String(body?.name ?? ''),
      sourceId: String(body?.sourceId ?? ''),
      status: String(body?.status ?? ''),
      streams: Array.isArray(configurations.streams) ? configurations.streams : [],
      ...(typeof body?.workspaceId === 'string' ? { workspaceId: body.workspaceId } : {}),
    };
  }

  /** Starts a sync; a 409 "try-again-later" means one is already running and is not an error. */
  async createSyncJob(connectionId: string): Promise<CreateJobResult> {
    const operation = 'POST /jobs';
    try {
      const response = await this.request({ operation, method: 'POST', url: `${this.options.apiUrl}/jobs`, body: { connectionId, jobType: 'sync' }, authenticated: true });
      return { kind: 'created', job: response.body as AirbyteJob };
    } catch (error) {
      if (error instanceof AirbyteRequestError && error.status === 409 && (error.problemType?.endsWith('#try-again-later') || error.serverMessage.startsWith('try-again-later'))) {
        return { kind: 'already-running', message: error.serverMessage };
      }
      throw error;
    }
  }

  async getJob(jobId: number): Promise<AirbyteJob> {
    const response = await this.request({ operation: `GET /jobs/${jobId}`, method: 'GET', url: `${this.options.apiUrl}/jobs/${jobId}`, authenticated: true });
    return response.body as AirbyteJob;
  }

  async listJobs(query: { connectionId: string; status?: string; jobType?: string; limit?: number }): Promise<AirbyteJob[]> {
    const params = new URLSearchParams({ connectionId: query.connectionId, limit: String(query.limit ?? 10), orderBy: 'updatedAt|DESC' });
    if (query.status) params.set('status', query.status);
    if (query.jobType) params.set('jobType', query.jobType);
    const response = await this.request({ operation: 'GET /jobs', method: 'GET', url: `${this.options.apiUrl}/jobs?${params.toString()}`, authenticated: true });
    const data = (response.body as { data?: AirbyteJob[] })?.data;
    return Array.isArray(data) ? data : [];
  }

  /** The running sync of a connection, if any (what a 409 refers to). */
  async findRunningJob(connectionId: string): Promise<AirbyteJob | undefined> {
    for (const status of ['running', 'pending', 'queued', 'incomplete']) {
      const jobs = await this.listJobs({ connectionId, status, limit: 5 });
      const job = jobs.find((candidate) => !isTerminalStatus(candidate.status));
      if (job) return job;
    }
    return undefined;
  }

  async cancelJob(jobId: number): Promise<AirbyteJob | undefined> {
    try {
      const response = await this.request({ operation: `DELETE /jobs/${jobId}`, method: 'DELETE', url: `${this.options.apiUrl}/jobs/${jobId}`, authenticated: true });
      return response.body as AirbyteJob;
    } catch (error) {
      // 409: it ended on its own before the cancel arrived.
      if (error instanceof AirbyteRequestError && error.status === 409) return undefined;
      throw error;
    }
  }

  /** Schema refresh through the config API, bypassing the discover cache. */
  async discoverSchema(sourceId: string, connectionId: string): Promise<{ succeeded: boolean; catalogId?: string; breakingChange?: boolean }> {
    const response = await this.request({
      operation: 'POST /v1/sources/discover_schema',
      method: 'POST',
      url: `${this.options.configApiUrl}/sources/discover_schema`,
      body: { sourceId, connectionId, disable_cache: true },
      authenticated: true,
    });
    const body = (response.body ?? {}) as { jobInfo?: { succeeded?: boolean }; catalogId?: string; breakingChange?: boolean };
    return { succeeded: body.jobInfo?.succeeded !== false, catalogId: body.catalogId, breakingChange: body.breakingChange };
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.refreshAt) return this.token.value;
    const response = await this.request({
      operation: 'POST /applications/token',
      method: 'POST',
      url: `${this.options.apiUrl}/applications/token`,
      body: { client_id: this.options.clientId, client_secret: this.options.clientSecret, grant_type: 'client_credentials' },
      authenticated: false,
    });
    const body = response.body as { access_token?: string; expires_in?: number };
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw new AirbyteRequestError(response.status, 'POST /applications/token', 'response has no access_token');
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 180) * 1000;
    // Refresh well before expiry so a request never leaves with a token about to die in flight.
    const margin = Math.min(60_000, lifetimeMs / 5);
    this.token = { value: body.access_token, refreshAt: this.now() + lifetimeMs - margin };
    this.logger.debug('airbyte token obtained', { expiresInSeconds: body.expires_in });
    return this.token.value;
  }

  private async request(spec: RequestSpec): Promise<RawResponse> {
    let refreshedAfter401 = false;
    let attempt = 0;
    for (;;) {
      attempt += 1;
      try {
        const response = await this.send(spec);
        if (response.status === 401 && spec.authenticated && !refreshedAfter401) {
          refreshedAfter401 = true;
          this.token = undefined;
          attempt -= 1;
          this.logger.info('airbyte token rejected; refreshing once', { operation: spec.operation });
          continue;
        }
        if (response.status >= 200 && response.status < 300) return response;
        if (response.status >= 500 || response.status === 429) {
          throw new TransientError(`HTTP ${response.status}: ${problemMessage(response.body, response.text)}`);
        }
        const problemType = typeof (response.body as Record<string, unknown>)?.type === 'string' ? String((response.body as Record<string, unknown>).type) : undefined;
        const message = isTryAgainLater(response.body) ? `try-again-later: ${problemMessage(response.body, response.text)}` : problemMessage(response.body, response.text);
        throw new AirbyteRequestError(response.status, spec.operation, message, problemType);
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        if (attempt >= this.options.retry.maxAttempts) {
          throw new AirbyteUnavailableError(spec.operation, attempt, error.message);
        }
        const delay = backoffDelay(this.options.retry, attempt);
        this.logger.warn('airbyte request failed; retrying', { operation: spec.operation, attempt, retryInMs: delay, problem: error.message });
        await sleep(delay);
      }
    }
  }

  private async send(spec: RequestSpec): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (spec.authenticated) headers.authorization = `Bearer ${await this.accessToken()}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(spec.url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof AirbyteRequestError || error instanceof AirbyteUnavailableError) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const name = (error as Error).name === 'TimeoutError' ? `timed out after ${this.options.requestTimeoutMs} ms` : cause?.code ?? cause?.message ?? (error as Error).message;
      throw new TransientError(`${spec.operation}: ${name}`);
    }
    let body: unknown = undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    return { status: response.status, body, text };
  }
}
