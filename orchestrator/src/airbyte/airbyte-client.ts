// Thin client for the Airbyte public API (/api/public/v1) plus the config API calls we need
// (/api/v1/sources/discover_schema, /api/v1/connections/postprocess_discovered_catalog). Handles
// tokens, retries of idempotent requests, and the server's error shapes (problem+json and
// Micronaut's `_embedded.errors`). POST /jobs and discover are never retried blindly here.
import { BackoffPolicy, backoffDelay, sleep } from '../core/backoff';
import { Logger, silentLogger } from '../ops/logger';

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
  /** ignore | disable_connection | propagate_columns | propagate_fully */
  readonly nonBreakingSchemaUpdatesBehavior?: string;
}

/** A CatalogDiff (config API): what differs between the connection's catalog and the source's. */
export interface CatalogDiff {
  readonly transforms: readonly unknown[];
}

export interface DiscoverResult {
  readonly succeeded: boolean;
  readonly catalogId?: string;
  readonly breakingChange: boolean;
  /** The connection's status after the server's diff (it may have disabled it). */
  readonly connectionStatus?: string;
  readonly catalogDiff?: CatalogDiff;
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

/**
 * A request that changes something (POST /jobs) got no usable answer (timeout, reset, 5xx): it may
 * or may not have taken effect, so it is not repeated here; the caller looks at the server's state.
 */
export class AirbyteOutcomeUnknownError extends Error {
  constructor(
    readonly operation: string,
    readonly problem: string,
  ) {
    super(`Airbyte ${operation}: no usable answer (${problem}); it may have taken effect`);
    this.name = 'AirbyteOutcomeUnknownError';
  }
}

/** discover_schema took longer than DISCOVER_TIMEOUT_SECONDS (or the connection dropped): slow, not unreachable. */
export class AirbyteDiscoverTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly problem: string,
  ) {
    super(`schema discover did not finish within ${Math.round(timeoutMs / 1000)} s (${problem}); not retried, tried again next cycle`);
    this.name = 'AirbyteDiscoverTimeoutError';
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
  /** discover_schema runs a connector synchronously: its own, longer timeout. @default 540000 */
  readonly discoverTimeoutMs?: number;
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
  /** Retry transient failures (5xx, timeouts, resets). Only for requests that are safe to repeat. @default true */
  readonly retry?: boolean;
  readonly timeoutMs?: number;
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
    // Micronaut's own error body keeps the reason in _embedded.errors[].message (e.g. a bad client secret).
    const embedded = (record._embedded as { errors?: Array<{ message?: unknown }> } | undefined)?.errors ?? [];
    const reasons = embedded.map((error) => error?.message).filter((part): part is string => typeof part === 'string' && part.length > 0);
    const parts = [record.title, record.detail, data?.message, ...reasons, reasons.length > 0 ? undefined : record.message].filter(
      (part): part is string => typeof part === 'string' && part.length > 0,
    );
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
      ...(typeof body?.nonBreakingSchemaUpdatesBehavior === 'string' ? { nonBreakingSchemaUpdatesBehavior: body.nonBreakingSchemaUpdatesBehavior } : {}),
    };
  }

  /**
   * One POST /jobs, never repeated here: the job may exist even when no answer arrives (a 2.2
   * server answers once the job exists, older ones once the sync runs). A timeout, reset or 5xx is
   * AirbyteOutcomeUnknownError; a 409 "try-again-later" means a job is already running.
   */
  async createSyncJob(connectionId: string): Promise<CreateJobResult> {
    const operation = 'POST /jobs';
    try {
      const response = await this.request({ operation, method: 'POST', url: `${this.options.apiUrl}/jobs`, body: { connectionId, jobType: 'sync' }, authenticated: true, retry: false });
      return { kind: 'created', job: response.body as AirbyteJob };
    } catch (error) {
      if (error instanceof AirbyteRequestError && error.status === 409 && (error.problemType?.endsWith('#try-again-later') || error.serverMessage.startsWith('try-again-later'))) {
        return { kind: 'already-running', message: error.serverMessage };
      }
      // (A token request that failed never sent the POST: that stays "unavailable".)
      if (error instanceof AirbyteUnavailableError && error.operation === operation) throw new AirbyteOutcomeUnknownError(operation, error.lastProblem);
      throw error;
    }
  }

  async getJob(jobId: number): Promise<AirbyteJob> {
    const response = await this.request({ operation: `GET /jobs/${jobId}`, method: 'GET', url: `${this.options.apiUrl}/jobs/${jobId}`, authenticated: true });
    return response.body as AirbyteJob;
  }

  /** A connection's jobs, newest first (the server's default order is oldest first). */
  async listJobs(query: { connectionId: string; status?: string; jobType?: string; limit?: number }): Promise<AirbyteJob[]> {
    const params = new URLSearchParams({ connectionId: query.connectionId, limit: String(query.limit ?? 10), orderBy: 'createdAt|DESC' });
    if (query.status) params.set('status', query.status);
    if (query.jobType) params.set('jobType', query.jobType);
    const response = await this.request({ operation: 'GET /jobs', method: 'GET', url: `${this.options.apiUrl}/jobs?${params.toString()}`, authenticated: true });
    const data = (response.body as { data?: AirbyteJob[] })?.data;
    return Array.isArray(data) ? data : [];
  }

  /** The connection's current job: its newest job, when that one has not ended. One request. */
  async findRunningJob(connectionId: string, limit = 5): Promise<AirbyteJob | undefined> {
    const newest = (await this.listJobs({ connectionId, limit }))[0];
    return newest && !isTerminalStatus(newest.status) ? newest : undefined;
  }

  /**
   * DELETE /jobs/{id} stops the connection's *current* job, whichever it is, and answers job {id}
   * as stored (200 even when it had ended): callers check first that {id} is still current.
   */
  async cancelJob(jobId: number): Promise<AirbyteJob> {
    const response = await this.request({ operation: `DELETE /jobs/${jobId}`, method: 'DELETE', url: `${this.options.apiUrl}/jobs/${jobId}`, authenticated: true });
    return response.body as AirbyteJob;
  }

  /**
   * Schema refresh through the config API, bypassing the discover cache. It runs a connector pod
   * synchronously, so it has its own timeout and is never repeated after a timeout or reset: the
   * server may still be discovering, and the next cycle asks again.
   */
  async discoverSchema(sourceId: string, connectionId: string): Promise<DiscoverResult> {
    const timeoutMs = this.options.discoverTimeoutMs ?? 540_000;
    let response: RawResponse;
    try {
      response = await this.request({
        operation: 'POST /v1/sources/discover_schema',
        method: 'POST',
        url: `${this.options.configApiUrl}/sources/discover_schema`,
        body: { sourceId, connectionId, disable_cache: true },
        authenticated: true,
        retry: false,
        timeoutMs,
      });
    } catch (error) {
      if (!(error instanceof AirbyteUnavailableError) || error.operation !== 'POST /v1/sources/discover_schema') throw error;
      // A timeout, a reset, or the ingress giving up (502/504): slow, not unreachable.
      if (!/^HTTP 5/.test(error.lastProblem) || /^HTTP 50[24]/.test(error.lastProblem)) throw new AirbyteDiscoverTimeoutError(timeoutMs, error.lastProblem);
      throw new Error(`schema discover failed on the server: ${error.lastProblem}`);
    }
    const body = (response.body ?? {}) as { jobInfo?: { succeeded?: boolean }; catalogId?: string; breakingChange?: boolean; connectionStatus?: string; catalogDiff?: CatalogDiff };
    return {
      succeeded: body.jobInfo?.succeeded !== false && typeof body.catalogId === 'string',
      ...(body.catalogId ? { catalogId: body.catalogId } : {}),
      breakingChange: body.breakingChange === true,
      ...(body.connectionStatus ? { connectionStatus: body.connectionStatus } : {}),
      ...(body.catalogDiff ? { catalogDiff: body.catalogDiff } : {}),
    };
  }

  /**
   * Applies a discovered catalog to the connection as its nonBreakingSchemaUpdatesBehavior allows;
   * `appliedDiff` is what was propagated (absent when nothing could be applied).
   */
  async postprocessDiscoveredCatalog(connectionId: string, catalogId: string): Promise<{ appliedDiff?: CatalogDiff }> {
    const response = await this.request({
      operation: 'POST /v1/connections/postprocess_discovered_catalog',
      method: 'POST',
      url: `${this.options.configApiUrl}/connections/postprocess_discovered_catalog`,
      body: { connectionId, catalogId },
      authenticated: true,
    });
    const body = (response.body ?? {}) as { appliedDiff?: CatalogDiff };
    return body.appliedDiff && Array.isArray(body.appliedDiff.transforms) ? { appliedDiff: body.appliedDiff } : {};
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
        if (spec.retry === false || attempt >= this.options.retry.maxAttempts) {
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
        signal: AbortSignal.timeout(spec.timeoutMs ?? this.options.requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof AirbyteRequestError || error instanceof AirbyteUnavailableError) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const name = (error as Error).name === 'TimeoutError' ? `timed out after ${spec.timeoutMs ?? this.options.requestTimeoutMs} ms` : cause?.code ?? cause?.message ?? (error as Error).message;
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
