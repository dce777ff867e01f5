// Issue 14's freshness rules: when a capped connection may trigger again (and that its work wakes
// then, not at the next tick), and when a running job is looked at again (near its expected end).
import { AirbyteClient, AirbyteJob } from '../../orchestrator/src/airbyte/airbyte-client';
import { main } from '../../orchestrator/src/app';
import { expectedJobRunMs, jobPollDelay, syncAllowedAt } from '../../orchestrator/src/core/decision';
import { JobControl } from '../../orchestrator/src/airbyte/job-control';
import { Logger } from '../../orchestrator/src/ops/logger';
import { StateStore } from '../../orchestrator/src/state/state-store';
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';
import { usePostgresCluster } from '../support/postgres';
import { CONNECTION_ID, createWatchedTables, orchestratorEnv, waitFor, write } from '../support/orchestrator-fixtures';

describe('syncAllowedAt (the cost cap)', () => {
  test('no cap, or no sync yet: no restriction', () => {
    expect(syncAllowedAt({ minIntervalMs: 0, lastTriggeredAtMs: 1000 })).toBe(0);
    expect(syncAllowedAt({ minIntervalMs: 60_000 })).toBe(0);
  });
  test('counts from when this process learned its last job exists; the recorded time only after a restart', () => {
    expect(syncAllowedAt({ minIntervalMs: 60_000, lastTriggeredAtMs: 1_000, lastRecordedAtMs: 1_400 })).toBe(61_000);
    expect(syncAllowedAt({ minIntervalMs: 60_000, lastRecordedAtMs: 1_400 })).toBe(61_400);
  });
});

describe('jobPollDelay (looking at a running job)', () => {
  const base = { minMs: 1000, maxMs: 15_000 };
  /** The elapsed times of every look at a job that runs `runMs`, and when its end is seen. */
  function looks(runMs: number, expectedRunMs?: number): { at: number[]; seenEndAt: number } {
    const at: number[] = [];
    let elapsed = 0;
    let delay: number | undefined;
    for (;;) {
      at.push(elapsed);
      if (elapsed >= runMs) return { at, seenEndAt: elapsed };
      delay = jobPollDelay({ ...base, elapsedMs: elapsed, previousDelayMs: delay, expectedRunMs });
      elapsed += delay;
    }
  }

  test('without history: growing intervals from the minimum to the maximum', () => {
    const delays = [undefined, 1000, 1500, 2250, 3375, 5063, 7595, 11_393].map((previousDelayMs) => jobPollDelay({ ...base, elapsedMs: 0, previousDelayMs }));
    expect(delays).toEqual([1000, 1500, 2250, 3375, 5063, 7595, 11_393, 15_000]);
    expect(jobPollDelay({ ...base, elapsedMs: 0, previousDelayMs: 15_000 })).toBe(15_000);
  });

  test('with history: never sleeps past the expected end, then looks every minimum until the job ends', () => {
    // A 35 s job: growing intervals alone see its end at 47.2 s (12 s late).
    expect(looks(35_000).seenEndAt).toBeGreaterThan(45_000);
    const aimed = looks(35_000, 34_000);
    expect(aimed.at).toContain(34_000);
    expect(aimed.seenEndAt - 35_000).toBeLessThanOrEqual(base.minMs);
    // Far from the end it still grows (few requests for a long job).
    expect(aimed.at.filter((t) => t < 34_000)).toHaveLength(looks(34_000).at.filter((t) => t < 34_000).length);
  });

  test('a job shorter than expected is still seen by the growing looks; one much longer grows again after the window', () => {
    expect(looks(10_000, 34_000).seenEndAt).toBeLessThan(10_000 + 5_000);
    // Window = half the expected run (17 s) of 1 s looks, then growth again: bounded requests.
    const long = looks(3_600_000, 34_000);
    const inWindow = long.at.filter((t) => t >= 34_000 && t < 51_000);
    expect(inWindow.length).toBeGreaterThanOrEqual(17);
    const late = long.at.filter((t) => t > 120_000);
    for (let i = 1; i < late.length; i += 1) expect(late[i] - late[i - 1]).toBe(15_000);
  });

  test('never below the minimum, never above the maximum', () => {
    for (const elapsedMs of [0, 500, 33_999, 34_000, 40_000, 60_000, 1e7]) {
      for (const previousDelayMs of [undefined, 1, 1000, 15_000, 1e6]) {
        const delay = jobPollDelay({ ...base, elapsedMs, previousDelayMs, expectedRunMs: 34_000 });
        expect(delay).toBeGreaterThanOrEqual(base.minMs);
        expect(delay).toBeLessThanOrEqual(base.maxMs);
      }
    }
  });

  test('expectedJobRunMs: the median of the recent lower bounds', () => {
    expect(expectedJobRunMs([])).toBeUndefined();
    expect(expectedJobRunMs([30_000])).toBe(30_000);
    expect(expectedJobRunMs([34_000, 90_000, 33_000])).toBe(34_000);
    expect(expectedJobRunMs([30_000, 40_000])).toBe(35_000);
  });
});

describe('JobControl.follow uses the connection\'s history (fake clock)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  test('the second job of a connection is seen ending within one minimum interval', async () => {
    let endsAt = 0;
    const gets: number[] = [];
    const airbyte = {
      getJob: async (jobId: number): Promise<AirbyteJob> => {
        gets.push(Date.now());
        return { jobId, status: Date.now() >= endsAt ? 'succeeded' : 'running', jobType: 'sync', connectionId: 'c1' };
      },
    } as unknown as AirbyteClient;
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => logger } as unknown as Logger;
    const jobs = new JobControl({ airbyte, store: {} as StateStore, options: { jobTimeoutMs: 3_600_000, jobPollMinMs: 1000, jobPollMaxMs: 15_000, createRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } } });
    const lagOfJob = async (jobId: number): Promise<number> => {
      const since = Date.now();
      endsAt = since + 35_000;
      const followed = jobs.follow('c1', { jobId, origin: 'triggered', since: new Date(since) }, logger);
      await jest.advanceTimersByTimeAsync(120_000);
      await expect(followed).resolves.toMatchObject({ kind: 'ended', job: { status: 'succeeded' } });
      return gets[gets.length - 1] - endsAt;
    };
    expect(await lagOfJob(1)).toBeGreaterThan(10_000);
    expect(await lagOfJob(2)).toBeLessThanOrEqual(1000);
    expect(await lagOfJob(3)).toBeLessThanOrEqual(1000);
  });
});

describe('the daemon wakes a capped connection when its cap expires', () => {
  const cluster = usePostgresCluster();

  test('a change seen while the cap holds is triggered when the cap allows: never before, and not at the next tick', async () => {
    const databaseUrl = await cluster.current.createDatabase('cap_wake');
    await createWatchedTables(databaseUrl);
    const double = await AirbyteDouble.start({ connections: [{ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }] }], job: { durationMs: 400 } });
    const capMs = 2000;
    const pollSeconds = 30;
    const controller = new AbortController();
    const daemon = main(['run'], {
      env: { ...orchestratorEnv(databaseUrl, double), POLL_INTERVAL_SECONDS: String(pollSeconds), MIN_SYNC_INTERVAL_SECONDS: String(capMs / 1000), ORCHESTRATOR_HTTP_ADDR: 'off' },
      signal: controller.signal,
      stdout: () => undefined,
      stderr: () => undefined,
    });
    const posts = () => double.requestsTo('POST', '/api/public/v1/jobs').filter((r) => r.status === 200);
    try {
      // A change lands while the initial sync runs: the follow-up after it is held by the cap.
      await waitFor('the initial sync', () => posts()[0]);
      await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('during the initial sync')");
      const second = await waitFor('the capped sync', () => posts()[1], 15_000);
      const gap = second.receivedAt - posts()[0].receivedAt;
      expect(gap).toBeGreaterThanOrEqual(capMs);
      // The next tick is 30 s away: only the cap's own wake-up can trigger this soon.
      expect(gap).toBeLessThan(capMs + 5000);
    } finally {
      controller.abort();
      expect(await daemon).toBe(0);
      await double.close();
    }
  }, 60_000);

  test('settle rule: a burst under a cap is synced once, after it ends; a stream that never pauses still syncs within one cap interval', async () => {
    const databaseUrl = await cluster.current.createDatabase('cap_settle');
    await createWatchedTables(databaseUrl);
    const double = await AirbyteDouble.start({ connections: [{ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }] }], job: { durationMs: 300 } });
    const capMs = 6000;
    const controller = new AbortController();
    const daemon = main(['run'], {
      env: { ...orchestratorEnv(databaseUrl, double), POLL_INTERVAL_SECONDS: '0.5', MIN_SYNC_INTERVAL_SECONDS: String(capMs / 1000), ORCHESTRATOR_HTTP_ADDR: 'off' },
      signal: controller.signal,
      stdout: () => undefined,
      stderr: () => undefined,
    });
    const posts = () => double.requestsTo('POST', '/api/public/v1/jobs').filter((r) => r.status === 200);
    try {
      const initial = await waitFor('the initial sync', () => posts()[0]);
      // Past the cap and quiet: what follows is the first change the cap would let through at once.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, initial.receivedAt + capMs + 1000 - Date.now())));
      for (let i = 0; i < 8; i += 1) {
        await write(databaseUrl, `INSERT INTO public.orders (note) VALUES ('burst ${i}')`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const lastBurstWrite = Date.now() - 250;
      const second = await waitFor('the burst\'s sync', () => posts()[1]);
      // Without the rule it would start at the first write's sighting, and the rest would wait for the cap.
      expect(second.receivedAt).toBeGreaterThanOrEqual(lastBurstWrite);
      // Settled (one quiet look), not released by the bound (the first write + the cap).
      expect(second.receivedAt - lastBurstWrite).toBeLessThan(3000);
      await waitFor('the burst\'s sync to end', () => double.jobRecords(CONNECTION_ID).filter((job) => job.status === 'succeeded').length >= 2 || undefined);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // It carried the whole burst: no follow-up.
      expect(posts()).toHaveLength(2);

      // A stream that never pauses: held at most one cap interval, so a sync starts while it still writes.
      const streamEnd = Date.now() + capMs + 3000;
      while (Date.now() < streamEnd && posts().length < 3) {
        await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('stream')");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(posts().length).toBeGreaterThanOrEqual(3);
      expect(posts()[2].receivedAt - second.receivedAt).toBeGreaterThanOrEqual(capMs);
    } finally {
      controller.abort();
      expect(await daemon).toBe(0);
      await double.close();
    }
  }, 60_000);
});
