// The life of one Airbyte job for one connection, as separate steps a scheduler can call in any
// order: trigger (one job per change, never a blind POST /jobs retry), follow (poll until it ends,
// or find that the server lost it), adopt (a job recorded by an earlier process), cancel (only our
// own job, only while it is still the connection's current job) and record (the state store).
// Every step talks to Airbyte as the 2.2 server behaves; see ../shared/reference/facts.md.
import { AirbyteClient, AirbyteJob, AirbyteOutcomeUnknownError, AirbyteRequestError, AirbyteUnavailableError, isTerminalStatus } from './airbyte-client';
import { BackoffPolicy, backoffDelay, sleep } from '../core/backoff';
import { expectedJobRunMs, isSameJob, jobCreatedByRequest, jobPollDelay } from '../core/decision';
import { Logger } from '../ops/logger';
import { InFlightJob, JobResultFields, StateStore, SyncedChange } from '../state/state-store';

export interface JobControlOptions {
  /** A job we triggered that runs longer is cancelled; one we attached to is let go. */
  readonly jobTimeoutMs: number;
  readonly jobPollMinMs: number;
  readonly jobPollMaxMs: number;
  /** Attempts (and pauses) for a POST /jobs whose outcome was unknown and made no job. */
  readonly createRetry: BackoffPolicy & { readonly maxAttempts: number };
  /** How many of the connection's newest jobs one GET /jobs asks for. @default 10 */
  readonly jobListLimit?: number;
}

export interface JobControlDependencies {
  readonly airbyte: AirbyteClient;
  readonly store: StateStore;
  readonly options: JobControlOptions;
  /** Aborting stops waiting (the job stays recorded in flight and is adopted next time). */
  readonly signal?: AbortSignal;
  /** Called while waiting on jobs, so liveness is visible during long syncs. */
  readonly onProgress?: () => void;
}

/** Thrown when shutdown interrupts a wait; the job stays in flight. */
export class Interrupted extends Error {}

/** POST /jobs answered 409 state-conflict: the connection is disabled in Airbyte. */
export class ConnectionInactiveError extends Error {
  constructor(
    readonly connectionId: string,
    readonly serverMessage: string,
  ) {
    super(`connection ${connectionId} is inactive in Airbyte (POST /jobs: ${serverMessage}); enable it in Airbyte (after reviewing any schema change) and the next cycle syncs`);
    this.name = 'ConnectionInactiveError';
  }
}

export type TriggerOutcome =
  /** A job we made: by this request's answer, or found after an answer was lost. */
  | { readonly kind: 'triggered'; readonly jobId: number; readonly foundAfterLostAnswer: boolean; readonly confirmedAt: number }
  /** Someone else's job was running: we follow it (it records no watermarks). */
  | { readonly kind: 'attached'; readonly jobId: number }
  /** 409 "already running", but by the time we looked, nothing was running. */
  | { readonly kind: 'ended-meanwhile'; readonly message: string };

export type FollowOutcome =
  | { readonly kind: 'ended'; readonly job: AirbyteJob }
  /** The server does not know the job any more (reinstalled), or the id now names another job. */
  | { readonly kind: 'lost'; readonly reason: string }
  /** Past the job timeout: ours was cancelled (status as the server answered), someone else's let go. */
  | { readonly kind: 'timed-out'; readonly job: AirbyteJob; readonly cancelled: boolean; readonly note: string };

function isStateConflict(error: unknown): error is AirbyteRequestError {
  return error instanceof AirbyteRequestError && error.status === 409 && !(error.problemType?.endsWith('#try-again-later') ?? false) && !error.serverMessage.startsWith('try-again-later');
}

/** How many recent jobs per connection estimate when the next one ends (decision.ts expectedJobRunMs). */
const RUN_HISTORY = 5;

export class JobControl {
  /** Per connection: for its recent jobs, the last elapsed time (ms) at which each was still running. */
  private readonly runHistory = new Map<string, number[]>();

  constructor(private readonly deps: JobControlDependencies) {}

  private get listLimit(): number {
    return this.deps.options.jobListLimit ?? 10;
  }

  /**
   * One job for one change. POST /jobs is sent again only when its outcome was unknown (timeout,
   * reset, 5xx) AND the connection's newest jobs show none created since the first request began.
   */
  async trigger(connectionId: string, log: Logger): Promise<TriggerOutcome> {
    const { airbyte } = this.deps;
    const retry = this.deps.options.createRetry;
    const startedAt = Date.now();
    // Recorded before this request, so never the job it makes (see jobCreatedByRequest).
    const knownJobId = (await this.deps.store.lastJob(connectionId))?.jobId;
    let answerLost = false;
    for (let attempt = 1; ; attempt += 1) {
      let created;
      try {
        created = await airbyte.createSyncJob(connectionId);
      } catch (error) {
        if (isStateConflict(error)) throw new ConnectionInactiveError(connectionId, error.serverMessage);
        if (!(error instanceof AirbyteOutcomeUnknownError)) throw error;
        answerLost = true;
        const ours = jobCreatedByRequest(await airbyte.listJobs({ connectionId, limit: this.listLimit }), connectionId, startedAt, knownJobId);
        if (ours) {
          log.warn('POST /jobs gave no answer, but the job it created exists; following it', { jobId: ours.jobId, problem: error.problem });
          return { kind: 'triggered', jobId: Number(ours.jobId), foundAfterLostAnswer: true, confirmedAt: Date.now() };
        }
        if (attempt >= retry.maxAttempts) throw new AirbyteUnavailableError('POST /jobs', attempt, error.problem);
        const delay = backoffDelay(retry, attempt);
        log.warn('POST /jobs gave no answer and made no job; trying again', { attempt, retryInMs: delay, problem: error.problem });
        await sleep(delay, this.deps.signal);
        if (this.deps.signal?.aborted) throw new Interrupted();
        continue;
      }
      if (created.kind === 'created') return { kind: 'triggered', jobId: Number(created.job.jobId), foundAfterLostAnswer: false, confirmedAt: Date.now() };
      const running = await airbyte.findRunningJob(connectionId, this.listLimit);
      if (!running) return { kind: 'ended-meanwhile', message: created.message };
      // A retry after a lost answer that meets "already running": the job running is the one our
      // first request made if it was created after that request began.
      if (answerLost && jobCreatedByRequest([running], connectionId, startedAt, knownJobId)) {
        log.warn('POST /jobs gave no answer the first time; the job it created is running; following it', { jobId: running.jobId });
        return { kind: 'triggered', jobId: Number(running.jobId), foundAfterLostAnswer: true, confirmedAt: Date.now() };
      }
      return { kind: 'attached', jobId: Number(running.jobId) };
    }
  }

  /** A job recorded in flight by an earlier process (or cycle): follow it like any other. */
  async adopt(connectionId: string, inFlight: InFlightJob, log: Logger): Promise<FollowOutcome> {
    log.info('adopting job left in flight', { jobId: inFlight.jobId, origin: inFlight.origin });
    return this.follow(connectionId, inFlight, log);
  }

  /**
   * Polls until the job ends, is lost, or outlives the job timeout: growing intervals, except near
   * the end expected from the connection's recent jobs, where it looks every JOB_POLL_MIN_SECONDS
   * (decision.ts jobPollDelay), so a busy connection's next sync is not held back by a late look.
   */
  async follow(connectionId: string, inFlight: InFlightJob, log: Logger): Promise<FollowOutcome> {
    const { jobTimeoutMs, jobPollMinMs, jobPollMaxMs } = this.deps.options;
    const deadline = inFlight.since.getTime() + jobTimeoutMs;
    const expectedRunMs = expectedJobRunMs(this.runHistory.get(connectionId) ?? []);
    let delay: number | undefined;
    let lastStatus = '';
    let stillRunningAt: number | undefined;
    for (;;) {
      if (this.deps.signal?.aborted) throw new Interrupted();
      this.deps.onProgress?.();
      const seen = await this.look(connectionId, inFlight);
      if (seen.kind === 'lost') return seen;
      const job = seen.job;
      if (job.status !== lastStatus) {
        log.debug('job status', { jobId: inFlight.jobId, status: job.status });
        lastStatus = job.status;
      }
      if (isTerminalStatus(job.status)) {
        if (stillRunningAt !== undefined) this.rememberRun(connectionId, stillRunningAt);
        return { kind: 'ended', job };
      }
      const elapsedMs = Date.now() - inFlight.since.getTime();
      stillRunningAt = elapsedMs;
      if (Date.now() >= deadline) return this.timeOut(connectionId, inFlight, job, log);
      delay = jobPollDelay({ elapsedMs, previousDelayMs: delay, minMs: jobPollMinMs, maxMs: jobPollMaxMs, expectedRunMs });
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), this.deps.signal);
    }
  }

  private rememberRun(connectionId: string, stillRunningAtMs: number): void {
    const history = [...(this.runHistory.get(connectionId) ?? []), stillRunningAtMs].slice(-RUN_HISTORY);
    this.runHistory.set(connectionId, history);
  }

  /**
   * GET /jobs/{id}, telling "gone" from "not running": a 2.2 server answers an unknown id with
   * 409 state-conflict (ConfigClientErrorHandler maps "Could not find job with id" to it), so the
   * connection's job list decides. A job of another connection, or created after we recorded
   * ours, is a different job under a reused id.
   */
  private async look(connectionId: string, inFlight: InFlightJob): Promise<{ kind: 'seen'; job: AirbyteJob } | { kind: 'lost'; reason: string }> {
    let job: AirbyteJob;
    try {
      job = await this.deps.airbyte.getJob(inFlight.jobId);
    } catch (error) {
      if (error instanceof AirbyteRequestError && error.status === 404) return { kind: 'lost', reason: `Airbyte answered 404 for job ${inFlight.jobId}` };
      if (!isStateConflict(error)) throw error;
      const listed = (await this.deps.airbyte.listJobs({ connectionId, limit: this.listLimit })).find((candidate) => Number(candidate.jobId) === inFlight.jobId);
      if (!listed) return { kind: 'lost', reason: `Airbyte does not know job ${inFlight.jobId} (${error.serverMessage}) and it is not among the connection's jobs; Airbyte was probably reinstalled` };
      job = listed;
    }
    if (!isSameJob(job, { connectionId, since: inFlight.since })) {
      const why = job.connectionId !== connectionId ? `belongs to connection ${job.connectionId}` : `was created at ${job.startTime}, after it was recorded`;
      return { kind: 'lost', reason: `job id ${inFlight.jobId} now names another job (it ${why}); Airbyte's job ids restarted` };
    }
    return { kind: 'seen', job };
  }

  private async timeOut(connectionId: string, inFlight: InFlightJob, job: AirbyteJob, log: Logger): Promise<FollowOutcome> {
    const timeoutSeconds = this.deps.options.jobTimeoutMs / 1000;
    if (inFlight.origin !== 'triggered') {
      log.warn('job we attached to outlived JOB_TIMEOUT_SECONDS; it is not ours to cancel, no longer following it', { jobId: inFlight.jobId, timeoutSeconds });
      return { kind: 'timed-out', job, cancelled: false, note: `still ${job.status} after JOB_TIMEOUT_SECONDS; not ours, left running` };
    }
    log.error('job exceeded JOB_TIMEOUT_SECONDS; cancelling it', { jobId: inFlight.jobId, timeoutSeconds });
    const result = await this.cancel(connectionId, inFlight, log);
    return { kind: 'timed-out', job: result.job, cancelled: result.cancelled, note: result.note };
  }

  /**
   * Cancels a job this orchestrator triggered, only while it is still the connection's current job
   * (DELETE /jobs/{id} stops whatever job the connection runs). The outcome is the status the
   * server answers, followed until it is final.
   */
  async cancel(connectionId: string, inFlight: InFlightJob, log: Logger): Promise<{ job: AirbyteJob; cancelled: boolean; note: string }> {
    const { airbyte } = this.deps;
    if (inFlight.origin !== 'triggered') throw new Error(`job ${inFlight.jobId} was not triggered by this orchestrator; refusing to cancel it`);
    const current = await airbyte.findRunningJob(connectionId, this.listLimit);
    if (!current || Number(current.jobId) !== inFlight.jobId) {
      const job = await airbyte.getJob(inFlight.jobId);
      log.warn('job is no longer the connection\'s current job; not cancelling', { jobId: inFlight.jobId, currentJobId: current?.jobId ?? null, status: job.status });
      return { job, cancelled: false, note: `not cancelled: no longer the connection's current job (${current ? `job ${current.jobId} is` : 'nothing is'} running)` };
    }
    let job = await airbyte.cancelJob(inFlight.jobId);
    // Cancellation is a signal to the connection's workflow: the stored status can lag behind it.
    const graceUntil = Date.now() + Math.max(5 * this.deps.options.jobPollMaxMs, 1000);
    while (!isTerminalStatus(job.status) && Date.now() < graceUntil) {
      await sleep(this.deps.options.jobPollMinMs, this.deps.signal);
      job = await airbyte.getJob(inFlight.jobId);
    }
    log.info('cancel answered', { jobId: inFlight.jobId, status: job.status });
    return { job, cancelled: true, note: `cancelled after JOB_TIMEOUT_SECONDS; Airbyte reports ${job.status}` };
  }

  /** Ends the job in the state store: only success advances watermarks. Returns the changes it carried (freshness). */
  async record(connectionId: string, jobId: number, fields: JobResultFields): Promise<SyncedChange[]> {
    return this.deps.store.finishJob(connectionId, jobId, fields);
  }
}
