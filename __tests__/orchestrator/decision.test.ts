// The decision logic is pure: observations + stored watermarks in, actions out. No I/O here.
import {
  EndedJob,
  MAX_JOBS_PER_WORK,
  SyncedWatermark,
  assessSchemaRefresh,
  connectionBlocked,
  costCap,
  decideConnection,
  describeChanges,
  followUpAfterJob,
  inFlightOutcome,
  isSameJob,
  jobCreatedByRequest,
  schemaReviewResolved,
  schemaUpdatesWarning,
  settleBeforeSync,
  sourceMoved,
  rerunAfterWork,
  shouldForceLagSync,
  shouldStartJob,
  slotAsksForSync,
  tableChangeReasons,
  watchedTablesFromStreams,
} from '../../orchestrator/src/core/decision';
import { TableObservation } from '../../orchestrator/src/probe/source-probe';

function observed(overrides: Partial<TableObservation> = {}): TableObservation {
  return {
    schema: 'public',
    table: 'orders',
    cursorColumn: 'updated_at',
    exists: true,
    hasCursorColumn: true,
    cursorIndexed: true,
    cursor: '2024-05-01 10:00:00+00',
    modificationCount: '100',
    storageId: '16384',
    columnHash: 'aaa',
    ...overrides,
  };
}

const synced: SyncedWatermark = { cursorWatermark: '2024-05-01 10:00:00+00', modificationCount: '100', storageId: '16384', columnHash: 'aaa' };

describe('tableChangeReasons', () => {
  test('identical observation: no change', () => {
    expect(tableChangeReasons(observed(), synced)).toEqual([]);
  });
  test('never synced: sync once', () => {
    expect(tableChangeReasons(observed(), undefined)).toEqual(['never-synced']);
  });
  test('cursor moved forward', () => {
    expect(tableChangeReasons(observed({ cursor: '2024-05-01 10:00:01+00', modificationCount: '101' }), synced)).toEqual(['cursor-moved', 'rows-modified']);
  });
  test('cursor moved backwards (newest row deleted) still counts', () => {
    expect(tableChangeReasons(observed({ cursor: '2024-04-01 00:00:00+00' }), synced)).toContain('cursor-moved');
  });
  test('table emptied: cursor becomes null', () => {
    expect(tableChangeReasons(observed({ cursor: null }), synced)).toContain('cursor-moved');
  });
  test('row with an old cursor value or a delete: only the counters show it', () => {
    expect(tableChangeReasons(observed({ modificationCount: '101' }), synced)).toEqual(['rows-modified']);
  });
  test('counters going down (statistics reset) count as a change, never as "nothing happened"', () => {
    expect(tableChangeReasons(observed({ modificationCount: '0' }), synced)).toEqual(['rows-modified']);
  });
  test('truncate: new storage file', () => {
    expect(tableChangeReasons(observed({ storageId: '16999' }), synced)).toEqual(['storage-rewritten']);
  });
  test('columns changed', () => {
    expect(tableChangeReasons(observed({ columnHash: 'bbb' }), synced)).toEqual(['columns-changed']);
  });
  test('table without the cursor column: the cursor is ignored, the counters decide', () => {
    const noCursor = observed({ hasCursorColumn: false, cursor: null, cursorIndexed: false });
    expect(tableChangeReasons(noCursor, { ...synced, cursorWatermark: null })).toEqual([]);
    expect(tableChangeReasons({ ...noCursor, modificationCount: '105' }, { ...synced, cursorWatermark: null })).toEqual(['rows-modified']);
  });
  test('a missing table has no change reasons (it is reported as missing instead)', () => {
    expect(tableChangeReasons(observed({ exists: false }), synced)).toEqual([]);
  });
});

describe('decideConnection', () => {
  test('nothing changed: no sync, but the observed watermarks are still offered', () => {
    const decision = decideConnection([{ observation: observed(), synced }]);
    expect(decision.sync).toBe(false);
    expect(decision.refreshSchema).toBe(false);
    expect(decision.watermarks).toEqual([{ schema: 'public', table: 'orders', ...synced }]);
  });

  test('one changed table syncs the connection and records every table observed before the trigger', () => {
    const decision = decideConnection([
      { observation: observed({ cursor: 'later', modificationCount: '101' }), synced },
      { observation: observed({ table: 'customers' }), synced },
    ]);
    expect(decision.sync).toBe(true);
    expect(decision.changes).toEqual([{ schema: 'public', table: 'orders', reasons: ['cursor-moved', 'rows-modified'] }]);
    expect(decision.watermarks.map((w) => [w.table, w.cursorWatermark])).toEqual([
      ['orders', 'later'],
      ['customers', '2024-05-01 10:00:00+00'],
    ]);
  });

  test('column change requests a schema refresh; a first observation does not', () => {
    expect(decideConnection([{ observation: observed({ columnHash: 'new' }), synced }]).refreshSchema).toBe(true);
    expect(decideConnection([{ observation: observed({ columnHash: 'new' }), synced: undefined }]).refreshSchema).toBe(false);
  });

  test('missing tables are listed and excluded; the others still decide', () => {
    const decision = decideConnection([
      { observation: observed({ table: 'gone', exists: false, cursor: null, modificationCount: null, storageId: null, columnHash: null }), synced },
      { observation: observed({ modificationCount: '150' }), synced },
    ]);
    expect(decision.missingTables).toEqual([{ schema: 'public', table: 'gone', cursorColumn: 'updated_at' }]);
    expect(decision.sync).toBe(true);
    expect(decision.watermarks.map((w) => w.table)).toEqual(['orders']);
  });

  test('tables without a cursor index or cursor column are reported', () => {
    const decision = decideConnection([
      { observation: observed({ table: 'slow', cursorIndexed: false }), synced },
      { observation: observed({ table: 'plain', hasCursorColumn: false, cursorIndexed: false, cursor: null }), synced: { ...synced, cursorWatermark: null } },
    ]);
    expect(decision.tablesWithoutCursorIndex.map((t) => t.table)).toEqual(['slow']);
    expect(decision.tablesWithoutCursor.map((t) => t.table)).toEqual(['plain']);
  });
});

test('describeChanges is short and bounded', () => {
  const changes = Array.from({ length: 12 }, (_, i) => ({ schema: 's', table: `t${i}`, reasons: ['cursor-moved' as const] }));
  expect(describeChanges(changes.slice(0, 2))).toBe('s.t0: cursor-moved; s.t1: cursor-moved');
  expect(describeChanges(changes)).toMatch(/… and 2 more tables$/);
});

test.each([
  ['succeeded', 'record-success'],
  ['failed', 'record-failure'],
  ['cancelled', 'record-failure'],
  ['running', 'wait'],
  ['pending', 'wait'],
  ['queued', 'wait'],
  ['incomplete', 'wait'],
  ['some_future_state', 'wait'],
])('a job in status %s → %s', (status, outcome) => {
  expect(inFlightOutcome(status)).toBe(outcome);
});

describe('WAL lag: no forced sync on a lag that still includes the last WAL-lag sync', () => {
  const threshold = 1000;
  test('no lag over the threshold: never forced', () => {
    expect(shouldForceLagSync({ syncForLag: false, thresholdBytes: threshold })).toBe(false);
  });
  test('lag and no WAL-lag sync waiting for the next start: forced', () => {
    expect(shouldForceLagSync({ syncForLag: true, thresholdBytes: threshold })).toBe(true);
    expect(shouldForceLagSync({ syncForLag: true, thresholdBytes: threshold, lastJob: { triggerReason: 'new_rows', status: 'succeeded' } })).toBe(true);
    // A failed WAL-lag sync consumed nothing: try again.
    expect(shouldForceLagSync({ syncForLag: true, thresholdBytes: threshold, lastJob: { triggerReason: 'wal_lag', status: 'failed' }, walSinceLastJobBytes: 10 })).toBe(true);
  });
  test('a WAL-lag sync succeeded and no sync started since: not forced while the WAL written after it stays under the threshold', () => {
    const lastJob = { triggerReason: 'wal_lag', status: 'succeeded' };
    expect(shouldForceLagSync({ syncForLag: true, thresholdBytes: threshold, lastJob, walSinceLastJobBytes: 10 })).toBe(false);
    expect(shouldForceLagSync({ syncForLag: true, thresholdBytes: threshold, lastJob, walSinceLastJobBytes: null })).toBe(false);
    expect(shouldForceLagSync({ syncForLag: true, thresholdBytes: threshold, lastJob, walSinceLastJobBytes: 5000 })).toBe(true);
  });
  test('a slot about to be invalidated is synced whatever the last job was', () => {
    expect(shouldForceLagSync({ syncForLag: true, slotAtRisk: true, thresholdBytes: threshold, lastJob: { triggerReason: 'wal_lag', status: 'succeeded' }, walSinceLastJobBytes: 10 })).toBe(true);
  });
});

describe('schema refresh verdict (discover + postprocess)', () => {
  test('non-empty appliedDiff: applied, sync', () => {
    expect(assessSchemaRefresh({ breakingChange: false, connectionStatus: 'active', diffTransforms: 1, appliedTransforms: 1 })).toEqual({ sync: true, applied: true, nothingToApply: false });
  });
  test('breaking change: no sync, review (connection disabled)', () => {
    expect(assessSchemaRefresh({ breakingChange: true, connectionStatus: 'inactive', diffTransforms: 1 })).toMatchObject({ sync: false, review: { kind: 'inactive' } });
  });
  test('connection inactive after the diff (disable_connection): no sync, review', () => {
    expect(assessSchemaRefresh({ breakingChange: false, connectionStatus: 'inactive', diffTransforms: 1 })).toMatchObject({ sync: false, review: { kind: 'inactive' } });
  });
  test('diff not propagated (ignore): sync the rows, review the columns', () => {
    expect(assessSchemaRefresh({ breakingChange: false, connectionStatus: 'active', diffTransforms: 1 })).toMatchObject({ sync: true, applied: false, review: { kind: 'not_applied' } });
  });
  test('nothing to apply: sync, no review', () => {
    expect(assessSchemaRefresh({ breakingChange: false, connectionStatus: 'active', diffTransforms: 0, appliedTransforms: 0 })).toEqual({ sync: true, applied: false, nothingToApply: true });
  });
  test('a review ends only when the change was applied', () => {
    expect(schemaReviewResolved('not_applied', { applied: false, nothingToApply: false, syncSucceeded: true })).toBe(false);
    expect(schemaReviewResolved('not_applied', { applied: true, nothingToApply: false, syncSucceeded: false })).toBe(true);
    expect(schemaReviewResolved('not_applied', { applied: false, nothingToApply: true, syncSucceeded: true })).toBe(true);
    expect(schemaReviewResolved('inactive', { applied: false, nothingToApply: false, syncSucceeded: false })).toBe(false);
    expect(schemaReviewResolved('inactive', { applied: false, nothingToApply: false, syncSucceeded: true })).toBe(true);
  });
  test('behaviours that keep column changes out of BigQuery are flagged', () => {
    expect(schemaUpdatesWarning('ignore')).toContain('will not reach BigQuery');
    expect(schemaUpdatesWarning('disable_connection')).toContain('disables the connection');
    expect(schemaUpdatesWarning('propagate_columns')).toBeNull();
    expect(schemaUpdatesWarning('propagate_fully')).toBeNull();
  });
});

describe('which job is ours', () => {
  const C = 'c-1';
  const started = Date.parse('2030-01-01T10:00:05.700Z');
  test('after a lost POST /jobs answer: the newest sync of the connection created since the request began', () => {
    const jobs = [
      { jobId: 7, connectionId: C, jobType: 'sync', startTime: '2030-01-01T10:00:05Z' },
      { jobId: 6, connectionId: C, jobType: 'sync', startTime: '2030-01-01T09:59:00Z' },
      { jobId: 8, connectionId: 'other', jobType: 'sync', startTime: '2030-01-01T10:00:06Z' },
    ];
    expect(jobCreatedByRequest(jobs, C, started)?.jobId).toBe(7);
    expect(jobCreatedByRequest(jobs.slice(1), C, started)).toBeUndefined();
    expect(jobCreatedByRequest([{ jobId: 9, connectionId: C, jobType: 'reset', startTime: '2030-01-01T10:00:06Z' }], C, started)).toBeUndefined();
  });
  test('the slack never admits the job before ours: one the store recorded, or one that ended before the request began', () => {
    // Previous sync created and ended within the second before the request (whole-second times).
    const previous = { jobId: 7, connectionId: C, jobType: 'sync', startTime: '2030-01-01T10:00:05Z', lastUpdatedAt: '2030-01-01T10:00:05Z' };
    expect(jobCreatedByRequest([previous], C, started, 7)).toBeUndefined();
    expect(jobCreatedByRequest([{ ...previous, lastUpdatedAt: '2030-01-01T10:00:04Z' }], C, started)).toBeUndefined();
    // Ended in the request's own second: cannot be told apart by time, so only the recorded id excludes it.
    expect(jobCreatedByRequest([previous], C, started)?.jobId).toBe(7);
    const ours = { jobId: 8, connectionId: C, jobType: 'sync', startTime: '2030-01-01T10:00:05Z' };
    expect(jobCreatedByRequest([ours, previous], C, started, 7)?.jobId).toBe(8);
  });
  test('a recorded id answered by a job of another connection, or created after it was recorded, is not the recorded job', () => {
    const since = new Date('2030-01-01T10:00:10Z');
    expect(isSameJob({ jobId: 1, connectionId: C, startTime: '2030-01-01T10:00:09Z' }, { connectionId: C, since })).toBe(true);
    expect(isSameJob({ jobId: 1, connectionId: 'other', startTime: '2030-01-01T10:00:09Z' }, { connectionId: C, since })).toBe(false);
    expect(isSameJob({ jobId: 1, connectionId: C, startTime: '2030-01-01T11:00:00Z' }, { connectionId: C, since })).toBe(false);
  });
});

describe('watched tables from selected streams', () => {
  const options = { cursorColumn: 'updated_at', stateSchema: 'airbyte_orchestrator', heartbeat: { schema: 'airbyte_orchestrator', table: 'heartbeat' } };
  test('the state schema and the heartbeat table are never watched, even when selected', () => {
    const result = watchedTablesFromStreams('app (c-1)', [{ name: 'orders', namespace: 'public' }, { name: 'heartbeat', namespace: 'airbyte_orchestrator' }, { name: 'job_history', namespace: 'airbyte_orchestrator' }], options);
    expect(result.tables).toEqual([{ schema: 'public', table: 'orders', cursorColumn: 'updated_at' }]);
    expect(result.skipped.map((t) => t.table)).toEqual(['heartbeat', 'job_history']);
    const custom = watchedTablesFromStreams('c', [{ name: 'heartbeat', namespace: 'ops' }, { name: 't', namespace: 'state' }], { ...options, stateSchema: 'state', heartbeat: { schema: 'ops', table: 'heartbeat' } });
    expect(custom.tables).toEqual([]);
  });
  test('a stream without a namespace is an error naming the connection, never "public"', () => {
    expect(() => watchedTablesFromStreams('app (c-1)', [{ name: 'orders' }, { name: 'items', namespace: '' }], options)).toThrow(/connection app \(c-1\): selected stream\(s\) "orders", "items" have no namespace/);
  });
});

describe('WAL lag: which slot states ask for a sync at all', () => {
  test.each([
    [{ lagOverThreshold: true, slotAtRisk: false, slotLost: false }, true],
    [{ lagOverThreshold: false, slotAtRisk: true, slotLost: false }, true],
    [{ lagOverThreshold: false, slotAtRisk: false, slotLost: false }, false],
    // A lost slot cannot be caught up by syncing (only a reset helps): nothing is forced.
    [{ lagOverThreshold: true, slotAtRisk: false, slotLost: true }, false],
  ])('%o → %s', (slot, expected) => {
    expect(slotAsksForSync(slot)).toBe(expected);
  });
});

describe('the follow-up job: one, right after a job, when changes arrived meanwhile', () => {
  test('a first job needs a change or the WAL guard', () => {
    expect(shouldStartJob({ round: 0, changed: true, forcedForLag: false })).toBe(true);
    expect(shouldStartJob({ round: 0, changed: false, forcedForLag: true })).toBe(true);
    expect(shouldStartJob({ round: 0, changed: false, forcedForLag: false })).toBe(false);
  });

  test('after the first job: one follow-up for a change seen meanwhile, never a third job in the same work', () => {
    expect(MAX_JOBS_PER_WORK).toBe(2);
    expect(shouldStartJob({ round: 1, changed: true, forcedForLag: false })).toBe(true);
    expect(shouldStartJob({ round: 1, changed: false, forcedForLag: false })).toBe(false);
    expect(shouldStartJob({ round: 2, changed: true, forcedForLag: false })).toBe(false);
    expect(shouldStartJob({ round: 2, changed: true, forcedForLag: true })).toBe(false);
  });

  test.each<[EndedJob, boolean]>([
    [{ origin: 'triggered', ending: 'succeeded' }, true],
    // Ours failed: its changes stay pending, the next run retries them; no hammering within this work.
    [{ origin: 'triggered', ending: 'failed' }, false],
    // Released (Airbyte no longer knows it): look again at once.
    [{ origin: 'triggered', ending: 'lost' }, true],
    // Attached: what it covered is unknown and it recorded no watermarks, whatever its ending.
    [{ origin: 'attached', ending: 'succeeded' }, true],
    [{ origin: 'attached', ending: 'failed' }, true],
    [{ origin: 'attached', ending: 'lost' }, true],
    // The running job ended before we could attach: decide again on a fresh observation.
    [{ origin: 'attached', ending: 'ended-meanwhile' }, true],
  ])('look again after %o: %s', (job, expected) => {
    expect(followUpAfterJob(job)).toBe(expected);
  });

  test('the daemon starts the next work at once only after a successful sync, never while stopping', () => {
    expect(rerunAfterWork({ jobs: 1, outcome: 'synced', stopping: false })).toBe(true);
    expect(rerunAfterWork({ jobs: 1, outcome: 'synced', stopping: true })).toBe(false);
    expect(rerunAfterWork({ jobs: 1, outcome: 'failed', stopping: false })).toBe(false);
    expect(rerunAfterWork({ jobs: 1, outcome: 'error', stopping: false })).toBe(false);
    // Nothing synced: the next tick is soon enough.
    expect(rerunAfterWork({ jobs: 0, outcome: 'unchanged', stopping: false })).toBe(false);
  });
});

describe('the cost cap (MIN_SYNC_INTERVAL_SECONDS)', () => {
  const last = new Date('2026-01-01T00:00:00Z');
  const base = { minSyncIntervalMs: 60_000, lastTriggeredAt: last, forcedForLag: false, waitForCap: false };

  test('no cap, never triggered, or the interval has passed: go', () => {
    expect(costCap({ ...base, minSyncIntervalMs: 0, nowMs: last.getTime() + 1 })).toEqual({ action: 'go' });
    expect(costCap({ ...base, lastTriggeredAt: undefined, nowMs: last.getTime() + 1 })).toEqual({ action: 'go' });
    expect(costCap({ ...base, nowMs: last.getTime() + 60_000 })).toEqual({ action: 'go' });
    expect(costCap({ ...base, nowMs: last.getTime() + 90_000 })).toEqual({ action: 'go' });
  });

  test('too soon: once defers until the allowed time, the daemon waits the rest of the interval', () => {
    const allowedAt = new Date(last.getTime() + 60_000);
    expect(costCap({ ...base, nowMs: last.getTime() + 15_000 })).toEqual({ action: 'defer', allowedAt });
    expect(costCap({ ...base, waitForCap: true, nowMs: last.getTime() + 15_000 })).toEqual({ action: 'wait', waitMs: 45_000, allowedAt });
  });

  test('a WAL-lag sync is never held back: it protects the source\'s disk', () => {
    expect(costCap({ ...base, forcedForLag: true, nowMs: last.getTime() + 1 })).toEqual({ action: 'go' });
  });
});

describe('the settle rule (a capped connection waits for a burst to end, within one cap interval)', () => {
  const cap = 15 * 60_000;
  const poll = 30_000;
  const base = { minSyncIntervalMs: cap, forcedForLag: false, arriving: true, pendingSinceMs: 0, settleMs: poll };

  test('changes still arriving under a cap: hold one poll interval, then look again', () => {
    expect(settleBeforeSync({ ...base, nowMs: 30_000 })).toEqual({ action: 'hold', holdMs: poll, latestAt: new Date(cap) });
  });

  test('the source went quiet: sync at once', () => {
    expect(settleBeforeSync({ ...base, arriving: false, nowMs: 30_000 })).toEqual({ action: 'go' });
  });

  test('never holds the oldest pending change past one cap interval (a stream that never pauses syncs once per interval)', () => {
    expect(settleBeforeSync({ ...base, nowMs: cap - 10_000 })).toEqual({ action: 'hold', holdMs: 10_000, latestAt: new Date(cap) });
    expect(settleBeforeSync({ ...base, nowMs: cap })).toEqual({ action: 'go' });
    expect(settleBeforeSync({ ...base, nowMs: cap + 1 })).toEqual({ action: 'go' });
  });

  test('uncapped connections and WAL-lag syncs never hold', () => {
    expect(settleBeforeSync({ ...base, minSyncIntervalMs: 0, nowMs: 30_000 })).toEqual({ action: 'go' });
    expect(settleBeforeSync({ ...base, forcedForLag: true, nowMs: 30_000 })).toEqual({ action: 'go' });
  });

  // The reason for the rule, played through with the pure functions: a burst of 30 commits 4 s
  // apart under a 15-min cap, looked at every 30 s; a sync carries what was committed before its
  // replication starts (30 s after its trigger).
  function playBurst(settle: boolean): { syncs: number[]; meanWaitS: number } {
    const commits = Array.from({ length: 30 }, (_, i) => 10_000 + i * 4000);
    const syncs: number[] = [];
    let pendingSince: number | undefined;
    let seenCursor = -1;
    let previousCursor: number | undefined;
    for (let now = 0; now < 3 * cap; now += poll) {
      const cursor = Math.max(-1, ...commits.filter((c) => c <= now));
      const arriving = previousCursor !== undefined && cursor !== previousCursor;
      previousCursor = cursor;
      if (cursor === seenCursor) continue;
      pendingSince ??= now - poll;
      if (syncs.length > 0 && now < syncs[syncs.length - 1] + cap) continue;
      if (settle && settleBeforeSync({ ...base, arriving, pendingSinceMs: pendingSince, nowMs: now }).action === 'hold') continue;
      syncs.push(now);
      seenCursor = Math.max(-1, ...commits.filter((c) => c <= now + 30_000));
      pendingSince = undefined;
    }
    const carriedAt = commits.map((c) => syncs.find((s) => c <= s + 30_000) as number);
    return { syncs, meanWaitS: commits.reduce((sum, c, i) => sum + (carriedAt[i] - c), 0) / commits.length / 1000 };
  }

  test('a burst under a cap: one sync after it ends carries all of it, instead of the rest waiting a whole interval', () => {
    const atOnce = playBurst(false);
    const settled = playBurst(true);
    expect(atOnce.syncs).toHaveLength(2);
    expect(atOnce.syncs[1] - atOnce.syncs[0]).toBeGreaterThanOrEqual(cap);
    expect(settled.syncs).toHaveLength(1);
    // The burst's last commit (126 s) is seen at 150 s; the look at 180 s finds nothing new.
    expect(settled.syncs[0]).toBe(180_000);
    expect(settled.meanWaitS).toBeLessThan(atOnce.meanWaitS / 4);
  });

  test('sourceMoved: max(cursor), storage and columns count; the late change counters only for a table without a cursor', () => {
    const table = { schema: 'public', table: 'orders', cursorWatermark: '2026-01-01 00:00:00', modificationCount: '10', storageId: '1', columnHash: 'a' };
    expect(sourceMoved(undefined, [table])).toBe(false);
    expect(sourceMoved([table], [table])).toBe(false);
    expect(sourceMoved([table], [{ ...table, cursorWatermark: '2026-01-01 00:00:01' }])).toBe(true);
    expect(sourceMoved([table], [{ ...table, storageId: '2' }])).toBe(true);
    expect(sourceMoved([table], [{ ...table, columnHash: 'b' }])).toBe(true);
    // Published up to 10 s after the commit: with a cursor they would show a quiet table as busy.
    expect(sourceMoved([table], [{ ...table, modificationCount: '11' }])).toBe(false);
    const noCursor = { ...table, cursorWatermark: null };
    expect(sourceMoved([noCursor], [{ ...noCursor, modificationCount: '11' }])).toBe(true);
    expect(sourceMoved([table], [table, { ...table, table: 'other' }])).toBe(true);
  });
});

test('a connection Airbyte does not report active never syncs; one whose status was not read is left to POST /jobs', () => {
  expect(connectionBlocked('active')).toBe(false);
  expect(connectionBlocked(undefined)).toBe(false);
  expect(connectionBlocked('inactive')).toBe(true);
  expect(connectionBlocked('deprecated')).toBe(true);
});
