// Pure operations logic: alert transitions, WAL slot assessment, trigger reasons, health, and the
// new settings' validation.
import { ActiveAlert, FreshnessObservation, evaluateAlerts, nextUnreachableStreak } from '../../orchestrator/src/ops/alerts';
import { shareWithinTarget, stalenessSeries, worstStalenessAt } from '../../orchestrator/src/core/freshness';
import { CycleSummary, ConnectionResult } from '../../orchestrator/src/core/cycle';
import { classifyTrigger } from '../../orchestrator/src/core/decision';
import { assessHealth } from '../../orchestrator/src/ops/http-server';
import { ConfigurationError, loadSettings } from '../../orchestrator/src/settings';
import { escapeHtml, renderStatusPage, sparkline } from '../../orchestrator/src/ops/status-page';
import { buildStatusModel } from '../../orchestrator/src/ops/status-model';
import { SlotObservation, assessSlot, formatBytes } from '../../orchestrator/src/probe/wal-guard';
import { describeWebhook } from '../../orchestrator/src/ops/webhook';

const ID = '3f1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c11';
const now = new Date('2030-01-01T00:00:00Z');

function connection(over: Partial<ConnectionResult> = {}): ConnectionResult {
  return { connectionId: ID, outcome: 'unchanged', jobs: [], changedTables: [], errors: [], schemaRefreshed: false, schemaChangedTables: [], tablesWatched: 2, syncedChanges: [], ...over };
}
function cycle(over: Partial<CycleSummary> = {}, connections: ConnectionResult[] = [connection()]): CycleSummary {
  return { ok: true, airbyteUnavailable: false, interrupted: false, durationMs: 1, connections, ...over };
}
const slot = (over: Partial<SlotObservation> = {}): SlotObservation => ({ slotName: 's', observedAt: now, exists: true, active: false, walStatus: 'reserved', lagBytes: 10, retainedBytes: 10, ...over });
const wal = (observation: SlotObservation, threshold = 100) => ({ observation, assessment: assessSlot(observation, threshold), thresholdBytes: threshold });

/** Runs cycles through evaluateAlerts like the monitor does; returns the notifications per cycle. */
function run(cycles: CycleSummary[], unreachableCycles = 3): string[][] {
  let active: ReadonlyMap<string, ActiveAlert> = new Map();
  let streak = 0;
  return cycles.map((summary) => {
    streak = nextUnreachableStreak(streak, summary);
    const result = evaluateAlerts(summary, active, { unreachableCycles, unreachableStreak: streak, now });
    active = result.active;
    return result.notifications.map((n) => `${n.phase}:${n.kind}`);
  });
}

describe('alert transitions', () => {
  test('job failure: once when it starts (not on the retries), once when a job succeeds', () => {
    const failed = connection({ outcome: 'failed', jobs: [{ jobId: 1, origin: 'triggered', status: 'failed' }] });
    const ok = connection({ outcome: 'synced', jobs: [{ jobId: 3, origin: 'triggered', status: 'succeeded' }] });
    expect(run([cycle({}, [failed]), cycle({}, [failed]), cycle({ airbyteUnavailable: true }, [connection({ outcome: 'error' })]), cycle({}, [ok]), cycle()])).toEqual([
      ['started:job_failed'],
      [],
      [],
      ['cleared:job_failed'],
      [],
    ]);
  });

  test('schema change: started and cleared once, even when applied in the same cycle', () => {
    const applied = connection({ outcome: 'synced', schemaChangedTables: ['public.orders'], schemaApplied: true, jobs: [{ jobId: 1, origin: 'triggered', status: 'succeeded' }] });
    expect(run([cycle({}, [applied]), cycle()])).toEqual([['started:schema_change', 'cleared:schema_change'], []]);
    const refreshFailed = connection({ outcome: 'failed', schemaChangedTables: ['public.orders'] });
    const later = connection({ outcome: 'synced', schemaApplied: true, jobs: [{ jobId: 2, origin: 'triggered', status: 'succeeded' }] });
    expect(run([cycle({}, [refreshFailed]), cycle({}, [refreshFailed]), cycle({}, [later])])).toEqual([['started:schema_change'], [], ['cleared:schema_change']]);
  });

  test('schema change: a successful sync that did not apply the change does not clear it', () => {
    const notApplied = connection({ outcome: 'synced', schemaChangedTables: ['public.orders'], jobs: [{ jobId: 1, origin: 'triggered', status: 'succeeded' }] });
    const rowsOnly = connection({ outcome: 'synced', jobs: [{ jobId: 2, origin: 'triggered', status: 'succeeded' }] });
    const applied = connection({ outcome: 'synced', schemaApplied: true, jobs: [{ jobId: 3, origin: 'triggered', status: 'succeeded' }] });
    expect(run([cycle({}, [notApplied]), cycle({}, [rowsOnly]), cycle({}, [applied])])).toEqual([['started:schema_change'], [], ['cleared:schema_change']]);
  });

  test('schema review: announced with the link while pending, cleared when the review is done', () => {
    const url = 'http://localhost:8000/workspaces/w/connections/c/replication';
    const pending = connection({ outcome: 'error', schemaReview: { active: true, reason: 'breaking change', url } });
    const done = connection({ outcome: 'synced', schemaApplied: true, schemaReview: { active: false } });
    let active: ReadonlyMap<string, ActiveAlert> = new Map();
    const texts: string[] = [];
    for (const summary of [cycle({}, [pending]), cycle({}, [pending]), cycle({}, [done])]) {
      const result = evaluateAlerts(summary, active, { unreachableCycles: 3, unreachableStreak: 0, now });
      active = result.active;
      texts.push(...result.notifications.filter((n) => n.kind === 'schema_review').map((n) => `${n.phase}: ${n.text}`));
    }
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^started: .*needs a schema review in Airbyte: breaking change/);
    expect(texts[0]).toContain(url);
    expect(texts[1]).toMatch(/^cleared:/);
  });

  test('WAL lag, lost slot, missing slot', () => {
    expect(run([cycle({ wal: wal(slot({ lagBytes: 500 })) }), cycle({ wal: wal(slot({ lagBytes: 900 })) }), cycle({ wal: wal(slot({ lagBytes: 5 })) })])).toEqual([
      ['started:wal_lag'],
      [],
      ['cleared:wal_lag'],
    ]);
    expect(run([cycle({ wal: wal(slot({ walStatus: 'lost' })) }), cycle({ wal: wal(slot({ walStatus: 'lost' })) })])).toEqual([['started:slot_lost'], []]);
    // unreserved (sync now) and lost (recreate, reset) are different alerts.
    expect(run([cycle({ wal: wal(slot({ walStatus: 'unreserved', safeWalBytes: -1 })) }), cycle({ wal: wal(slot({ walStatus: 'lost' })) }), cycle({ wal: wal(slot()) })])).toEqual([
      ['started:slot_at_risk'],
      ['started:slot_lost', 'cleared:slot_at_risk'],
      ['cleared:slot_lost'],
    ]);
    // Retained WAL eating into safe_wal_size alerts (sync now) even when the confirmed lag is small.
    expect(run([cycle({ wal: wal(slot({ lagBytes: 5, retainedBytes: 900, safeWalBytes: 50 })) }), cycle({ wal: wal(slot({ lagBytes: 5, retainedBytes: 5, safeWalBytes: 5000 })) })])).toEqual([
      ['started:slot_at_risk'],
      ['cleared:slot_at_risk'],
    ]);
    const missing = slot({ exists: false, walStatus: null, lagBytes: null, active: null });
    expect(run([cycle({ wal: wal(missing) }), cycle({ wal: wal(missing) }), cycle({ wal: wal(slot()) })])).toEqual([['started:slot_missing'], [], ['cleared:slot_missing']]);
    // An unreadable slot (query failed) changes nothing.
    expect(run([cycle({ wal: wal(slot({ lagBytes: 500 })) }), cycle({ wal: { thresholdBytes: 100, error: 'boom' } })])).toEqual([['started:wal_lag'], []]);
  });

  test('Airbyte unreachable: after N consecutive cycles, once; cleared once', () => {
    const down = cycle({ airbyteUnavailable: true, ok: false }, [connection({ outcome: 'error' })]);
    expect(run([down, down, cycle(), down, down, down, down, cycle()], 3)).toEqual([[], [], [], [], [], ['started:airbyte_unreachable'], [], ['cleared:airbyte_unreachable']]);
  });

  test('an active alert loaded after a restart is not announced again', () => {
    const previous = new Map<string, ActiveAlert>([['wal_lag:s', { key: 'wal_lag:s', kind: 'wal_lag', message: 'm', since: now }]]);
    const again = evaluateAlerts(cycle({ wal: wal(slot({ lagBytes: 500 })) }), previous, { unreachableCycles: 3, unreachableStreak: 0, now });
    expect(again.notifications).toEqual([]);
    expect([...again.active.keys()]).toEqual(['wal_lag:s']);
  });
});

describe('freshness objective', () => {
  const objective = (seconds: number[], targetSeconds = 60): FreshnessObservation[] => [
    { connectionId: ID, name: 'app', targetSeconds, staleTables: seconds.map((value, i) => ({ table: `public.t${i}`, seconds: value })) },
  ];
  const tick = (freshness: FreshnessObservation[] | undefined) => ({ summary: cycle({}, []), freshness });

  test('alert: once when a table stays staler than the target, once when it clears', () => {
    let active: ReadonlyMap<string, ActiveAlert> = new Map();
    const notes: string[][] = [];
    const texts: string[] = [];
    for (const { summary, freshness } of [tick(objective([])), tick(objective([30])), tick(objective([61, 10])), tick(objective([90, 40])), tick(undefined), tick(objective([120])), tick(objective([])), tick(objective([]))]) {
      const result = evaluateAlerts(summary, active, { unreachableCycles: 3, unreachableStreak: 0, now, freshness });
      active = result.active;
      notes.push(result.notifications.map((n) => `${n.phase}:${n.kind}`));
      texts.push(...result.notifications.map((n) => n.text));
    }
    expect(notes).toEqual([[], [], ['started:freshness'], [], [], [], ['cleared:freshness'], []]);
    expect(texts[0]).toBe(':hourglass: Connection app (3f1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c11) is staler than its freshness target of 60 s: public.t0 (61 s) not synced yet. Check the status page for its job (long sync, failures, cost cap).');
    expect(texts[1]).toContain('within its freshness target of 60 s again');
  });

  test('a daemon tick in which no connection finished neither starts nor clears the unreachable alert', () => {
    expect(nextUnreachableStreak(2, cycle({ airbyteUnavailable: false }, []))).toBe(2);
    const previous = new Map<string, ActiveAlert>([['airbyte_unreachable', { key: 'airbyte_unreachable', kind: 'airbyte_unreachable', message: 'm', since: now }]]);
    expect(evaluateAlerts(cycle({}, []), previous, { unreachableCycles: 3, unreachableStreak: 5, now }).notifications).toEqual([]);
  });

  const t = (seconds: number) => Date.parse('2030-01-01T00:00:00Z') + seconds * 1000;
  const episodes = [
    { table: 'a', from: t(0), to: t(100) },
    { table: 'b', from: t(50), to: t(200) },
    { table: 'a', from: t(300) },
  ];

  test('worst staleness, share within target (union of late intervals), chart peaks', () => {
    expect(worstStalenessAt(episodes, t(99))).toBe(99);
    expect(worstStalenessAt(episodes, t(150))).toBe(100);
    expect(worstStalenessAt(episodes, t(250))).toBe(0);
    expect(worstStalenessAt(episodes, t(400))).toBe(100);
    // target 60 s over [0, 400]: late [60,100) ∪ [110,200) ∪ [360,400) = 40 + 90 + 40 = 170 s
    expect(shareWithinTarget(episodes, 60_000, t(0), t(400))).toBeCloseTo(1 - 170 / 400, 6);
    expect(shareWithinTarget([], 60_000, t(0), t(400))).toBe(1);
    expect(shareWithinTarget(episodes, 60_000, t(400), t(400))).toBeNull();
    const series = stalenessSeries(episodes, t(0), t(400), 4);
    expect(series.map((p) => p.at)).toEqual([...series.map((p) => p.at)].sort((x, y) => x - y));
    expect(Math.max(...series.map((p) => p.seconds))).toBeCloseTo(150, 0); // b's peak just before t(200)
    expect(series.at(-1)).toEqual({ at: t(400), seconds: 100 });
  });

  test('status model and page carry the objective per connection', () => {
    const snapshot = {
      now: new Date(t(400)),
      tables: [{ connectionId: ID, schema: 'public', table: 'orders', lastChangeSeenAt: new Date(t(390)), unsyncedSince: new Date(t(300)), lastSyncedAt: new Date(t(200)), lastError: null }],
      jobs: [],
      workspaces: new Map(),
      slots: [],
      alerts: [],
      episodes: [{ connectionId: ID, schema: 'public', table: 'orders', unsyncedSince: new Date(t(0)), syncedAt: new Date(t(100)) }],
      firstJobAt: new Map([[ID, new Date(t(0))]]),
    };
    const model = buildStatusModel(snapshot, { airbyteUiUrl: 'http://localhost:8000', connections: [{ connectionId: ID, name: 'app', freshnessTargetMs: 60_000 }] });
    const freshness = model.connections[0].freshness;
    expect(freshness).toMatchObject({ targetSeconds: 60, worstStalenessSeconds: 100, withinTarget: false, windowStart: new Date(t(0)).toISOString() });
    expect(freshness.shareWithinTarget24h).toBeCloseTo(1 - (40 + 40) / 400, 6);
    expect(freshness.chart.length).toBeGreaterThan(10);
    const html = renderStatusPage(model);
    expect(html).toContain('data-freshness-target="60"');
    expect(html).toContain('<span class="share">80.0%</span>');
    expect(html).toMatch(/<svg class="spark staleness"[^>]*>.*<line class="target"/);
  });
});

describe('WAL guard assessment', () => {
  test.each([
    [slot({ lagBytes: 101 }), { syncForLag: true, lagOverThreshold: true, slotAtRisk: false, slotLost: false, slotMissing: false }],
    [slot({ lagBytes: 100 }), { syncForLag: false, lagOverThreshold: false, slotAtRisk: false, slotLost: false, slotMissing: false }],
    // unreserved: can still recover if Airbyte consumes now, so a sync is forced.
    [slot({ lagBytes: 5, walStatus: 'unreserved', safeWalBytes: -10 }), { syncForLag: true, lagOverThreshold: false, slotAtRisk: true, slotLost: false, slotMissing: false }],
    // lost: syncing cannot help (recreate + reset), so none is forced.
    [slot({ lagBytes: 500, walStatus: 'lost' }), { syncForLag: false, lagOverThreshold: true, slotAtRisk: false, slotLost: true, slotMissing: false }],
    // The lag from confirmed_flush_lsn looks small while restart_lsn (a long transaction) retains
    // WAL and safe_wal_size shrinks under the threshold: at risk, sync now.
    [slot({ lagBytes: 5, retainedBytes: 900, safeWalBytes: 60 }), { syncForLag: true, lagOverThreshold: false, slotAtRisk: true, slotLost: false, slotMissing: false }],
    // A small max_slot_wal_keep_size alone (fresh slot, little retained) is not a risk.
    [slot({ lagBytes: 5, retainedBytes: 10, safeWalBytes: 60 }), { syncForLag: false, lagOverThreshold: false, slotAtRisk: false, slotLost: false, slotMissing: false }],
    [slot({ lagBytes: 5, retainedBytes: 50, safeWalBytes: 1000 }), { syncForLag: false, lagOverThreshold: false, slotAtRisk: false, slotLost: false, slotMissing: false }],
    [slot({ exists: false, lagBytes: null }), { syncForLag: false, lagOverThreshold: false, slotAtRisk: false, slotLost: false, slotMissing: true }],
  ])('%o', (observation, expected) => {
    expect(assessSlot(observation, 100)).toEqual(expected);
  });
  test('formatBytes', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '1 GiB']);
  });
});

test('trigger reasons', () => {
  const change = (reasons: string[]) => ({ schema: 'public', table: 't', reasons: reasons as never });
  expect(classifyTrigger({ changes: [change(['never-synced'])], refreshSchema: false, walLag: false, previousJobFailed: false })).toBe('initial');
  expect(classifyTrigger({ changes: [change(['cursor-moved'])], refreshSchema: false, walLag: true, previousJobFailed: false })).toBe('new_rows');
  expect(classifyTrigger({ changes: [change(['cursor-moved'])], refreshSchema: false, walLag: false, previousJobFailed: true })).toBe('retry');
  expect(classifyTrigger({ changes: [change(['columns-changed'])], refreshSchema: true, walLag: false, previousJobFailed: true })).toBe('schema_change');
  expect(classifyTrigger({ changes: [], refreshSchema: false, walLag: true, previousJobFailed: false })).toBe('wal_lag');
});

test('health: 3 poll intervals, state database', () => {
  const base = { startedAt: 0, pollIntervalMs: 1000, stateDatabase: { ok: true as const } };
  expect(assessHealth({ ...base, now: 2500, lastActivityAt: 0 }).ok).toBe(true);
  expect(assessHealth({ ...base, now: 3500, lastActivityAt: 0 })).toEqual({ ok: false, reason: 'the last cycle finished 3.5 s ago (limit: 3 poll intervals = 3.0 s)' });
  expect(assessHealth({ ...base, now: 3500, lastActivityAt: undefined }).reason).toContain('no cycle has finished since the start');
  expect(assessHealth({ ...base, now: 10, lastActivityAt: 5, stateDatabase: { ok: false, error: 'ECONNREFUSED' } })).toEqual({ ok: false, reason: 'state database does not answer: ECONNREFUSED' });
});

test('status page helpers escape and mark failed jobs', () => {
  expect(escapeHtml('<a href="x">&\'')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  const job = (jobId: number, status: string, durationSeconds: number) => ({ jobId, status, failed: status === 'failed', origin: 'triggered', triggerReason: null, requestedAt: '', endedAt: '', durationSeconds, error: null, url: null });
  const svg = sparkline([job(1, 'succeeded', 10), job(2, 'failed', 20)]);
  expect(svg.match(/<circle/g)).toHaveLength(2);
  expect(svg.match(/dot-failed/g)).toHaveLength(1);
  expect(describeWebhook('https://hooks.slack.com/services/T1/B2/secret')).toBe('https://hooks.slack.com/…');
});

describe('settings for operations', () => {
  const base = { SOURCE_DATABASE_URL: 'postgres://app:pw@db.internal:5432/app', AIRBYTE_CLIENT_ID: 'id', AIRBYTE_CLIENT_SECRET: 'secret', AIRBYTE_CONNECTION_ID: ID };
  const error = (env: Record<string, string>): ConfigurationError => {
    try {
      loadSettings(env);
    } catch (e) {
      if (e instanceof ConfigurationError) return e;
      throw e;
    }
    throw new Error('expected a ConfigurationError');
  };
  test('defaults', () => {
    const settings = loadSettings(base);
    expect(settings).toMatchObject({ walLagAlertBytes: 1024 ** 3, http: { host: '127.0.0.1', port: 8089 }, airbyteUiUrl: 'http://localhost:8000', alertUnreachableCycles: 3 });
    expect(settings.source).toEqual({
      replicationSlot: undefined,
      publication: undefined,
      airbyteUser: 'app',
      adminDatabaseUrl: base.SOURCE_DATABASE_URL,
      tables: undefined,
      replicationPassword: undefined,
      seedSqlFile: undefined,
      heartbeatActionQuery: undefined,
      lockTimeoutMs: 5000,
      statementTimeoutMs: 120_000,
    });
    // prepare-source's own inputs (INTERFACES: SOURCE_TABLES, SOURCE_REPLICATION_PASSWORD, SOURCE_SEED_SQL_FILE).
    expect(
      loadSettings({ ...base, SOURCE_TABLES: ' public.orders, sales.Line.Items ,public.orders', SOURCE_REPLICATION_PASSWORD: ' keeps spaces ', SOURCE_SEED_SQL_FILE: '/seed.sql' }).source,
    ).toMatchObject({ tables: [{ schema: 'public', table: 'orders' }, { schema: 'sales', table: 'Line.Items' }], replicationPassword: ' keeps spaces ', seedSqlFile: '/seed.sql' });
    // Without Airbyte (SOURCE_TABLES): no Airbyte credentials, and the admin URL stands in for SOURCE_DATABASE_URL.
    const sourceOnly = { SOURCE_ADMIN_DATABASE_URL: 'postgres://master:pw@db.internal:5432/app', SOURCE_TABLES: 'public.orders' };
    expect(loadSettings(sourceOnly, undefined, { requireAirbyte: false, adminUrlAsSource: true }).sourceDatabaseUrl).toBe(sourceOnly.SOURCE_ADMIN_DATABASE_URL);
    expect(() => loadSettings(sourceOnly, undefined, { requireAirbyte: false })).toThrow(/SOURCE_DATABASE_URL: is required/);
    expect(loadSettings({ ...base, CDC_ENVIRONMENT: 'pr-12' }).source).toMatchObject({ replicationSlot: 'airbyte_pr_12_slot', publication: 'airbyte_pr_12_publication' });
    expect(loadSettings({ ...base, WAL_LAG_ALERT_BYTES: '512MiB', ORCHESTRATOR_HTTP_ADDR: 'off' })).toMatchObject({ walLagAlertBytes: 512 * 1024 ** 2, http: null });
    expect(loadSettings({ ...base, ORCHESTRATOR_HTTP_ADDR: '0.0.0.0:9000', ORCHESTRATOR_HTTP_ALLOW_REMOTE: 'true' }).http).toEqual({ host: '0.0.0.0', port: 9000 });
  });
  test.each([
    [{ REPLICATION_SLOT: 'rds_x' }, 'REPLICATION_SLOT', /reserved by RDS/],
    [{ REPLICATION_SLOT: 'Bad-Slot' }, 'REPLICATION_SLOT', /lowercase/],
    [{ WAL_LAG_ALERT_BYTES: 'lots' }, 'WAL_LAG_ALERT_BYTES', /bytes/],
    [{ ORCHESTRATOR_HTTP_ADDR: '0.0.0.0:8089' }, 'ORCHESTRATOR_HTTP_ADDR', /not a loopback address.*ORCHESTRATOR_HTTP_ALLOW_REMOTE/],
    [{ ORCHESTRATOR_HTTP_ADDR: '8089' }, 'ORCHESTRATOR_HTTP_ADDR', /host:port/],
    [{ ALERT_WEBHOOK_URL: 'not a url' }, 'ALERT_WEBHOOK_URL', /valid URL/],
    [{ ALERT_UNREACHABLE_CYCLES: '0' }, 'ALERT_UNREACHABLE_CYCLES', /whole number/],
    [{ CDC_ENVIRONMENT: 'a b' }, 'CDC_ENVIRONMENT', /environment name/],
    // The app's own rule (config/naming.ts): no stack is ever named with capitals.
    [{ CDC_ENVIRONMENT: 'Dev' }, 'CDC_ENVIRONMENT', /environment name/],
    [{ SOURCE_TABLES: 'public.orders,orders' }, 'SOURCE_TABLES', /schema\.table.*got "orders"/],
    [{ SOURCE_TABLES: 'public.' }, 'SOURCE_TABLES', /schema\.table/],
    [{ SOURCE_LOCK_TIMEOUT_SECONDS: '0' }, 'SOURCE_LOCK_TIMEOUT_SECONDS', /positive number of seconds/],
  ])('%o → error naming %s', (override, variable, message) => {
    const e = error({ ...base, ...override });
    expect(e.variable).toBe(variable);
    expect(e.message).toMatch(message);
  });
});

describe('status page: schema behaviour and pending review', () => {
  const snapshot = (info: { schemaUpdatesBehavior: string | null; schemaReview: string | null }) => ({
    now,
    tables: [],
    jobs: [],
    workspaces: new Map([[ID, 'ws-1']]),
    connectionInfo: new Map([[ID, info]]),
    slots: [],
    alerts: [],
  });
  test('ignore / disable_connection are flagged; a pending review links to the schema page', () => {
    const model = buildStatusModel(snapshot({ schemaUpdatesBehavior: 'ignore', schemaReview: 'breaking change' }), { airbyteUiUrl: 'http://localhost:8000', connections: [{ connectionId: ID }] });
    expect(model.connections[0]).toMatchObject({
      schemaUpdatesBehavior: 'ignore',
      schemaUpdatesWarning: expect.stringContaining('will not reach BigQuery'),
      schemaReview: { reason: 'breaking change', url: `http://localhost:8000/workspaces/ws-1/connections/${ID}/replication` },
    });
    const html = renderStatusPage(model);
    expect(html).toContain('data-schema-updates="ignore"');
    expect(html).toContain(`href="http://localhost:8000/workspaces/ws-1/connections/${ID}/replication"`);
    expect(html).toContain('Needs a schema review in Airbyte: breaking change');
  });
  test('propagate_columns: no flag, no review', () => {
    const model = buildStatusModel(snapshot({ schemaUpdatesBehavior: 'propagate_columns', schemaReview: null }), { airbyteUiUrl: 'http://localhost:8000', connections: [{ connectionId: ID }] });
    expect(model.connections[0]).toMatchObject({ schemaUpdatesWarning: null, schemaReview: null });
    expect(renderStatusPage(model)).not.toContain('data-schema-updates');
  });
});
