// The freshness policy model (orchestrator/testing/freshness-policy-model.ts) against answers known
// without it: the job model by hand, cron's half period under a steady stream, the cost cap's
// spacing, the settle rule on one burst, back-to-back uncapped syncs, the comparison policies on
// hand-placed bursts, and equivalences between policies that must hold whatever the stream.
import { Commit, JOB_MODEL, planCommits } from '../../orchestrator/testing/freshness-bench';
import { ModelJob, Policy, cronPhases, measureStrategy, simulateConnection, tablePlans } from '../../orchestrator/testing/freshness-policy-model';

const HOUR = 3600;
const oneTable = (commits: readonly Commit[]) => commits.filter((c) => c.table === 0);
const gaps = (jobs: readonly ModelJob[]) => jobs.slice(1).map((job, i) => job.createdMs - jobs[i].createdMs);
/** One burst like the bench's `bursty` stream: 30 commits × 5 rows, 4 s apart, from `at` seconds. */
const burst = (at: number): Commit[] => Array.from({ length: 30 }, (_, i) => ({ table: 0, atSim: at + i * 4, rows: 5 }));
const cap = (capSeconds: number): Policy => ({ kind: 'cap', capSeconds });

describe('job model (freshness-bench.ts JOB_MODEL)', () => {
  test('one commit under cron: carried by the first job whose replication starts after it, stale until that job ends', () => {
    const run = simulateConnection([{ table: 0, atSim: 100, rows: 1 }], { kind: 'cron', periodSeconds: 600, phaseSeconds: 0 }, { generateSeconds: 1200 });
    // Fire at 0 replicates from 30 s: before the commit, so empty. Fire at 600 carries it.
    expect(run.jobs[0].rows).toBe(0);
    expect(run.jobs[1]).toEqual({ createdMs: 600_000, endMs: 600_000 + 30_000 + 20 + 5_000, rows: 1 });
    expect(run.staleness[0]).toBeCloseTo(635.02 - 100, 6);
  });

  test('a fire that meets a running job is skipped', () => {
    // 3,000 rows → a 95 s job; cron every 60 s: the fire at 60 s meets it.
    const commits = [{ table: 0, atSim: 1, rows: 3000 }];
    const run = simulateConnection(commits, { kind: 'cron', periodSeconds: 60, phaseSeconds: 0 }, { generateSeconds: 300 });
    expect(run.jobs.map((j) => j.createdMs)).toEqual([0, 120_000, 180_000, 240_000]);
    expect(run.skipped).toBe(1);
  });
});

describe('cron under the steady stream', () => {
  test.each([900, 3600])('every %i s: mean staleness = T/2 + end wait + one period of rows, within half the commit spacing', (period) => {
    const commits = oneTable(planCommits('steady', 1, 50 * HOUR, 3));
    const result = measureStrategy(tablePlans(commits, 1), cronPhases(period, 4), { generateSeconds: 50 * HOUR, name: 'cron', kind: 'cron', parameterSeconds: period });
    // A commit waits for the next replication start: on a 20 s grid of commits against a T grid of
    // starts the waits are d, d + 20, …, d + T − 20 for some d in [0, 20), mean T/2 + d − 10; so
    // the mean is within 10 s of T/2 + the job's tail (end wait + T/20 rows × per-row cost).
    const expected = period / 2 + JOB_MODEL.endWaitSeconds + (period / 20) * JOB_MODEL.perRowSeconds;
    expect(Math.abs(result.meanStalenessSeconds - expected)).toBeLessThanOrEqual(10);
    expect(result.jobsPerHour).toBeCloseTo(HOUR / period, 6);
    expect(result.jobs).toBe(4 * 50 * (HOUR / period));
    expect(result.emptyJobs).toBe(0);
    expect(result.uncarried).toBe(0);
  });
});

describe('the orchestrator (cost cap + settle rule, decision.ts)', () => {
  test('capped, steady stream: one sync per cap interval, never two closer than the cap', () => {
    const commits = oneTable(planCommits('steady', 1, 20 * HOUR, 5));
    const run = simulateConnection(commits, cap(600), { generateSeconds: 20 * HOUR });
    const inWindow = run.jobs.filter((j) => j.createdMs < 20 * HOUR * 1000);
    expect(Math.abs(inWindow.length / 20 - 6)).toBeLessThanOrEqual(0.06);
    expect(Math.min(...gaps(run.jobs))).toBeGreaterThanOrEqual(600_000);
  });

  test('capped, bursty stream: never two syncs closer than the cap, every commit carried', () => {
    const commits = oneTable(planCommits('bursty', 1, 200 * HOUR, 7));
    const run = simulateConnection(commits, cap(900), { generateSeconds: 200 * HOUR });
    expect(Math.min(...gaps(run.jobs))).toBeGreaterThanOrEqual(900_000);
    expect(run.staleness.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });

  test('one burst under a cap: a single sync, started once the burst is over (settle rule), carries all of it', () => {
    const commits = burst(1000);
    const run = simulateConnection(commits, cap(900), { generateSeconds: 4000 });
    expect(run.jobs).toHaveLength(1);
    const [job] = run.jobs;
    const last = 1000 + 29 * 4;
    expect(job.rows).toBe(150);
    // After the last commit, and no later than the two polls that see it and then see quiet.
    expect(job.createdMs).toBeGreaterThanOrEqual(last * 1000);
    expect(job.createdMs).toBeLessThanOrEqual((last + 60) * 1000);
  });

  test('the same burst uncapped: the first sync at the first tick, the rest by follow-ups', () => {
    const run = simulateConnection(burst(1000), cap(0), { generateSeconds: 4000 });
    expect(run.jobs[0].createdMs).toBe(1_020_000);
    expect(run.jobs.length).toBeGreaterThan(1);
    expect(run.jobs.reduce((sum, j) => sum + j.rows, 0)).toBe(150);
  });

  test('uncapped, steady stream: back to back, each sync created when the previous one ends', () => {
    const commits = oneTable(planCommits('steady', 1, 5 * HOUR, 2));
    const run = simulateConnection(commits, cap(0), { generateSeconds: 5 * HOUR });
    const during = run.jobs.filter((j) => j.createdMs < 5 * HOUR * 1000);
    expect(during.length).toBeGreaterThan(400);
    during.slice(1).forEach((job, i) => expect(job.createdMs).toBe(during[i].endMs));
  });

  test('cost as the bench counts it (jobsPaidFor): an hourly cap under the steady stream costs 1 job/h in a 4 h window, whatever its phase', () => {
    const plans = tablePlans(planCommits('steady', 1, 4 * HOUR, 8), 1);
    const result = measureStrategy(plans, [cap(3600)], { generateSeconds: 4 * HOUR, name: 'cap', kind: 'orchestrator', parameterSeconds: 3600 });
    // A plain count would give 3 or 4 by phase. The only departure from 1: the first interval runs
    // from the initial sync 65 s before the window, so the window holds 3600/3665 of it (−0.0044/h).
    expect(Math.abs(result.jobsPerHour - 1)).toBeLessThanOrEqual(65 / 3665 / 4 + 1e-9);
    expect(result.jobsPerHour).toBeGreaterThan(0.99);
  });

  test("each table's cost is counted over its own window (the bench's staggered windows)", () => {
    const starts = [0, 1800];
    const plans = tablePlans(planCommits('steady', 2, 10 * HOUR, 6, starts), 2, starts);
    expect(plans[1].commits[0].atSim).toBeGreaterThanOrEqual(1800);
    const result = measureStrategy(plans, [cap(600)], { generateSeconds: 10 * HOUR, name: 'cap', kind: 'orchestrator', parameterSeconds: 600 });
    // Six syncs an hour in each table's 10 h, the later table's included in full.
    expect(Math.abs(result.jobsPerHour - 6)).toBeLessThanOrEqual(0.1);
    expect(result.tableMeanStalenessSeconds).toHaveLength(2);
    expect(result.p95StalenessSeconds).toBeGreaterThan(result.meanStalenessSeconds);
  });

  test('deterministic for a seed; another seed gives another answer', () => {
    const measure = (seed: number) => measureStrategy(tablePlans(planCommits('bursty', 2, 50 * HOUR, seed), 2), [cap(900)], { generateSeconds: 50 * HOUR, name: 'cap', kind: 'orchestrator', parameterSeconds: 900 });
    expect(measure(4)).toEqual(measure(4));
    expect(measure(4).meanStalenessSeconds).not.toBe(measure(5).meanStalenessSeconds);
  });
});

describe('policies not built in the orchestrator (comparison only)', () => {
  test('a token bucket of depth 1 is the cost cap at its refill interval: the same jobs', () => {
    const commits = oneTable(planCommits('bursty', 1, 300 * HOUR, 9));
    const bucket = simulateConnection(commits, { kind: 'bucket', perHour: 4, depth: 1 }, { generateSeconds: 300 * HOUR });
    const capped = simulateConnection(commits, cap(900), { generateSeconds: 300 * HOUR });
    expect(bucket.jobs.length).toBeGreaterThan(100);
    expect(bucket.jobs).toEqual(capped.jobs);
  });

  test('a deeper bucket spends its saved tokens: three lone changes minutes apart get three syncs', () => {
    const commits = [100, 400, 700].map((at) => ({ table: 0, atSim: 5 * HOUR + at, rows: 1 }));
    const deep = simulateConnection(commits, { kind: 'bucket', perHour: 1, depth: 3 }, { generateSeconds: 7 * HOUR });
    const shallow = simulateConnection(commits, { kind: 'bucket', perHour: 1, depth: 1 }, { generateSeconds: 7 * HOUR });
    expect(deep.jobs).toHaveLength(3);
    expect(Math.max(...deep.staleness)).toBeLessThan(120);
    // Depth 1: the second and third wait for the next token, an hour after the first sync.
    expect(shallow.jobs).toHaveLength(2);
    expect(gaps(shallow.jobs)[0]).toBeGreaterThanOrEqual(HOUR * 1000);
  });

  describe('the bucket deferring an over-budget change to the next change', () => {
    // Refill 1/h, depth 1: the initial sync at −65 s spends the only token, the next one comes at 3,535 s.
    const defer: Policy = { kind: 'defer', perHour: 1, depth: 1, maxHoldSeconds: 2 * HOUR };
    const bucket: Policy = { kind: 'bucket', perHour: 1, depth: 1 };
    const options = { generateSeconds: 6 * HOUR };
    const twoBursts = [...burst(1000), ...burst(5000)];

    test('a burst without a token rides with the next burst: one job for both, once that burst is over', () => {
      const run = simulateConnection(twoBursts, defer, options);
      expect(run.jobs).toHaveLength(1);
      // The second burst's last commit (5,116 s) is seen at the 5,130 s look; the next look finds it quiet.
      expect(run.jobs[0]).toMatchObject({ createdMs: 5_160_000, rows: 300 });
      // The bucket spends the 3,535 s token on the first burst and waits for the next for the second.
      expect(simulateConnection(twoBursts, bucket, options).jobs.map((j) => j.createdMs)).toEqual([3_535_000, 7_135_000]);
    });

    test('a lone change waits at most the hold, counted from its last quiet look (990 s)', () => {
      const run = simulateConnection(burst(1000), defer, options);
      expect(run.jobs.map((j) => j.createdMs)).toEqual([990_000 + 2 * HOUR * 1000]);
      expect(simulateConnection(burst(1000), bucket, options).jobs.map((j) => j.createdMs)).toEqual([3_535_000]);
    });

    test('with a token there it is the bucket: the same jobs on a stream that never outruns the budget', () => {
      const commits = oneTable(planCommits('rare', 1, 200 * HOUR, 4));
      const deep = { perHour: 4, depth: 3 };
      const deferred = simulateConnection(commits, { kind: 'defer', ...deep, maxHoldSeconds: 2 * HOUR }, { generateSeconds: 200 * HOUR });
      expect(deferred.jobs.length).toBeGreaterThan(50);
      expect(deferred.jobs).toEqual(simulateConnection(commits, { kind: 'bucket', ...deep }, { generateSeconds: 200 * HOUR }).jobs);
    });
  });

  test('max hold: a burst waits until the oldest pending change has waited W and the source is quiet', () => {
    const run = simulateConnection(burst(1000), { kind: 'max-hold', holdSeconds: 600, forceAfterSeconds: 2400 }, { generateSeconds: 4000 });
    expect(run.jobs).toHaveLength(1);
    // Pending since the last quiet look (990 s, the tick before the first commit at 1000 s).
    expect(run.jobs[0].createdMs).toBe(1_590_000);
  });

  test('max hold under a stream that never goes quiet: forced every C', () => {
    const commits = oneTable(planCommits('steady', 1, 20 * HOUR, 5));
    const run = simulateConnection(commits, { kind: 'max-hold', holdSeconds: 300, forceAfterSeconds: 600 }, { generateSeconds: 20 * HOUR });
    // While commits come (after the window the source goes quiet and the hold W applies).
    const during = run.jobs.filter((j) => j.createdMs < 20 * HOUR * 1000);
    expect(Math.min(...gaps(during))).toBeGreaterThanOrEqual(600_000);
    expect(Math.abs(during.length / 20 - 6)).toBeLessThanOrEqual(0.06);
  });
});
