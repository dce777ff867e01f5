// The freshness benchmark in CI size (the full run is `npm run bench:freshness`): checks that the
// harness measures what it claims — every commit accounted for, cron costing what its period
// says, the cost cap holding between a connection's syncs — and nothing about speed.
import { JOB_MODEL, StrategyResult, jobsPaidFor, orchestratorReading, orchestratorStalenessAt, planCommits, relativeStandardError, renderCostCurveSvg, renderTimelineSvg, runScenario } from '../../orchestrator/testing/freshness-bench';
import { usePostgresCluster } from '../support/postgres';

const cluster = usePostgresCluster();
// The orchestrators' state on its own server, as in the full benchmark (ScenarioOptions.stateDatabaseUrl).
const stateCluster = usePostgresCluster({ serverOptions: { wal_level: 'replica' } });

test('planned change streams are deterministic and shaped as described', () => {
  const steady = planCommits('steady', 2, 3600, 1);
  expect(steady).toEqual(planCommits('steady', 2, 3600, 1));
  expect(steady.filter((c) => c.table === 0)).toHaveLength(180);
  const bursty = planCommits('bursty', 1, 24 * 3600, 1);
  expect(bursty.every((c) => c.rows === 5)).toBe(true);
  expect(bursty.length % 30).toBe(0);
  const sparse = planCommits('sparse', 1, 24 * 3600, 1);
  expect(sparse.length).toBeGreaterThan(24 * 3 * 0.5);
  expect(sparse.length).toBeLessThan(24 * 3 * 1.5);
  // rare: rarer than the hourly schedule (mean gap 2 h).
  const rare = planCommits('rare', 4, 24 * 3600, 1);
  expect(rare.length).toBeGreaterThan(4 * 12 * 0.5);
  expect(rare.length).toBeLessThan(4 * 12 * 1.5);
});

test("staggered windows: each table's commits fall in its own window, and the stream is otherwise the same", () => {
  const aligned = planCommits('steady', 3, 3600, 5);
  const staggered = planCommits('steady', 3, 3600, 5, [0, 1500, 2700]);
  for (const [table, start] of [[0, 0], [1, 1500], [2, 2700]] as const) {
    const own = staggered.filter((c) => c.table === table);
    expect(own).toHaveLength(aligned.filter((c) => c.table === table).length);
    expect(Math.min(...own.map((c) => c.atSim))).toBeGreaterThanOrEqual(start);
    expect(Math.max(...own.map((c) => c.atSim))).toBeLessThan(start + 3600);
  }
  // Time-ordered, as the writer commits them.
  expect(staggered.every((c, i) => i === 0 || staggered[i - 1].atSim <= c.atSim)).toBe(true);
});

test('cost of a window: each job pays for the time since the previous one, so periodic syncs cost the same at any phase', () => {
  // Hourly syncs over a 4 h window [0, 14400): 4 jobs' worth whatever the phase, where a plain
  // count of the starts inside it gives 3 or 4.
  for (const phase of [0, 0.25, 0.5, 0.99]) {
    const starts = Array.from({ length: 7 }, (_, n) => (n - 1 + phase) * 3600);
    expect(jobsPaidFor(starts, 0, 14400)).toBeCloseTo(4, 9);
  }
  const late = [-65, 3620, 7220, 10821, 14421];
  expect(late.filter((at) => at >= 0 && at < 14400)).toHaveLength(3);
  expect(jobsPaidFor(late, 0, 14400)).toBeGreaterThan(3.9);
  // A quiet tail costs nothing: one job at 1 h after one just before the window, nothing after.
  expect(jobsPaidFor([-10, 3600], 0, 14400)).toBeCloseTo(3600 / 3610, 9);
  // Without a known predecessor a job inside the window counts whole; one outside counts nothing.
  expect(jobsPaidFor([100], 0, 14400)).toBe(1);
  expect(jobsPaidFor([-100], 0, 14400)).toBe(0);
});

test('relative standard error of a mean from its sub-means', () => {
  // sd([1, 3]) = √2, SE = √2 / √2 = 1, relative to a mean of 2: 0.5.
  expect(relativeStandardError([1, 3], 2)).toBeCloseTo(0.5, 12);
  expect(relativeStandardError([2, 2, 2, 2], 2)).toBe(0);
  expect(relativeStandardError([5], 5)).toBeUndefined();
  expect(relativeStandardError([1, NaN, 3], 2)).toBeCloseTo(0.5, 12);
});

test('the cap sweep is read between the two points around a cost, its freshest point above them, nothing below', () => {
  const point = (cap: number, jobsPerHour: number, mean: number): StrategyResult =>
    ({ kind: 'orchestrator', strategy: `cap ${cap}`, parameterSeconds: cap, jobsPerHour, jobs: 10, meanStalenessSeconds: mean, p95StalenessSeconds: 2 * mean }) as unknown as StrategyResult;
  const sweep = [point(0, 8, 30), point(900, 4, 450), point(3600, 1, 1800)];
  const between = orchestratorReading(sweep, 2);
  expect([between?.lower.parameterSeconds, between?.upper.parameterSeconds]).toEqual([3600, 900]);
  // Halfway in log jobs/hour between 1 and 4; log–log: √(1800 · 450) = 900.
  expect(between?.f).toBeCloseTo(0.5, 12);
  expect(orchestratorStalenessAt(sweep, 2)).toBeCloseTo(900, 9);
  expect(orchestratorReading(sweep, 20)).toMatchObject({ lower: { parameterSeconds: 0 }, upper: { parameterSeconds: 0 } });
  expect(orchestratorReading(sweep, 0.5)).toBeUndefined();
});

test('CI-sized run: every commit carried, cron jobs/hour = its period, the cap holds, the curve reads', async () => {
  const databaseUrl = await cluster.current.createDatabase('freshness');
  const stateDatabaseUrl = await stateCluster.current.createDatabase('freshness_state');
  const scenario = await runScenario({
    databaseUrl,
    stateDatabaseUrl,
    stream: 'steady',
    connections: 2,
    generateSeconds: 1800,
    drainSeconds: 600,
    // Slow enough that a busy machine's event-loop stalls stay small in simulated time.
    msPerSimMinute: 500,
    caps: [0, 300],
    cronPeriods: [60, 300],
    cronPhases: 2,
    tableStaggerSeconds: 300,
  });
  // The second table's window starts in the second half of the stagger.
  expect(scenario.tableWindowStarts[0]).toBe(0);
  expect(scenario.tableWindowStarts[1]).toBeGreaterThanOrEqual(150);
  expect(scenario.tableWindowStarts[1]).toBeLessThan(300);
  expect(scenario.strategies.map((s) => s.strategy)).toEqual(['orchestrator', 'orchestrator, cap 5 min', 'cron every 1 min', 'cron every 5 min']);
  for (const strategy of scenario.strategies) {
    // Every committed change is accounted for, and carried.
    expect(strategy.commits).toBe(scenario.commits);
    expect(strategy.carried + strategy.uncarried).toBe(strategy.commits);
    expect({ strategy: strategy.strategy, uncarried: strategy.uncarried }).toEqual({ strategy: strategy.strategy, uncarried: 0 });
    // A change cannot land before the sync that carries it has read it and finished.
    expect(Math.min(...strategy.samples.map((p) => p.staleness))).toBeGreaterThan(0);
    expect(strategy.p95StalenessSeconds).toBeGreaterThanOrEqual(strategy.meanStalenessSeconds * 0.5);
    expect(strategy.maxStalenessSeconds).toBeGreaterThanOrEqual(strategy.p95StalenessSeconds);
    // Every job pays at least the start-up overhead.
    expect(strategy.meanJobSeconds).toBeGreaterThan(JOB_MODEL.startupSeconds * 0.9);
    // One mean per table, each from that table's commits: the pooled mean lies between them.
    expect(strategy.tableMeanStalenessSeconds).toHaveLength(2);
    expect(strategy.meanStalenessSeconds).toBeGreaterThanOrEqual(Math.min(...strategy.tableMeanStalenessSeconds) - 1e-9);
    expect(strategy.meanStalenessSeconds).toBeLessThanOrEqual(Math.max(...strategy.tableMeanStalenessSeconds) + 1e-9);
  }
  const byName = new Map(scenario.strategies.map((s) => [s.strategy, s]));
  // Cron fires as often as its period says, at each of its phases (each on its own connections);
  // a fire that meets a running sync is skipped (as Airbyte's scheduler does), so jobs + skipped
  // fires = the period's count per connection and phase.
  for (const [name, perHour] of [['cron every 1 min', 60], ['cron every 5 min', 12]] as const) {
    const cron = byName.get(name);
    expect(cron?.phases).toBe(2);
    expect(cron?.jobStarts).toHaveLength(2 * 2);
    // ±1 fire per connection: a fire that CPU load delays past the window's end counts in neither.
    expect(Math.abs(((cron?.jobs ?? 0) + (cron?.skippedFires ?? 0)) / 4 - perHour / 2)).toBeLessThanOrEqual(1);
    // Paid-for intervals (jobsPaidFor): the period's rate, less any skipped fires, give or take a
    // fire's timer slack at the window's edges.
    expect(cron?.jobsPerHour).toBeLessThanOrEqual(perHour * 1.01);
    expect(cron?.jobsPerHour).toBeGreaterThanOrEqual(perHour * 0.5);
    // The second phase fires between the first one's fires, never with them.
    const [first, second] = [cron?.jobStarts[0] ?? [], cron?.jobStarts[2] ?? []];
    expect(Math.min(...second.map((t) => Math.min(...first.map((u) => Math.abs(t - u)))))).toBeGreaterThan(0.05 * (perHour === 60 ? 60 : 300));
    expect(cron?.phaseMeanStalenessSeconds).toHaveLength(2);
  }
  // Jobs that carried nothing are counted as empty: cron every minute under a 1-row-per-20 s
  // stream always has rows to carry.
  for (const strategy of scenario.strategies) expect(strategy.emptyJobs).toBeLessThanOrEqual(strategy.jobs);
  expect(byName.get('cron every 1 min')?.emptyJobs).toBe(0);
  // The cap: never two syncs of a connection closer than 5 min (a little timer slack allowed).
  const capped = byName.get('orchestrator, cap 5 min');
  for (const starts of capped?.jobStarts ?? []) {
    for (let i = 1; i < starts.length; i += 1) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(300 * 0.97);
  }
  expect(capped?.jobsPerHour).toBeLessThanOrEqual(12 + 0.5);
  // Uncapped under a steady stream: back-to-back syncs, more jobs than the cap allows; the next
  // job never starts before the previous one ended (one job per connection).
  expect(byName.get('orchestrator')?.jobsPerHour).toBeGreaterThan(capped?.jobsPerHour ?? Infinity);
  expect(byName.get('orchestrator')?.medianGapAfterJobSeconds).toBeGreaterThanOrEqual(0);
  expect(capped?.medianGapAfterJobSeconds).toBeGreaterThan(300 - 60);
  // The cost curve reads back its own points.
  expect(orchestratorStalenessAt(scenario.strategies, capped?.jobsPerHour ?? 0)).toBeCloseTo(capped?.meanStalenessSeconds ?? NaN, 6);
  expect(orchestratorStalenessAt(scenario.strategies, 1e6)).toBe(byName.get('orchestrator')?.meanStalenessSeconds);
  // Charts: one point per strategy on the curve, one dot per carried commit on the timeline.
  expect(renderCostCurveSvg([scenario]).match(/<circle [^>]*r="3.5"/g)).toHaveLength(4);
  expect(renderTimelineSvg([scenario]).match(/<circle cx="[\d.]+" cy="[\d.]+" r="1.6"\/>/g)).toHaveLength(scenario.strategies.reduce((n, s) => n + s.samples.filter((p) => p.atSim <= 1800).length, 0));
}, 120_000);
