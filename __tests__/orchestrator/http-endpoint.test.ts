// The daemon's HTTP endpoint against real PostgreSQL and the Airbyte double: the status page in a
// real headless Chromium (screenshot in test-artifacts/), /metrics as Prometheus text, /healthz
// flipping to 503 when cycles stop.
import * as fs from 'fs';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { Client } from 'pg';
import { chromium } from 'playwright-core';
import { main } from '../../orchestrator/src/app';
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';
import { usePostgresCluster } from '../support/postgres';
import { CONNECTION_ID, createWatchedTables, orchestratorEnv, query, waitFor, write } from '../support/orchestrator-fixtures';
import { startWebhookCapture } from '../support/webhook-capture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SLOT = 'airbyte_http_slot';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

const cluster = usePostgresCluster();

/** Minimal Prometheus text-format parser: comments, samples `name{l="v",…} value`; throws on anything else. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Array<{ name: string; labels: Record<string, string>; value: number }> } {
  const types = new Map<string, string>();
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sample = new RegExp(`^(${name})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*",?)*)\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)(?: -?\\d+)?$`);
  text.split('\n').forEach((line, index) => {
    if (line === '') return;
    if (line.startsWith('# HELP ')) return;
    const type = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type) return void types.set(type[1], type[2]);
    const match = sample.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not Prometheus text format: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[3].replace('+Inf', 'Infinity')) });
  });
  return { types, samples };
}

test('the Prometheus parser rejects malformed lines', () => {
  expect(() => parsePrometheus('metric{a="1" 3\n')).toThrow(/line 1/);
  expect(parsePrometheus('# TYPE x counter\nx{a="b"} 2\n').samples).toEqual([{ name: 'x', labels: { a: 'b' }, value: 2 }]);
});

test('status page (Chromium), /metrics and /healthz of a running daemon', async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (CI installs it via scripts/install-system-deps.sh), or set CHROMIUM_PATH`);
  }
  const databaseUrl = await cluster.current.createDatabase('http');
  await createWatchedTables(databaseUrl);
  await query(databaseUrl, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [SLOT]);
  const double = await AirbyteDouble.start({ connections: [{ connectionId: CONNECTION_ID, name: 'app', streams: [{ name: 'orders', namespace: 'public' }, { name: 'customers', namespace: 'public' }] }], job: { durationMs: 40 } });
  const webhook = await startWebhookCapture();
  const env = orchestratorEnv(databaseUrl, double, {
    REPLICATION_SLOT: SLOT,
    POLL_INTERVAL_SECONDS: '0.3',
    LOG_LEVEL: 'warn',
    AIRBYTE_UI_URL: 'http://localhost:8000',
    ALERT_WEBHOOK_URL: webhook.url,
    FRESHNESS_TARGET_SECONDS: '1.5',
  });
  const controller = new AbortController();
  let address: AddressInfo | undefined;
  let stderr = '';
  const running = main(['run'], { env, signal: controller.signal, stdout: () => undefined, stderr: (t) => (stderr += t), onHttpListening: (a) => (address = a) });
  const locker = new Client({ connectionString: databaseUrl });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const port = (await waitFor('the http endpoint', () => address)).port;
    const base = `http://127.0.0.1:${port}`;
    const jobs = async () => Number((await query<{ n: number }>(databaseUrl, 'SELECT count(*)::int AS n FROM airbyte_orchestrator.job_history WHERE ended_at IS NOT NULL'))[0]?.n ?? 0);
    await waitFor('the initial sync', async () => (await jobs()) >= 1);
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('second')");
    await waitFor('a second sync', async () => (await jobs()) >= 2);
    double.setJobBehaviour({ durationMs: 60, outcome: 'failed' });
    await write(databaseUrl, "INSERT INTO public.customers (note) VALUES ('fails')");
    await waitFor('a failed job', async () => (await query(databaseUrl, "SELECT 1 FROM airbyte_orchestrator.job_history WHERE status = 'failed'")).length > 0);

    // The failing table stays unsynced: past the 1.5 s objective its alert starts (once).
    await waitFor('the freshness alert', () => webhook.texts.some((text) => text.includes('staler than its freshness target of 2 s')) || undefined);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);

    // --- status page in Chromium
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    const tableNames = await page.locator('section.connection td code').allTextContents();
    expect(tableNames).toEqual(['public.customers', 'public.orders']);
    const badge = page.locator('section.connection [data-job-status]').first();
    // The daemon keeps retrying the failed sync; between a retry's start and end the last job is
    // "running", so reload until the page shows the failed one.
    await waitFor('the page to show the failed job', async () => {
      if ((await badge.getAttribute('data-job-status')) === 'failed') return true;
      await page.reload();
      return undefined;
    });
    expect(await badge.textContent()).toContain('FAILED');
    expect(await badge.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor)).toBe('rgb(198, 40, 40)');
    const link = await page.locator('section.connection a[href*="/job-history"]').first().getAttribute('href');
    expect(link).toMatch(/^http:\/\/localhost:8000\/workspaces\/[0-9a-f-]+\/connections\/3f1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c11\/job-history/);
    expect(await page.locator('svg.spark circle').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('svg.spark circle.dot-failed').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('text=airbyte_http_slot').count()).toBe(1);
    // The freshness objective: target, worst staleness now (over target: red), 24 h share, chart.
    const freshness = page.locator('section.connection p.freshness');
    expect(await freshness.getAttribute('data-freshness-target')).toBe('1.5');
    expect(await freshness.getAttribute('data-within-target')).toBe('false');
    expect(await freshness.textContent()).toMatch(/Freshness target: 2s · worst now: \d+s · within target \(last 24 h\): \d+\.\d%/);
    expect(await freshness.locator('.worst').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color)).toBe('rgb(180, 35, 24)');
    expect(await freshness.locator('svg.staleness polyline').count()).toBe(1);
    expect(await freshness.locator('svg.staleness line.target').count()).toBe(1);
    expect(await page.locator('.alert[data-alert="freshness"]').count()).toBe(1);
    expect(requests.every((url) => url.startsWith(base))).toBe(true); // nothing external
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-page.png'), fullPage: true });

    // status --json: the same model
    // Like the page, read it while no retry is in flight (a retry's own last job is "running").
    const model = await waitFor('status --json to show the failed job', async () => {
      let json = '';
      expect(await main(['status', '--json'], { env, stdout: (t) => (json += t), stderr: () => undefined })).toBe(0);
      const parsed = JSON.parse(json);
      return parsed.connections[0]?.lastJob?.status === 'running' ? undefined : parsed;
    });
    expect(model.connections[0]).toMatchObject({ connectionId: CONNECTION_ID, lastJob: expect.objectContaining({ failed: true, status: 'failed' }) });
    expect(model.connections[0].tables.map((t: { table: string }) => t.table)).toEqual(['customers', 'orders']);
    expect(model.slots[0]).toMatchObject({ slotName: SLOT, exists: true });
    expect(model.connections[0].freshness).toMatchObject({ targetSeconds: 1.5, withinTarget: false, windowStart: expect.any(String) });
    expect(model.connections[0].freshness.worstStalenessSeconds).toBeGreaterThan(1.5);
    expect(model.connections[0].freshness.shareWithinTarget24h).toBeGreaterThan(0);
    expect(model.connections[0].freshness.shareWithinTarget24h).toBeLessThan(1);
    expect(model.connections[0].freshness.chart.length).toBeGreaterThan(10);

    // --- /metrics
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    const parsed = parsePrometheus(text);
    const find = (name: string, labels: Record<string, string> = {}) => parsed.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(parsed.types.get('orchestrator_cycle_duration_seconds')).toBe('histogram');
    expect(find('orchestrator_cycle_duration_seconds_count')[0].value).toBeGreaterThanOrEqual(3);
    expect(find('orchestrator_tables_watched', { connection: CONNECTION_ID })[0].value).toBe(2);
    expect(find('orchestrator_changes_detected_total', { connection: CONNECTION_ID })[0].value).toBeGreaterThanOrEqual(4);
    expect(find('orchestrator_jobs_triggered_total', { reason: 'initial' })[0].value).toBe(1);
    expect(find('orchestrator_jobs_triggered_total', { reason: 'new_rows' })[0].value).toBeGreaterThanOrEqual(2);
    expect(find('orchestrator_job_outcomes_total', { status: 'failed' })[0].value).toBeGreaterThanOrEqual(1);
    // Every successful job the server ran, counted once: at least the initial sync and the second
    // one, plus any follow-up the daemon started before the test switched the server to failing
    // (a fresh-clone run counted 3; the test does not control that timing). Jobs created after
    // the switch all fail, so this count no longer moves.
    const succeeded = double.jobRecords(CONNECTION_ID).filter((job) => job.status === 'succeeded').length;
    expect(succeeded).toBeGreaterThanOrEqual(2);
    expect(find('orchestrator_job_outcomes_total', { status: 'succeeded' })[0].value).toBe(succeeded);
    expect(find('orchestrator_job_duration_seconds_count', { status: 'succeeded' })[0].value).toBe(succeeded);
    expect(find('orchestrator_table_staleness_seconds', { schema: 'public', table: 'customers' })[0].value).toBeGreaterThan(0);
    expect(find('orchestrator_table_staleness_seconds', { schema: 'public', table: 'orders' })[0].value).toBe(0);
    expect(find('orchestrator_replication_slot_lag_bytes', { slot: SLOT })).toHaveLength(1);
    expect(parsed.types.get('orchestrator_change_to_synced_seconds')).toBe('histogram');
    expect(find('orchestrator_change_to_synced_seconds_count', { connection: CONNECTION_ID })[0].value).toBeGreaterThanOrEqual(3);
    expect(find('orchestrator_worst_staleness_seconds', { connection: CONNECTION_ID })[0].value).toBeGreaterThan(1.5);
    expect(find('orchestrator_freshness_target_seconds', { connection: CONNECTION_ID })[0].value).toBe(1.5);
    expect(find('orchestrator_alerts_active', { kind: 'freshness' })[0].value).toBe(1);
    expect(text).not.toContain(double.clientSecret);

    // --- /healthz flips to 503 when cycles stop (each cycle starts by reading connection_state)
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE airbyte_orchestrator.connection_state IN ACCESS EXCLUSIVE MODE');
    const unhealthy = await waitFor('503 from /healthz', async () => {
      const r = await fetch(`${base}/healthz`);
      return r.status === 503 ? r.text() : undefined;
    });
    expect(unhealthy).toMatch(/last cycle finished [\d.]+ s ago \(limit: 3 poll intervals = 0.9 s\)/);
    await locker.query('ROLLBACK');
    await waitFor('200 again', async () => (await fetch(`${base}/healthz`)).status === 200);

    // Syncs succeed again: the freshness alert clears, once.
    double.setJobBehaviour({ durationMs: 40, outcome: 'succeeded' });
    await waitFor('the freshness alert to clear', () => webhook.texts.some((text) => text.includes('within its freshness target of 2 s again')) || undefined);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(webhook.texts.filter((text) => text.includes('freshness target'))).toHaveLength(2);
  } finally {
    await browser.close();
    await locker.end().catch(() => undefined);
    controller.abort();
    await running;
    await double.close();
    await webhook.close();
  }
  expect(stderr).not.toContain(double.clientSecret);
}, 60_000);
