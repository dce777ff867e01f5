// The freshness benchmark (npm run bench:freshness; its CI-sized form is a jest test): the real
// orchestrator (`main(['run'])`: decision, scheduling, Airbyte client) and cron schedules, side by
// side against the Airbyte double and one real PostgreSQL, in compressed time.
//
// Method
// - Time scale: `msPerSimMinute` real milliseconds stand for one simulated minute. Every duration
//   is scaled by the same factor: the change generator's commit times, the double's job durations,
//   the orchestrator's POLL_INTERVAL_SECONDS / JOB_POLL_* / MIN_SYNC_INTERVAL_SECONDS and the cron
//   periods. Results are converted back to simulated seconds.
// - Job model (../shared/reference/facts.md, "Airbyte API behaviour"): a sync spends a fixed
//   start-up overhead (~30 s from job creation to replication start on a warm host), then reads the
//   slot from its saved LSN to the LSN current at replication start, paying a per-row cost, and
//   ends a few seconds after reaching that LSN (heartbeat_action_query set). A commit is carried by
//   the first sync of its connection whose replication starts after the commit; its staleness is
//   the end of that sync minus the commit time.
// - Strategies run concurrently in one window over the same commits (a paired comparison): each
//   has its own Airbyte connections (one per watched table) in the double; orchestrator variants
//   (one per cost cap) each run in-process with their own state schema; cron variants fire
//   POST /jobs at every multiple of their period (plus a phase offset, `cronPhases`, each phase on
//   its own connections) through the orchestrator's Airbyte client, and a fire that meets a
//   running sync (409) is skipped, as Airbyte's scheduler does.
import { Client } from 'pg';
import { AirbyteClient } from '../src/airbyte/airbyte-client';
import { main } from '../src/app';
import { sleep } from '../src/core/backoff';
import { AirbyteDouble, JobRecord } from './airbyte-double';

export type StreamKind = 'steady' | 'bursty' | 'sparse' | 'rare';

/** Simulated seconds. Start-up overhead from facts.md (airbytehq/airbyte#17776: 30–36 s). */
export const JOB_MODEL = { startupSeconds: 30, endWaitSeconds: 5, perRowSeconds: 0.02 } as const;

export interface Commit {
  readonly table: number;
  /** Planned commit time, simulated seconds from the window start. */
  readonly atSim: number;
  readonly rows: number;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run plans the same commits. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The streams, per table: steady = 1 row every 20 s; bursty = bursts of 30 commits × 5 rows over
 * 2 min, ~every 45 min; sparse = 1 row, ~every 20 min; rare = 1 row, ~every 2 h. `sparse` is
 * rarer than the 1, 5 and 15 min schedules but 4× more frequent than the hourly one, so against
 * hourly cron it is not the issue's "sparse" (cron's hourly syncs are rarely empty); `rare` is
 * sparse against every schedule measured, hourly included (added, `sparse` kept unchanged).
 */
export const STREAMS: Record<StreamKind, string> = {
  steady: 'a 1-row commit every 20 s per table',
  bursty: 'bursts of 30 commits × 5 rows over 2 min, Poisson, mean gap 45 min per table',
  sparse: 'single 1-row commits, Poisson, mean gap 20 min per table',
  rare: 'single 1-row commits, Poisson, mean gap 2 h per table',
};

/** Change events per table per hour (bursts for `bursty`), for the "is 2× possible at all" note. */
export const STREAM_EVENTS_PER_HOUR: Record<StreamKind, number> = { steady: 180, bursty: 3600 / (2700 + 120), sparse: 3, rare: 0.5 };

/**
 * The commits of `tables` tables, each over its own window of `durationSeconds` that starts at
 * `windowStarts[table]` (simulated seconds from the first window's start; 0 when not given).
 */
export function planCommits(kind: StreamKind, tables: number, durationSeconds: number, seed: number, windowStarts: readonly number[] = []): Commit[] {
  const rng = random(seed);
  const exponential = (mean: number) => -Math.log(1 - rng()) * mean;
  const commits: Commit[] = [];
  for (let table = 0; table < tables; table += 1) {
    const start = windowStarts[table] ?? 0;
    const push = (at: number, rows: number) => commits.push({ table, atSim: start + at, rows });
    if (kind === 'steady') {
      for (let at = rng() * 20; at < durationSeconds; at += 20) push(at, 1);
    } else if (kind === 'bursty') {
      for (let at = exponential(2700); at < durationSeconds; at += 120 + exponential(2700)) {
        for (let i = 0; i < 30 && at + i * 4 < durationSeconds; i += 1) push(at + i * 4, 5);
      }
    } else {
      const meanGap = kind === 'rare' ? 7200 : 1200;
      for (let at = exponential(meanGap); at < durationSeconds; at += exponential(meanGap)) push(at, 1);
    }
  }
  return commits.sort((a, b) => a.atSim - b.atSim);
}

/**
 * Stratified fractions of one span: the first 0, the j-th in [j/n, (j+1)/n). Cron's phases and the
 * tables' staggered windows both use it, so that n offsets cover the span evenly without
 * landing in lockstep with a period that divides it.
 */
function stratified(n: number, seed: number): number[] {
  const rng = random(seed);
  return Array.from({ length: n }, (_, j) => (j === 0 ? 0 : (j + rng()) / n));
}

export interface ScenarioOptions {
  /** A database of its own: the source (tables `freshness.t<i>`), and the orchestrators' state unless `stateDatabaseUrl`. */
  readonly databaseUrl: string;
  /**
   * The orchestrators' state on another server. On the source's server, the orchestrator's own
   * writes move the WAL position it watches, and a commit racing them is found through the
   * statistics counters instead: 0.5–10 s later in real time, which compressed time would
   * multiply into minutes (see the README's "Change-signal latency").
   */
  readonly stateDatabaseUrl?: string;
  readonly stream: StreamKind;
  /** Watched tables = connections per strategy. */
  readonly connections: number;
  /** Simulated seconds during which changes are committed to each table (and cost is counted). */
  readonly generateSeconds: number;
  /**
   * Table j's window of changes starts about j/connections of this later than table 0's
   * (stratified, simulated seconds); each connection's cost and staleness are counted over its
   * own table's window. Why: an orchestrator's syncs under a cap are periodic from its initial
   * sync, which comes just before the window for every table, so with aligned windows every table
   * meets them at the same phase, and the run cannot tell the orchestrator's luck with the
   * window's edges from its policy (cron has its phases for that). Staggered over the longest cap,
   * each table meets them at another phase, and the spread of the per-table means measures that
   * luck (tableMeanStalenessSeconds). Matters for periodic streams only. @default 0
   */
  readonly tableStaggerSeconds?: number;
  /** Simulated seconds after that, so the last changes are carried too. */
  readonly drainSeconds: number;
  readonly msPerSimMinute: number;
  /** Orchestrator variants: MIN_SYNC_INTERVAL_SECONDS (simulated); 0 = uncapped. */
  readonly caps: readonly number[];
  /** Cron variants: period, simulated seconds. */
  readonly cronPeriods: readonly number[];
  /**
   * Each cron schedule runs at this many phases (fire times n·period + φ, φ stratified over the
   * period, the first 0), each on its own connections, and its numbers pool them: the phase of a
   * real cron schedule relative to the application's commits is arbitrary, and with a single phase
   * a periodic stream whose period divides cron's (steady: 20 s) gets the same lucky or unlucky
   * wait every time. @default 1
   */
  readonly cronPhases?: number;
  /** The orchestrator's POLL_INTERVAL_SECONDS (simulated). @default 30 */
  readonly pollSeconds?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
  /** Real ms to wait past the window for syncs still carrying the last commits. @default 20000 */
  readonly extraDrainMs?: number;
}

export interface StrategyResult {
  readonly strategy: string;
  readonly kind: 'orchestrator' | 'cron';
  /** Cost cap or cron period, simulated seconds. */
  readonly parameterSeconds: number;
  readonly commits: number;
  readonly carried: number;
  /** Commits no sync carried by the end of the window (should be 0). */
  readonly uncarried: number;
  readonly meanStalenessSeconds: number;
  readonly p95StalenessSeconds: number;
  readonly maxStalenessSeconds: number;
  /** Jobs per connection per simulated hour over the window of changes, counted by jobsPaidFor. */
  readonly jobsPerHour: number;
  /** Jobs started during the window of changes (all connections). */
  readonly jobs: number;
  readonly meanJobSeconds: number;
  /** Cron fires that met a running sync (409) and were skipped. */
  readonly skippedFires: number;
  /** Per commit: simulated commit time and staleness (seconds), for the chart. */
  readonly samples: ReadonlyArray<{ readonly atSim: number; readonly staleness: number }>;
  /** Starts of this strategy's jobs per connection (simulated seconds from the window start). */
  readonly jobStarts: ReadonlyArray<readonly number[]>;
  /** Per connection, the start of its last job before the window (the orchestrator's initial sync; simulated seconds, negative); undefined when none. */
  readonly jobBeforeWindow?: ReadonlyArray<number | null>;
  /** Connections per watched table (cron: one per phase; orchestrator: 1). */
  readonly phases: number;
  /** Cron: mean staleness of each phase alone (the first is phase 0, the single-phase method). */
  readonly phaseMeanStalenessSeconds: readonly number[];
  /** Mean staleness of each table's commits (all phases pooled): with staggered windows, the orchestrator's phase spread. */
  readonly tableMeanStalenessSeconds: readonly number[];
  /** Jobs in the window that carried no commit (cron pays for them; the orchestrator's are follow-ups that found nothing new). */
  readonly emptyJobs: number;
  /**
   * Median time from a job's end to the next job of the same connection (simulated seconds). For
   * the uncapped orchestrator under a steady stream (always a change waiting) this is its
   * turnaround: seeing the end, recording it, observing, POST /jobs — real milliseconds that the
   * compression multiplies.
   */
  readonly medianGapAfterJobSeconds: number;
}

export interface ScenarioResult {
  readonly stream: StreamKind;
  readonly connections: number;
  readonly generateSeconds: number;
  /** Where each table's window starts (ScenarioOptions.tableStaggerSeconds), simulated seconds. */
  readonly tableWindowStarts: readonly number[];
  readonly msPerSimMinute: number;
  readonly commits: number;
  readonly strategies: readonly StrategyResult[];
}

interface Strategy {
  readonly name: string;
  readonly kind: 'orchestrator' | 'cron';
  readonly parameterSeconds: number;
  /** Table-major per phase: connectionIds[phase * tables + table]. */
  readonly connectionIds: readonly string[];
  readonly phases: number;
}

function connectionId(strategy: number, table: number): string {
  return `00000000-0000-4000-8000-${(strategy * 256 + table).toString(16).padStart(12, '0')}`;
}

export function strategyName(kind: 'orchestrator' | 'cron', seconds: number): string {
  const human = seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
  if (kind === 'cron') return `cron every ${human}`;
  return seconds === 0 ? 'orchestrator' : `orchestrator, cap ${human}`;
}

/** Seconds for the result tables: seconds under 2 min, then minutes, then hours; '–' when not measured. */
export function formatSeconds(seconds: number): string {
  if (Number.isNaN(seconds)) return '–';
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(2)} h`;
  return seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined);
  const k = options.connections;
  const realMs = (simSeconds: number) => (simSeconds / 60) * options.msPerSimMinute;
  const simSeconds = (ms: number) => (ms / options.msPerSimMinute) * 60;
  const pollSeconds = options.pollSeconds ?? 30;
  const seed = options.seed ?? 14;
  const windowStarts = stratified(k, seed + 2).map((fraction) => fraction * (options.tableStaggerSeconds ?? 0));
  const lastWindowStart = Math.max(...windowStarts);
  const plan = planCommits(options.stream, k, options.generateSeconds, seed, windowStarts);

  const cronPhases = Math.max(1, options.cronPhases ?? 1);
  const strategies: Strategy[] = [
    ...options.caps.map((cap) => ({ kind: 'orchestrator' as const, parameterSeconds: cap, phases: 1 })),
    ...options.cronPeriods.map((period) => ({ kind: 'cron' as const, parameterSeconds: period, phases: cronPhases })),
  ].map((s, index) => ({ ...s, name: strategyName(s.kind, s.parameterSeconds), connectionIds: Array.from({ length: k * s.phases }, (_, n) => connectionId(index + 1, n)) }));
  const tableOf = new Map<string, number>();
  for (const strategy of strategies) strategy.connectionIds.forEach((id, n) => tableOf.set(id, n % k));
  // Cron phases (fractions of the period), the same for every schedule; phase 0 first.
  const phaseFractions = stratified(cronPhases, seed + 1);

  const admin = new Client({ connectionString: options.databaseUrl });
  await admin.connect();
  await admin.query('CREATE SCHEMA IF NOT EXISTS freshness');
  for (let table = 0; table < k; table += 1) {
    await admin.query(`CREATE TABLE freshness.t${table} (id bigserial PRIMARY KEY, payload text, updated_at timestamptz NOT NULL DEFAULT now())`);
    await admin.query(`CREATE INDEX ON freshness.t${table} (updated_at)`);
  }

  // Window start; until it is set, jobs (the orchestrators' initial syncs) carry nothing.
  let t0 = Infinity;
  // Each table's window in real ms: [t0 + windowStartMs[table], that + generateMs).
  const windowStartMs = windowStarts.map((start) => realMs(start));
  const generateMs = realMs(options.generateSeconds);
  const inTableWindow = (table: number, at: number) => at >= t0 + windowStartMs[table] && at < t0 + windowStartMs[table] + generateMs;
  const lastReplicationStart = new Map<string, number>();
  const startupMs = realMs(JOB_MODEL.startupSeconds);
  const double = await AirbyteDouble.start({
    connections: strategies.flatMap((s) => s.connectionIds.map((id) => ({ connectionId: id, streams: [{ name: `t${tableOf.get(id)}`, namespace: 'freshness' }] }))),
    jobModel: ({ connectionId: id, createdAt }) => {
      const table = tableOf.get(id) as number;
      const replicationStart = createdAt + startupMs;
      const previous = lastReplicationStart.get(id) ?? -Infinity;
      lastReplicationStart.set(id, replicationStart);
      let rows = 0;
      for (const commit of plan) {
        const at = t0 + realMs(commit.atSim);
        if (commit.table === table && at > previous && at <= replicationStart) rows += commit.rows;
      }
      const seconds = JOB_MODEL.startupSeconds + rows * JOB_MODEL.perRowSeconds + JOB_MODEL.endWaitSeconds;
      return { durationMs: realMs(seconds), rowsSynced: rows, bytesSynced: rows * 200, outcome: 'succeeded' };
    },
  });

  const controller = new AbortController();
  const orchestrators = strategies
    .filter((s) => s.kind === 'orchestrator')
    .map((strategy) => {
      const document = JSON.stringify({
        version: 1,
        connections: strategy.connectionIds.map((id, table) => ({ connectionId: id, name: `t${table}`, tables: [{ schema: 'freshness', table: `t${table}` }] })),
      });
      const seconds = (sim: number) => String(realMs(sim) / 1000);
      const env = {
        SOURCE_DATABASE_URL: options.databaseUrl,
        ...(options.stateDatabaseUrl ? { STATE_DATABASE_URL: options.stateDatabaseUrl } : {}),
        STATE_SCHEMA: `orchestrator_${strategy.parameterSeconds}`,
        AIRBYTE_API_URL: double.publicApiUrl,
        AIRBYTE_CLIENT_ID: double.clientId,
        AIRBYTE_CLIENT_SECRET: double.clientSecret,
        ORCHESTRATOR_CONFIG: '/freshness-bench.json',
        POLL_INTERVAL_SECONDS: seconds(pollSeconds),
        JOB_POLL_MIN_SECONDS: seconds(1),
        JOB_POLL_MAX_SECONDS: seconds(15),
        CURSOR_SWEEP_SECONDS: seconds(300),
        JOB_TIMEOUT_SECONDS: '3600',
        MIN_SYNC_INTERVAL_SECONDS: seconds(strategy.parameterSeconds),
        ORCHESTRATOR_HTTP_ADDR: 'off',
        LOG_LEVEL: 'error',
      };
      let stderr = '';
      // One signal per orchestrator (each sizes its listener limit for its own connections).
      const own = new AbortController();
      controller.signal.addEventListener('abort', () => own.abort(), { once: true });
      const done = main(['run'], { env, signal: own.signal, readFile: () => document, stdout: () => undefined, stderr: (text) => (stderr += text) });
      return { strategy, done, stderr: () => stderr };
    });

  const writer = new Client({ connectionString: options.databaseUrl });
  await writer.connect();
  const committedAt: number[] = [];
  const skipped = new Map<string, number>();
  try {
    // Start the window once every orchestrator connection has had its initial sync.
    const orchestratorIds = orchestrators.flatMap((o) => o.strategy.connectionIds);
    const deadline = Date.now() + 60_000;
    while (!orchestratorIds.every((id) => double.jobRecords(id).some((job) => job.status === 'succeeded'))) {
      if (Date.now() > deadline) throw new Error(`orchestrators did not finish their initial syncs: ${orchestrators.map((o) => o.stderr()).join('\n').slice(0, 2000)}`);
      await sleep(10);
    }
    await sleep(realMs(pollSeconds));
    t0 = Date.now();
    const end = t0 + realMs(lastWindowStart + options.generateSeconds + options.drainSeconds);
    log(`${options.stream}, ${k} connection(s): window of ${(options.generateSeconds / 3600).toFixed(1)} h per table${lastWindowStart > 0 ? ` (staggered over ${(lastWindowStart / 60).toFixed(0)} min)` : ''} (+ ${(options.drainSeconds / 60).toFixed(0)} min drain), ${plan.length} commits, ${strategies.length} strategies`);

    const crons = strategies
      .filter((s) => s.kind === 'cron')
      .map(async (strategy) => {
        const client = new AirbyteClient({
          apiUrl: double.publicApiUrl,
          configApiUrl: double.configApiUrl,
          clientId: double.clientId,
          clientSecret: double.clientSecret,
          requestTimeoutMs: 10_000,
          retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
        });
        await Promise.all(
          phaseFractions.map(async (fraction, phase) => {
            const ids = strategy.connectionIds.slice(phase * k, (phase + 1) * k);
            for (let n = 0; ; n += 1) {
              const fireAt = t0 + realMs((n + fraction) * strategy.parameterSeconds);
              if (fireAt >= end) return;
              await sleep(fireAt - Date.now());
              await Promise.all(
                ids.map(async (id, table) => {
                  const created = await client.createSyncJob(id);
                  if (created.kind === 'already-running' && inTableWindow(table, fireAt)) skipped.set(strategy.name, (skipped.get(strategy.name) ?? 0) + 1);
                }),
              );
            }
          }),
        );
      });

    for (const commit of plan) {
      await sleep(t0 + realMs(commit.atSim) - Date.now());
      await writer.query(`INSERT INTO freshness.t${commit.table} (payload) SELECT md5(g::text) FROM generate_series(1, ${commit.rows}) g`);
      committedAt.push(Date.now());
      // The change counters reach the shared view when the writer goes idle, but at most once per
      // PGSTAT_MIN_INTERVAL (1 s); a commit within it is published by the PGSTAT_IDLE_INTERVAL
      // timer, 10 s later (PostgreSQL 15 src/backend/utils/activity/pgstat.c). Real seconds that
      // compression turns into minutes (10 s = 12.5 simulated minutes at 800 ms/min): a burst's
      // last counters then moved long after the sync that carried it, and each capped sync was
      // followed by an empty one. Flushing after each commit keeps the counters as current as
      // they are at real speed (at most 10 s behind a 30 s poll interval).
      await writer.query('SELECT pg_stat_force_next_flush()');
    }
    await sleep(end - Date.now());
    await Promise.all(crons);
    // Under CPU load compressed time stretches: let the last syncs end (bounded in real time)
    // rather than count their commits as never carried.
    // A sync that carried a table's last commit carried every earlier one too.
    const lastCommit = new Map<number, number>();
    plan.forEach((commit, index) => lastCommit.set(commit.table, committedAt[index]));
    const allCarried = () =>
      strategies.every((strategy) =>
        strategy.connectionIds.every((id, n) => !lastCommit.has(n % k) || carrierOf(double.jobRecords(id), lastCommit.get(n % k) as number, startupMs) !== undefined),
      );
    const extraDeadline = Date.now() + (options.extraDrainMs ?? 20_000);
    while (!allCarried() && Date.now() < extraDeadline) await sleep(50);
  } finally {
    controller.abort();
    const codes = await Promise.all(orchestrators.map((o) => o.done));
    await writer.end();
    await admin.end();
    await double.close();
    codes.forEach((code, i) => {
      if (code !== 0) log(`${orchestrators[i].strategy.name} exited ${code}: ${orchestrators[i].stderr().slice(0, 1000)}`);
    });
  }

  const results = strategies.map((strategy): StrategyResult => {
    const jobsByConnection = strategy.connectionIds.map((id) => double.jobRecords(id).filter((job) => job.createdAt >= t0));
    // A commit's carrier can be a job created before the window whose replication starts after
    // the commit (an orchestrator's sync created up to 30 s before the window reads its first
    // commits, as the job model counts them). Left out, such commits were charged to the next
    // sync, a whole cap later: with a 1 h cap under the steady stream, +5–10 s on a 30 min mean.
    const allJobsByConnection = strategy.connectionIds.map((id) => double.jobRecords(id));
    const staleness: number[] = [];
    const samples: Array<{ atSim: number; staleness: number }> = [];
    const phaseSums = Array.from({ length: strategy.phases }, () => ({ sum: 0, n: 0 }));
    const tableSums = Array.from({ length: k }, () => ({ sum: 0, n: 0 }));
    const carrying = new Set<number>();
    let carried = 0;
    let uncarried = 0;
    plan.forEach((commit, index) => {
      const at = committedAt[index];
      let everyPhase = true;
      for (let phase = 0; phase < strategy.phases; phase += 1) {
        const carrier = carrierOf(allJobsByConnection[phase * k + commit.table], at, startupMs);
        if (!carrier) {
          everyPhase = false;
          continue;
        }
        carrying.add(carrier.jobId);
        const value = simSeconds((carrier.endedAt as number) - at);
        staleness.push(value);
        samples.push({ atSim: simSeconds(at - t0) - windowStarts[commit.table], staleness: value });
        for (const sums of [phaseSums[phase], tableSums[commit.table]]) {
          sums.sum += value;
          sums.n += 1;
        }
      }
      if (everyPhase) carried += 1;
      else uncarried += 1;
    });
    const inWindow = jobsByConnection.flatMap((jobs, n) => jobs.filter((job) => inTableWindow(n % k, job.createdAt)));
    const durations = inWindow.filter((job) => job.endedAt !== undefined).map((job) => simSeconds((job.endedAt as number) - job.createdAt));
    const sorted = [...staleness].sort((a, b) => a - b);
    const jobStarts = jobsByConnection.map((jobs) => jobs.map((job) => simSeconds(job.createdAt - t0)));
    const jobBeforeWindow = allJobsByConnection.map((jobs) => {
      const earlier = jobs.filter((job) => job.createdAt < t0);
      return earlier.length === 0 ? null : simSeconds(Math.max(...earlier.map((job) => job.createdAt)) - t0);
    });
    return {
      strategy: strategy.name,
      kind: strategy.kind,
      parameterSeconds: strategy.parameterSeconds,
      commits: plan.length,
      carried,
      uncarried,
      meanStalenessSeconds: sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length),
      p95StalenessSeconds: percentile(sorted, 0.95),
      maxStalenessSeconds: sorted[sorted.length - 1] ?? NaN,
      jobsPerHour: jobsPerHourOf({ kind: strategy.kind, jobStarts, jobBeforeWindow }, windowStarts, options.generateSeconds),
      jobs: inWindow.length,
      meanJobSeconds: durations.reduce((sum, v) => sum + v, 0) / Math.max(1, durations.length),
      skippedFires: skipped.get(strategy.name) ?? 0,
      samples,
      jobStarts,
      jobBeforeWindow,
      phases: strategy.phases,
      phaseMeanStalenessSeconds: phaseSums.map((p) => (p.n > 0 ? p.sum / p.n : NaN)),
      tableMeanStalenessSeconds: tableSums.map((p) => (p.n > 0 ? p.sum / p.n : NaN)),
      emptyJobs: inWindow.filter((job) => job.status === 'succeeded' && !carrying.has(job.jobId)).length,
      medianGapAfterJobSeconds: percentile(
        jobsByConnection
          .flatMap((jobs) => jobs.slice(1).map((job, i) => (jobs[i].endedAt === undefined ? NaN : simSeconds(job.createdAt - (jobs[i].endedAt as number)))))
          .filter((gap) => Number.isFinite(gap))
          .sort((a, b) => a - b),
        0.5,
      ),
    };
  });
  return { stream: options.stream, connections: k, generateSeconds: options.generateSeconds, tableWindowStarts: windowStarts, msPerSimMinute: options.msPerSimMinute, commits: plan.length, strategies: results };
}

/**
 * Where the interval paid for by a connection's first job in a window starts: the job before it,
 * but no earlier than one of its own next intervals before it. Why the bound: the job before can
 * be long before, when there was nothing to sync (the orchestrator's initial sync, up to 53 min
 * before a staggered table's window starts); a periodic strategy's first job then pays for one
 * period like the others, wherever its cadence was set (cron's is its schedule; a capped
 * orchestrator's is its initial sync, or its first change plus one cap).
 */
export function firstPaidFrom(before: number | undefined, starts: readonly number[]): number | undefined {
  const cadence = starts.length >= 2 ? starts[0] - (starts[1] - starts[0]) : undefined;
  if (before === undefined) return cadence;
  return cadence === undefined ? before : Math.max(before, cadence);
}

/**
 * The bench opens the window one poll interval (30 s) after the last initial sync (35 s) ended:
 * the initial sync's start when a saved run predates `jobBeforeWindow`.
 */
const INITIAL_SYNC_BEFORE_WINDOW_SECONDS = 65;

/**
 * A strategy's cost: jobs per connection per simulated hour over its tables' windows of changes
 * (jobsPaidFor from its job starts, the first job paying from firstPaidFrom). A pure function of
 * the saved results, so a saved run re-renders under it.
 */
export function jobsPerHourOf(strategy: Pick<StrategyResult, 'kind' | 'jobStarts' | 'jobBeforeWindow'>, tableWindowStarts: readonly number[], generateSeconds: number): number {
  const tables = Math.max(1, tableWindowStarts.length);
  let paid = 0;
  strategy.jobStarts.forEach((starts, n) => {
    const saved = strategy.jobBeforeWindow?.[n];
    const initial = saved === undefined ? (strategy.kind === 'orchestrator' ? -INITIAL_SYNC_BEFORE_WINDOW_SECONDS : undefined) : (saved ?? undefined);
    paid += connectionJobsPaidFor(starts, initial, tableWindowStarts[n % tables] ?? 0, generateSeconds);
  });
  return paid / Math.max(1, strategy.jobStarts.length) / (generateSeconds / 3600);
}

/**
 * One connection's paid-for jobs over its window [windowStart, windowStart + length) (any one
 * time unit): jobsPaidFor over the jobs started in it, the first paying from firstPaidFrom of
 * the last job before it (or `initial`, a job before all of `starts`, when none is).
 */
export function connectionJobsPaidFor(starts: readonly number[], initial: number | undefined, windowStart: number, length: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  const earlier = sorted.filter((at) => at < windowStart);
  const own = sorted.filter((at) => at >= windowStart);
  if (own.length === 0) return 0;
  const before = earlier.length > 0 ? earlier[earlier.length - 1] : initial;
  return jobsPaidFor(firstPaidFrom(before, own) ?? own[0], own, windowStart, windowStart + length);
}

/**
 * How many jobs a window costs, each job paying for the time since the one before it (`previous`
 * for the first of `starts`, which are sorted): a job whose interval lies partly inside the window
 * counts for that part. Why not a plain count of the jobs started inside it: periodic syncs (a cost
 * cap under a steady stream) put 3 or 4 hourly jobs in a 4 h window depending on where the first
 * one falls, a 25 % error in cost at the hourly cap, which decides where the cap sweep is read;
 * paid-for intervals give 4 whatever the phase. The stretch after the last job, which no job has
 * paid for yet, counts nothing (a quiet tail costs nothing).
 */
export function jobsPaidFor(previous: number, starts: readonly number[], windowStart: number, windowEnd: number): number {
  let paid = 0;
  let from = previous;
  for (const to of starts) {
    if (to > from) paid += Math.max(0, Math.min(to, windowEnd) - Math.max(from, windowStart)) / (to - from);
    else if (to >= windowStart && to < windowEnd) paid += 1;
    from = to;
  }
  return paid;
}

/**
 * A staleness curve read at a cost, between its two measured points around it, linearly in
 * log(jobs/hour)–log(staleness). Under periodic syncs staleness is about half the period, i.e.
 * proportional to 1/(jobs per hour): a straight line in log–log, so reading between two points
 * neither flatters nor penalises either side (a reading linear in staleness overstates it between
 * points, by up to a few per cent with caps 15 min apart).
 */
function logLogBetween(a: { readonly x: number; readonly y: number }, b: { readonly x: number; readonly y: number }, x: number): number {
  const f = Math.max(0, Math.min(1, b.x === a.x ? 0 : (x - a.x) / (b.x - a.x)));
  return Math.exp(Math.log(a.y) + f * (Math.log(b.y) - Math.log(a.y)));
}

/** Cron's staleness at a given cost, read off its periods (logLogBetween); undefined outside the periods measured. */
export function cronStalenessAt(strategies: readonly StrategyResult[], jobsPerHour: number, metric: 'meanStalenessSeconds' | 'p95StalenessSeconds' = 'meanStalenessSeconds'): number | undefined {
  const curve = strategies
    .filter((s) => s.kind === 'cron' && s.jobs > 0 && s[metric] > 0)
    .map((s) => ({ x: Math.log(s.jobsPerHour), y: s[metric] }))
    .sort((a, b) => a.x - b.x);
  const x = Math.log(jobsPerHour);
  for (let i = 1; i < curve.length; i += 1) {
    if (x >= curve[i - 1].x - 0.02 && x <= curve[i].x + 0.02) return logLogBetween(curve[i - 1], curve[i], x);
  }
  return undefined;
}

/** The sync that carried a commit: the first successful one whose replication started after it. */
function carrierOf(jobs: readonly JobRecord[], committedAt: number, startupMs: number): JobRecord | undefined {
  return jobs.find((job) => job.status === 'succeeded' && job.createdAt + startupMs >= committedAt && job.endedAt !== undefined && job.endedAt <= Date.now());
}

/**
 * Where the orchestrator's cap sweep is read at a given cost (jobs per hour): between the two
 * measured points around it, `f` of the way from `lower` to `upper` in log jobs/hour (the reading
 * of logLogBetween). Above its most expensive point, its freshest point alone (cheaper and the
 * freshest it gets); below its cheapest point, undefined (no comparison).
 */
export function orchestratorReading(strategies: readonly StrategyResult[], jobsPerHour: number): { readonly lower: StrategyResult; readonly upper: StrategyResult; readonly f: number } | undefined {
  const curve = strategies.filter((s) => s.kind === 'orchestrator' && s.jobs > 0 && s.meanStalenessSeconds > 0 && s.p95StalenessSeconds > 0).sort((a, b) => a.jobsPerHour - b.jobsPerHour);
  if (curve.length === 0) return undefined;
  const x = Math.log(jobsPerHour);
  // Costlier than every orchestrator point: its freshest point by mean (several caps can cost the
  // same when changes, not the cap, set when syncs happen; the last by cost is then not the freshest).
  if (x >= Math.log(curve[curve.length - 1].jobsPerHour)) {
    const freshest = curve.reduce((best, point) => (point.meanStalenessSeconds < best.meanStalenessSeconds ? point : best));
    return { lower: freshest, upper: freshest, f: 0 };
  }
  if (x < Math.log(curve[0].jobsPerHour) - 1e-9) return undefined;
  for (let i = 1; i < curve.length; i += 1) {
    const [a, b] = [Math.log(curve[i - 1].jobsPerHour), Math.log(curve[i].jobsPerHour)];
    if (x <= b) return { lower: curve[i - 1], upper: curve[i], f: b === a ? 0 : (x - a) / (b - a) };
  }
  return undefined;
}

/** The orchestrator's staleness at a given cost, read off its cap sweep (orchestratorReading, logLogBetween). */
export function orchestratorStalenessAt(strategies: readonly StrategyResult[], jobsPerHour: number, metric: 'meanStalenessSeconds' | 'p95StalenessSeconds' = 'meanStalenessSeconds'): number | undefined {
  const reading = orchestratorReading(strategies, jobsPerHour);
  if (!reading) return undefined;
  if (reading.lower === reading.upper) return reading.lower[metric];
  const point = (s: StrategyResult) => ({ x: Math.log(s.jobsPerHour), y: s[metric] });
  return logLogBetween(point(reading.lower), point(reading.upper), Math.log(jobsPerHour));
}

/**
 * The standard error of a strategy's mean staleness relative to that mean, from the spread of k
 * sub-means that each measure the same thing at another phase (cron: its phases; the
 * orchestrator: its tables, when their windows are staggered): sd ÷ √k ÷ mean. Treating
 * stratified phases as independent draws overstates it a little. Undefined with fewer than two.
 */
export function relativeStandardError(subMeans: readonly number[], mean: number): number | undefined {
  const values = subMeans.filter((v) => Number.isFinite(v));
  const k = values.length;
  if (k < 2 || !(mean > 0)) return undefined;
  const average = values.reduce((sum, v) => sum + v, 0) / k;
  const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - average) ** 2, 0) / (k - 1));
  return sd / Math.sqrt(k) / mean;
}

// ---- charts (self-contained SVG)

const COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#d62728', '#ff7f0e', '#bcbd22', '#e377c2', '#7f7f7f'];

function escapeXml(value: string): string {
  return value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/** Round values for log axes: seconds-friendly (10 s, 30 s, 1 min, 5 min, …) or 1/3/10 for counts. */
function logTicks(min: number, max: number, seconds = true): number[] {
  const candidates = seconds ? [1, 3, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400] : [0.3, 1, 3, 10, 30, 100, 300];
  return candidates.filter((v) => v >= min * 0.999 && v <= max * 1.001);
}

function formatTick(seconds: number): string {
  if (seconds >= 3600) return `${+(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${+(seconds / 60).toFixed(1)} min`;
  return `${+seconds.toFixed(1)} s`;
}

/** Staleness vs cost: the orchestrator's cap sweep and cron's periods, one panel per scenario (log–log). */
export function renderCostCurveSvg(scenarios: readonly ScenarioResult[]): string {
  const panelW = 300;
  const panelH = 230;
  const columns = Math.min(3, scenarios.length);
  const rows = Math.ceil(scenarios.length / columns);
  const width = Math.max(640, columns * panelW + 20);
  const height = rows * panelH + 80;
  const parts: string[] = [];
  scenarios.forEach((scenario, index) => {
    const ox = 10 + (index % columns) * panelW;
    const oy = 64 + Math.floor(index / columns) * panelH;
    const left = ox + 52;
    const right = ox + panelW - 12;
    const top = oy + 22;
    const bottom = oy + panelH - 40;
    const points = scenario.strategies.filter((s) => s.jobs > 0 && s.carried > 0);
    const xs = points.map((s) => s.jobsPerHour);
    const ys = points.map((s) => s.meanStalenessSeconds);
    const [x0, x1] = [Math.min(...xs) / 1.3, Math.max(...xs) * 1.3];
    const [y0, y1] = [Math.min(...ys) / 1.3, Math.max(...ys) * 1.3];
    const px = (v: number) => left + ((Math.log(v) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * (right - left);
    const py = (v: number) => bottom - ((Math.log(v) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * (bottom - top);
    parts.push(`<text x="${ox + panelW / 2}" y="${oy + 12}" text-anchor="middle" font-weight="bold">${escapeXml(`${scenario.stream}, ${scenario.connections} connection${scenario.connections > 1 ? 's' : ''}`)}</text>`);
    parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="#fafbfc" stroke="#ccd"/>`);
    for (const t of logTicks(y0, y1)) parts.push(`<text x="${left - 4}" y="${py(t) + 4}" text-anchor="end" font-size="10">${formatTick(t)}</text><line x1="${left}" x2="${right}" y1="${py(t)}" y2="${py(t)}" stroke="#e3e6ea"/>`);
    for (const t of logTicks(x0, x1, false)) parts.push(`<text x="${px(t)}" y="${bottom + 13}" text-anchor="middle" font-size="10">${t}</text>`);
    parts.push(`<text x="${(left + right) / 2}" y="${bottom + 28}" text-anchor="middle" font-size="11">jobs per hour per connection (cost)</text>`);
    for (const [kind, colour] of [['orchestrator', '#1f77b4'], ['cron', '#d62728']] as const) {
      const series = points.filter((s) => s.kind === kind).sort((a, b) => a.jobsPerHour - b.jobsPerHour);
      if (series.length > 1) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${series.map((s) => `${px(s.jobsPerHour).toFixed(1)},${py(s.meanStalenessSeconds).toFixed(1)}`).join(' ')}"/>`);
      for (const s of series) {
        parts.push(`<circle cx="${px(s.jobsPerHour).toFixed(1)}" cy="${py(s.meanStalenessSeconds).toFixed(1)}" r="3.5" fill="${colour}"><title>${escapeXml(`${s.strategy}: ${s.jobsPerHour.toFixed(1)} jobs/h, mean ${formatTick(s.meanStalenessSeconds)}, p95 ${formatTick(s.p95StalenessSeconds)}`)}</title></circle>`);
      }
    }
  });
  const legend = `<g font-size="12"><circle cx="20" cy="16" r="4" fill="#1f77b4"/><text x="30" y="20">orchestrator, cost cap (MIN_SYNC_INTERVAL_SECONDS) swept from the longest (left) to none (right)</text><circle cx="20" cy="34" r="4" fill="#d62728"/><text x="30" y="38">cron every 1 h, 15 min, 5 min, 1 min (left to right)</text><text x="10" y="56" fill="#555">y: mean staleness (commit → end of the sync that carried it); x: cost; both log scale</text></g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">${legend}${parts.join('')}</svg>\n`;
}

/** Staleness of each commit over time, one panel per scenario, one colour per strategy. */
export function renderTimelineSvg(scenarios: readonly ScenarioResult[], include: (s: StrategyResult) => boolean = () => true): string {
  const panelW = 900;
  const panelH = 200;
  const width = panelW + 20;
  const height = scenarios.length * panelH + 60;
  const parts: string[] = [];
  const names = [...new Set(scenarios.flatMap((s) => s.strategies.filter(include).map((x) => x.strategy)))];
  const colour = (name: string) => COLOURS[names.indexOf(name) % COLOURS.length];
  scenarios.forEach((scenario, index) => {
    const oy = 40 + index * panelH;
    const left = 70;
    const right = panelW;
    const top = oy + 20;
    const bottom = oy + panelH - 32;
    const strategies = scenario.strategies.filter(include);
    const all = strategies.flatMap((s) => s.samples.map((p) => p.staleness)).filter((v) => v > 0);
    const [y0, y1] = [Math.max(1, Math.min(...all) / 1.2), Math.max(...all) * 1.2];
    const px = (atSim: number) => left + (atSim / scenario.generateSeconds) * (right - left);
    const py = (v: number) => bottom - ((Math.log(Math.max(v, y0)) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * (bottom - top);
    parts.push(`<text x="${left}" y="${oy + 12}" font-weight="bold">${escapeXml(`${scenario.stream}, ${scenario.connections} connection${scenario.connections > 1 ? 's' : ''}`)}</text>`);
    parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="#fafbfc" stroke="#ccd"/>`);
    for (const t of logTicks(y0, y1)) parts.push(`<text x="${left - 4}" y="${py(t) + 4}" text-anchor="end" font-size="10">${formatTick(t)}</text><line x1="${left}" x2="${right}" y1="${py(t)}" y2="${py(t)}" stroke="#e3e6ea"/>`);
    for (let h = 0; h <= scenario.generateSeconds / 3600; h += 1) parts.push(`<text x="${px(h * 3600)}" y="${bottom + 13}" text-anchor="middle" font-size="10">${h} h</text>`);
    for (const strategy of strategies) {
      const c = colour(strategy.strategy);
      const points = strategy.samples.filter((p) => p.atSim <= scenario.generateSeconds);
      parts.push(`<g fill="${c}" fill-opacity="0.75">${points.map((p) => `<circle cx="${px(p.atSim).toFixed(1)}" cy="${py(p.staleness).toFixed(1)}" r="1.6"/>`).join('')}</g>`);
    }
  });
  const legend = names.map((name, i) => `<circle cx="${20 + i * 150}" cy="20" r="4" fill="${colour(name)}"/><text x="${30 + i * 150}" y="24">${escapeXml(name)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12"><g font-size="12">${legend}</g><text x="${width - 10}" y="${height - 6}" text-anchor="end" font-size="11" fill="#555">staleness of each commit (log scale) against its commit time (simulated)</text>${parts.join('')}</svg>\n`;
}
