// A discrete-event model of one connection's sync decisions (test support, not shipped; `npm run
// bench:freshness-model`). The freshness bench (freshness-bench.ts) runs the real daemon in
// compressed real time, so it affords a few hours per stream: a 4 h window holds ~5 bursts per
// table, too few to tell 1.5× from 2×. This model replays the same decisions in simulated time
// only, so thousands of hours take seconds, and asks what the orchestrator's rule, and three rules
// it does not have, can reach against cron at equal jobs per hour.
//
// What it follows, and where it simplifies:
// - Commits and jobs: the bench's own `planCommits` and `JOB_MODEL` (freshness-bench.ts). A job
//   created at t replicates from t + startup, reads every commit up to then that an earlier job of
//   the connection did not read, and lasts startup + rows × perRow + endWait. A commit's staleness
//   = end of that job − commit time; one job per connection at a time.
// - The daemon (orchestrator/src/commands/run.ts, core/scheduler.ts): a tick every poll interval
//   starts the connection's work when it is idle; work that ended with a sync runs again at once
//   (decision.ts rerunAfterWork).
// - One piece of work (core/cycle.ts runConnection): observe; up to MAX_JOBS_PER_WORK jobs
//   (decision.ts shouldStartJob), each after awaitTurn, each followed by an observation right
//   after the job's end (followUpAfterJob: a succeeded job always gets one).
// - awaitTurn (core/cycle.ts): the cost cap first (decision.ts costCap, waitForCap as in the
//   daemon), then the settle rule (decision.ts settleBeforeSync, settleMs = the poll interval as
//   in commands/cycle-setup.ts); it sleeps min(wait, settleMs), observes, and gives up when nothing
//   is pending any more. So a capped connection triggers when the cap allows, not at the next tick.
// - Observation (core/cycle.ts observe/notePending, decision.ts decideConnection/sourceMoved):
//   a change is pending while the newest commit is newer than the watermark recorded when the last
//   sync was triggered (a commit between that observation and the job's replication start is
//   carried but still looks pending, so the follow-up can be empty, as in the bench); "arriving" =
//   the latest observation saw a commit the one before it had not; pendingSince = the later of
//   the last quiet observation, the last trigger and the job start a follow-up observation passes.
// - Cron (freshness-bench.ts): POST /jobs at φ + n·T; a fire that meets a running job is skipped.
// Simplifications: no Airbyte or database latency (POST /jobs creates the job at once; a job's
// end is seen at once, where the daemon polls it every JOB_POLL_MIN_SECONDS = 1 s near its
// expected end and then spends its turnaround, ms); cursor watermarks only (the bench flushes the
// statistics counters, so they agree); no failures, WAL guard or schema refresh; the bench's
// initial sync is one trigger `initialSyncSeconds` before the window (the cap counts from it);
// ticks at multiples of the poll interval from the window's start (the bench's land wherever its
// start-up left them: its job starts differ from the model's by up to ~15 s on the same plan,
// which can move a commit that lands right at a replication start to the next sync); cron's
// phases at j/n of the period (the bench draws each within [j/n, (j+1)/n)).
import { costCap, rerunAfterWork, settleBeforeSync, shouldStartJob } from '../src/core/decision';
import { Commit, JOB_MODEL, StrategyResult, connectionJobsPaidFor } from './freshness-bench';

/** A connection's trigger policy. Only `cap` (with cap 0 = uncapped) and `cron` exist in the product. */
export type Policy =
  /** The orchestrator as built: MIN_SYNC_INTERVAL_SECONDS (0 = none) and the settle rule. */
  | { readonly kind: 'cap'; readonly capSeconds: number }
  /**
   * NOT BUILT in the orchestrator (comparison only): a token bucket refilled at `perHour` tokens
   * an hour up to `depth`, one token per sync; the settle rule with the refill interval as its bound.
   */
  | { readonly kind: 'bucket'; readonly perHour: number; readonly depth: number }
  /**
   * NOT BUILT in the orchestrator (comparison only): sync once the source is quiet and the oldest
   * pending change has waited `holdSeconds`, or at once when the last sync started
   * `forceAfterSeconds` ago or more.
   */
  | { readonly kind: 'max-hold'; readonly holdSeconds: number; readonly forceAfterSeconds: number }
  /**
   * NOT BUILT in the orchestrator (comparison only): the token bucket above, but a settled change
   * that finds no token waits for the next change (then for a token) instead of for the refill, so
   * bursts beyond the budget ride with the next burst; `maxHoldSeconds` bounds a lone change's wait
   * (then it waits for the next token). The settle rule as the bucket's.
   */
  | { readonly kind: 'defer'; readonly perHour: number; readonly depth: number; readonly maxHoldSeconds: number }
  /** A cron schedule: fires at phaseSeconds + n·periodSeconds. */
  | { readonly kind: 'cron'; readonly periodSeconds: number; readonly phaseSeconds: number };

export interface ModelOptions {
  /** Simulated seconds during which commits come and jobs are counted: each table's window, from its TablePlan.windowStartSeconds. */
  readonly generateSeconds: number;
  /** POLL_INTERVAL_SECONDS, also the settle window. @default 30 */
  readonly pollSeconds?: number;
  /**
   * When the daemon's initial sync was triggered, relative to the window (the bench starts the
   * window one poll interval after every initial sync succeeded: ≈ −(35 s job + 30 s)). @default -65
   */
  readonly initialSyncSeconds?: number;
}

export interface ModelJob {
  readonly createdMs: number;
  readonly endMs: number;
  readonly rows: number;
}

export interface ConnectionRun {
  readonly jobs: readonly ModelJob[];
  /** The connection's last job start before the window, as the bench counts cost (connectionJobsPaidFor): the daemon's initial sync; cron's fire one period before its first. */
  readonly previousStartMs?: number;
  /** Per commit (in the order given), seconds; NaN if never carried (never, for a finished run). */
  readonly staleness: Float64Array;
}

const startupMs = JOB_MODEL.startupSeconds * 1000;
const endWaitMs = JOB_MODEL.endWaitSeconds * 1000;
const perRowMs = JOB_MODEL.perRowSeconds * 1000;

/** One table's commits (sorted by time) with their times in ms, prepared once for many policies. */
export interface TablePlan {
  readonly commits: readonly Commit[];
  readonly timesMs: Float64Array;
  /** Where this table's window starts (planCommits' windowStarts; the bench staggers them for the steady stream). */
  readonly windowStartSeconds: number;
}

/** Each table's commits of a plan (planCommits numbers tables 0…tables − 1; windowStarts as given to it). */
export function tablePlans(commits: readonly Commit[], tables: number, windowStarts: readonly number[] = []): TablePlan[] {
  return Array.from({ length: tables }, (_, table) => {
    const own = commits.filter((c) => c.table === table);
    return { commits: own, timesMs: Float64Array.from(own, (c) => c.atSim * 1000), windowStartSeconds: windowStarts[table] ?? 0 };
  });
}

/** The bench's job model for one connection's commits. */
function jobRunner(plan: TablePlan) {
  const { commits, timesMs: times } = plan;
  const staleness = new Float64Array(commits.length).fill(NaN);
  const jobs: ModelJob[] = [];
  let read = 0;
  return {
    times,
    staleness,
    jobs,
    allCarried: () => read >= commits.length,
    /** A job created at `createdMs`; returns its end. */
    run(createdMs: number): number {
      const replicationStart = createdMs + startupMs;
      const first = read;
      let rows = 0;
      while (read < times.length && times[read] <= replicationStart) rows += commits[read++].rows;
      const endMs = replicationStart + rows * perRowMs + endWaitMs;
      for (let i = first; i < read; i += 1) staleness[i] = (endMs - times[i]) / 1000;
      jobs.push({ createdMs, endMs, rows });
      return endMs;
    },
  };
}

interface GateInput {
  readonly nowMs: number;
  readonly lastTriggerMs?: number;
  readonly arriving: boolean;
  readonly pendingSinceMs: number;
}

/** When a connection with pending changes may trigger: ms to wait (≤ 0: now). */
interface Gate {
  waitMs(input: GateInput): number;
  onTrigger(nowMs: number): void;
}

/** A token bucket of `depth` credits refilled at `perHour`, full at first; one credit per sync. */
function creditBucket(perHour: number, depth: number) {
  const intervalMs = 3_600_000 / perHour;
  let level = depth;
  let at = -Infinity;
  return {
    intervalMs,
    /** ms until a whole credit is there (≤ 0: now), from the level at the last spend (fewer rounding steps), rounded up to whole ms like a real sleep. */
    untilTokenMs: (nowMs: number): number => {
      const until = at + (1 - level) * intervalMs - nowMs;
      return until > 1e-6 ? Math.ceil(until) : 0;
    },
    spend: (nowMs: number): void => {
      level = Math.min(depth, level + (nowMs - at) / intervalMs) - 1;
      at = nowMs;
    },
  };
}

function gateFor(policy: Exclude<Policy, { kind: 'cron' }>, settleMs: number): Gate {
  const settle = (minSyncIntervalMs: number, input: GateInput): number => {
    const verdict = settleBeforeSync({ minSyncIntervalMs, forcedForLag: false, arriving: input.arriving, pendingSinceMs: input.pendingSinceMs, nowMs: input.nowMs, settleMs });
    return verdict.action === 'hold' ? verdict.holdMs : 0;
  };
  if (policy.kind === 'cap') {
    const minSyncIntervalMs = policy.capSeconds * 1000;
    return {
      waitMs: (input) => {
        // cycle.ts awaitTurn: the cap first; the settle rule only once the cap allows the sync.
        const cap = costCap({ minSyncIntervalMs, lastConfirmedAtMs: input.lastTriggerMs, nowMs: input.nowMs, forcedForLag: false, waitForCap: true });
        if (cap.action === 'wait') return cap.waitMs;
        if (cap.action === 'defer') throw new Error('costCap deferred a sync with waitForCap (the daemon never defers)');
        return settle(minSyncIntervalMs, input);
      },
      onTrigger: () => undefined,
    };
  }
  if (policy.kind === 'bucket') {
    const credit = creditBucket(policy.perHour, policy.depth);
    return {
      waitMs: (input) => {
        const untilToken = credit.untilTokenMs(input.nowMs);
        return untilToken > 0 ? untilToken : settle(credit.intervalMs, input);
      },
      onTrigger: credit.spend,
    };
  }
  if (policy.kind === 'defer') {
    const credit = creditBucket(policy.perHour, policy.depth);
    const maxHoldMs = policy.maxHoldSeconds * 1000;
    // Set when a settled change found no credit; a change arriving after that lets it go (with
    // the next credit), so an over-budget change rides with the next one instead of a timer.
    let deferred = false;
    let anotherChange = false;
    // The settle rule's bound counts from when this run of arriving changes began, not from the
    // oldest pending change: a change deferred for an hour must not cut the next burst short.
    let arrivingSinceMs: number | undefined;
    return {
      waitMs: (input) => {
        if (input.arriving) {
          arrivingSinceMs ??= input.nowMs;
          if (deferred) anotherChange = true;
          const hold = settle(credit.intervalMs, { ...input, pendingSinceMs: Math.max(input.pendingSinceMs, arrivingSinceMs) });
          if (hold > 0) return hold;
        } else arrivingSinceMs = undefined;
        const untilToken = credit.untilTokenMs(input.nowMs);
        const heldMs = input.nowMs - input.pendingSinceMs;
        if (untilToken > 0 && heldMs < maxHoldMs) deferred = true;
        if (deferred && !anotherChange && heldMs < maxHoldMs) return maxHoldMs - heldMs;
        return Math.max(0, untilToken);
      },
      onTrigger: (nowMs) => {
        credit.spend(nowMs);
        deferred = false;
        anotherChange = false;
        arrivingSinceMs = undefined;
      },
    };
  }
  const holdMs = policy.holdSeconds * 1000;
  const forceMs = policy.forceAfterSeconds * 1000;
  return {
    waitMs: (input) => {
      const sinceSync = input.lastTriggerMs === undefined ? Infinity : input.nowMs - input.lastTriggerMs;
      if (sinceSync >= forceMs) return 0;
      const untilForced = forceMs - sinceSync;
      if (input.arriving) return Math.min(settleMs, untilForced);
      const waited = input.nowMs - input.pendingSinceMs;
      return waited >= holdMs ? 0 : Math.min(holdMs - waited, untilForced);
    },
    onTrigger: () => undefined,
  };
}

function simulateCron(plan: TablePlan, periodMs: number, phaseMs: number, generateMs: number): ConnectionRun & { skipped: number } {
  const runner = jobRunner(plan);
  const windowStartMs = plan.windowStartSeconds * 1000;
  const windowEndMs = windowStartMs + generateMs;
  let busyUntil = -Infinity;
  let skipped = 0;
  for (let n = 0; ; n += 1) {
    const fire = phaseMs + n * periodMs;
    if (fire >= windowEndMs && runner.allCarried()) break;
    if (fire < busyUntil) {
      if (fire >= windowStartMs && fire < windowEndMs) skipped += 1;
      continue;
    }
    busyUntil = runner.run(fire);
  }
  return { jobs: runner.jobs, staleness: runner.staleness, skipped, previousStartMs: runner.jobs.length > 0 ? runner.jobs[0].createdMs - periodMs : undefined };
}

function simulateDaemon(plan: TablePlan, gate: Gate, options: ModelOptions): ConnectionRun {
  const pollMs = (options.pollSeconds ?? 30) * 1000;
  const runner = jobRunner(plan);
  const { times } = runner;
  // The daemon's view (cycle.ts lastProbe, quietAt, pendingSince, lastTriggeredAt; the state
  // store's synced watermark), watermarks as counts of commits seen (times strictly increase).
  let seen = 0;
  let probed = 0;
  let moved = false;
  let synced = 0;
  let quietAt: number | undefined = 0;
  let pendingSince: number | undefined;
  const initialSyncMs = (options.initialSyncSeconds ?? -65) * 1000;
  let lastTrigger: number | undefined = initialSyncMs;
  gate.onTrigger(initialSyncMs);

  /** cycle.ts observe + notePending; returns decision.sync. */
  const observe = (nowMs: number, changedSince?: number): boolean => {
    while (seen < times.length && times[seen] <= nowMs) seen += 1;
    moved = seen !== probed;
    probed = seen;
    if (seen === synced) {
      quietAt = nowMs;
      pendingSince = undefined;
      return false;
    }
    if (pendingSince === undefined) {
      const anchors = [quietAt, lastTrigger, changedSince].filter((v): v is number => v !== undefined);
      pendingSince = anchors.length > 0 ? Math.max(...anchors) : nowMs;
    }
    return true;
  };

  /** cycle.ts awaitTurn: returns when to trigger, or undefined (nothing pending any more) and when that was seen. */
  const awaitTurn = (nowMs: number): { at: number; go: boolean } => {
    let t = nowMs;
    for (;;) {
      const waitMs = gate.waitMs({ nowMs: t, lastTriggerMs: lastTrigger, arriving: moved, pendingSinceMs: pendingSince ?? t });
      if (waitMs <= 0) return { at: t, go: true };
      t += Math.min(waitMs, pollMs);
      if (!observe(t)) return { at: t, go: false };
    }
  };

  /** scheduler.ts start: runConnection, again at once while it ends with a sync (rerunAfterWork). Returns when the connection is idle. */
  const work = (startMs: number): number => {
    let t = startMs;
    for (;;) {
      let changed = observe(t);
      let jobs = 0;
      for (let round = 0; shouldStartJob({ round, changed, forcedForLag: false }); round += 1) {
        const turn = awaitTurn(t);
        t = turn.at;
        if (!turn.go) break;
        lastTrigger = t;
        pendingSince = undefined;
        synced = probed;
        gate.onTrigger(t);
        const created = t;
        t = runner.run(created);
        jobs += 1;
        changed = observe(t, created);
      }
      if (!rerunAfterWork({ jobs, outcome: jobs > 0 ? 'synced' : 'unchanged', stopping: false })) return t;
    }
  };

  let t = 0;
  for (;;) {
    t = work(t);
    if (seen >= times.length) break;
    // Ticks at multiples of the poll interval; quiet ones change only quietAt, so jump to the
    // first tick at or after the next commit (the tick before it was the last quiet look).
    let next = (Math.floor(t / pollMs) + 1) * pollMs;
    const detectedAt = Math.ceil(times[seen] / pollMs) * pollMs;
    if (detectedAt > next) {
      quietAt = detectedAt - pollMs;
      moved = false;
      next = detectedAt;
    }
    t = next;
  }
  return { jobs: runner.jobs, staleness: runner.staleness, previousStartMs: initialSyncMs };
}

/** One connection's jobs and staleness under a policy, for one table's commits (sorted by time) or its prepared plan. */
export function simulateConnection(commits: readonly Commit[] | TablePlan, policy: Policy, options: ModelOptions): ConnectionRun & { skipped: number } {
  const plan = 'timesMs' in commits ? commits : tablePlans(commits, 1)[0];
  if (policy.kind === 'cron') return simulateCron(plan, policy.periodSeconds * 1000, policy.phaseSeconds * 1000, options.generateSeconds * 1000);
  return { ...simulateDaemon(plan, gateFor(policy, (options.pollSeconds ?? 30) * 1000), options), skipped: 0 };
}

/** Cron at `phases` phases, stratified over the period (0, T/n, 2T/n, … — the bench draws them within each stratum). */
export function cronPhases(periodSeconds: number, phases: number): Policy[] {
  return Array.from({ length: phases }, (_, j) => ({ kind: 'cron' as const, periodSeconds, phaseSeconds: (j * periodSeconds) / phases }));
}

/**
 * A strategy measured the bench's way, in its result shape (so the bench's own readings apply):
 * every table's commits under each of `policies` (cron's phases; one policy otherwise), staleness
 * pooled over all commits, cost in each table's window as the bench counts it (connectionJobsPaidFor), per connection per hour. The
 * per-commit samples and job starts are not kept (empty).
 */
export function measureStrategy(
  plans: readonly TablePlan[],
  policies: readonly Policy[],
  options: ModelOptions & { readonly name: string; readonly kind: 'orchestrator' | 'cron'; readonly parameterSeconds: number },
): StrategyResult {
  const generateMs = options.generateSeconds * 1000;
  let sum = 0;
  let count = 0;
  let max = 0;
  let uncarried = 0;
  let jobs = 0;
  let paid = 0;
  let empty = 0;
  let jobMs = 0;
  let skipped = 0;
  const phaseMeans: number[] = [];
  const tableSums = plans.map(() => ({ sum: 0, n: 0 }));
  const commitCount = plans.reduce((n, plan) => n + plan.commits.length, 0);
  const all = new Float64Array(commitCount * policies.length);
  for (const policy of policies) {
    let phaseSum = 0;
    let phaseCount = 0;
    plans.forEach((own, table) => {
      const run = simulateConnection(own, policy, options);
      for (const value of run.staleness) {
        if (Number.isNaN(value)) uncarried += 1;
        else {
          phaseSum += value;
          phaseCount += 1;
          tableSums[table].sum += value;
          tableSums[table].n += 1;
          all[count + phaseCount - 1] = value;
          if (value > max) max = value;
        }
      }
      const windowStartMs = own.windowStartSeconds * 1000;
      paid += connectionJobsPaidFor(run.jobs.map((job) => job.createdMs), run.previousStartMs, windowStartMs, generateMs);
      for (const job of run.jobs) {
        if (job.createdMs < windowStartMs || job.createdMs >= windowStartMs + generateMs) continue;
        jobs += 1;
        jobMs += job.endMs - job.createdMs;
        if (job.rows === 0) empty += 1;
      }
      skipped += run.skipped;
    });
    sum += phaseSum;
    count += phaseCount;
    phaseMeans.push(phaseCount > 0 ? phaseSum / phaseCount : NaN);
  }
  return {
    strategy: options.name,
    kind: options.kind,
    parameterSeconds: options.parameterSeconds,
    commits: commitCount,
    carried: commitCount - uncarried / policies.length,
    uncarried: uncarried / policies.length,
    meanStalenessSeconds: count > 0 ? sum / count : NaN,
    // The bench's percentile: the ceil(0.95 n)-th smallest.
    p95StalenessSeconds: count > 0 ? all.subarray(0, count).sort()[Math.max(0, Math.ceil(0.95 * count) - 1)] : NaN,
    maxStalenessSeconds: max,
    jobsPerHour: paid / (plans.length * policies.length) / (options.generateSeconds / 3600),
    jobs,
    meanJobSeconds: jobs > 0 ? jobMs / jobs / 1000 : NaN,
    skippedFires: skipped,
    samples: [],
    jobStarts: [],
    phases: policies.length,
    phaseMeanStalenessSeconds: phaseMeans,
    tableMeanStalenessSeconds: tableSums.map((t) => (t.n > 0 ? t.sum / t.n : NaN)),
    emptyJobs: empty,
    medianGapAfterJobSeconds: NaN,
  };
}
