// The shipped artifact: dist/orchestrator.js copied alone into an empty directory and run with
// plain `node` (no node_modules), as the host runs it. Covers exit codes and kill -9 recovery.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AirbyteDouble } from '../../orchestrator/testing/airbyte-double';
import { freePort, usePostgresCluster } from '../support/postgres';
import { CONNECTION_ID, createWatchedTables, orchestratorEnv, query, waitFor, write } from '../support/orchestrator-fixtures';

const repoRoot = path.join(__dirname, '..', '..');
const cluster = usePostgresCluster();
let workDir: string;
let bundle: string;

beforeAll(() => {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.js'), '--orchestrator-only', '--quiet'], { cwd: repoRoot, stdio: 'inherit' });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchestrator-bundle-'));
  bundle = path.join(workDir, 'orchestrator.js');
  fs.copyFileSync(path.join(repoRoot, 'dist', 'orchestrator.js'), bundle);
}, 60_000);

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<Exit> } {
  // Only what a systemd unit would pass: no NODE_PATH, cwd without node_modules.
  const child = spawn(process.execPath, [bundle, ...args], { cwd: workDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function run(args: string[], env: Record<string, string>): Promise<Exit> {
  return start(args, env).done;
}

test('the bundle sits alone in an empty directory with no node_modules anywhere above it', () => {
  expect(fs.readdirSync(workDir)).toEqual(['orchestrator.js']);
  let dir = workDir;
  while (dir !== path.dirname(dir)) {
    expect(fs.existsSync(path.join(dir, 'node_modules'))).toBe(false);
    dir = path.dirname(dir);
  }
});

describe('bad configuration exits 2 with one message naming the variable', () => {
  const valid = {
    SOURCE_DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
    AIRBYTE_CLIENT_ID: 'id',
    AIRBYTE_CLIENT_SECRET: 'very-secret-value',
    AIRBYTE_CONNECTION_ID: CONNECTION_ID,
  };
  const cases: Array<[string, Record<string, string>, string]> = [
    ['missing SOURCE_DATABASE_URL', { ...valid, SOURCE_DATABASE_URL: '' }, 'SOURCE_DATABASE_URL'],
    ['malformed AIRBYTE_API_URL', { ...valid, AIRBYTE_API_URL: 'not a url' }, 'AIRBYTE_API_URL'],
    ['non-numeric POLL_INTERVAL_SECONDS', { ...valid, POLL_INTERVAL_SECONDS: 'soon' }, 'POLL_INTERVAL_SECONDS'],
    ['unreadable ORCHESTRATOR_CONFIG', { ...valid, ORCHESTRATOR_CONFIG: '/nonexistent/orchestrator.json' }, 'ORCHESTRATOR_CONFIG'],
    ['missing AIRBYTE_CLIENT_SECRET', { ...valid, AIRBYTE_CLIENT_SECRET: '' }, 'AIRBYTE_CLIENT_SECRET'],
  ];
  test.each(cases)('%s', async (_name, env, variable) => {
    const result = await run(['once'], env);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const log = JSON.parse(lines[0]);
    expect(log).toMatchObject({ level: 'error', variable });
    expect(log.msg).toContain(variable);
    expect(result.stderr).not.toContain('very-secret-value');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('an unknown command', async () => {
    const result = await run(['sync-everything'], valid);
    expect(result.code).toBe(2);
    // Not a terminal: one JSON line naming the command and where the usage is (cli.test.ts has the rest).
    expect(JSON.parse(result.stderr.trim())).toMatchObject({ level: 'error', msg: expect.stringContaining("unknown command 'sync-everything'") });
  });
});

describe('against PostgreSQL and the Airbyte double', () => {
  let double: AirbyteDouble;
  let databaseUrl: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    databaseUrl = await cluster.current.createDatabase('bundle');
    await createWatchedTables(databaseUrl);
    double = await AirbyteDouble.start({ connections: [{ connectionId: CONNECTION_ID, streams: [{ name: 'orders', namespace: 'public' }, { name: 'customers', namespace: 'public' }] }] });
    env = orchestratorEnv(databaseUrl, double);
  });

  afterEach(async () => {
    await double.close();
  });

  test('migrate, once, status run from the empty directory; once prints a one-line JSON summary', async () => {
    expect((await run(['migrate'], env)).code).toBe(0);
    const once = await run(['once'], env);
    expect(once.code).toBe(0);
    const lines = once.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ ok: true, connections: [{ connectionId: CONNECTION_ID, outcome: 'synced' }] });
    for (const line of once.stderr.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    const status = await run(['status', '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).tables).toHaveLength(2);
  });

  test('kill -9 while waiting on a job: the next once adopts that job, no duplicate is triggered', async () => {
    expect((await run(['once'], env)).code).toBe(0);
    double.setJobBehaviour({ durationMs: Infinity });
    await write(databaseUrl, "INSERT INTO public.orders (note, updated_at) VALUES ('in flight', '2100-01-01T00:00:00Z')");

    const victim = start(['once'], env);
    const jobId = await waitFor('the job to be recorded in flight', async () => {
      const rows = await query(databaseUrl, 'SELECT in_flight_job_id FROM airbyte_orchestrator.connection_state WHERE in_flight_job_id IS NOT NULL');
      return rows[0] ? Number(rows[0].in_flight_job_id) : undefined;
    });
    victim.child.kill('SIGKILL');
    const killed = await victim.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(double.createdJobIds()).toEqual([expect.any(Number), jobId]);
    const pending = await query(databaseUrl, "SELECT pending_job_id::int, pending_cursor_watermark FROM airbyte_orchestrator.sync_state WHERE table_name = 'orders'");
    expect(pending[0]).toEqual({ pending_job_id: jobId, pending_cursor_watermark: '2100-01-01 00:00:00+00' });

    // The job is still running when the orchestrator comes back; it must wait on it, not trigger.
    const restarted = start(['once'], env);
    await waitFor('the restarted orchestrator to poll the adopted job', () => double.requestsTo('GET', `/api/public/v1/jobs/${jobId}`).length > 1 || undefined);
    double.finishJob(jobId, 'succeeded');
    const result = await restarted.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).connections[0].jobs).toEqual([{ jobId, origin: 'adopted', status: 'succeeded' }]);
    expect(double.createdJobIds()).toHaveLength(2);
    const state = await query(databaseUrl, "SELECT cursor_watermark, pending_job_id FROM airbyte_orchestrator.sync_state WHERE table_name = 'orders'");
    expect(state[0]).toEqual({ cursor_watermark: '2100-01-01 00:00:00+00', pending_job_id: null });
  });

  test('Airbyte reinstalled while a job was in flight (kill -9, the server forgets its jobs and reuses ids): the next runs recover', async () => {
    expect((await run(['once'], env)).code).toBe(0);
    const [firstJob] = double.createdJobIds();
    double.setJobBehaviour({ durationMs: Infinity });
    await write(databaseUrl, "INSERT INTO public.orders (note, updated_at) VALUES ('in flight', '2100-01-01T00:00:00Z')");
    const victim = start(['once'], env);
    const lostJob = await waitFor('the job to be recorded in flight', async () => {
      const rows = await query(databaseUrl, 'SELECT in_flight_job_id FROM airbyte_orchestrator.connection_state WHERE in_flight_job_id IS NOT NULL');
      return rows[0] ? Number(rows[0].in_flight_job_id) : undefined;
    });
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');

    // Reinstalled without its database: job ids start again, so the next job gets the first id again.
    double.forgetJobs();
    double.setJobBehaviour({ durationMs: 30 });
    const polledBefore = double.requestsTo('GET', `/api/public/v1/jobs/${lostJob}`).length;
    const recovered = await run(['once'], env);
    expect(recovered.code).toBe(0);
    const summary = JSON.parse(recovered.stdout);
    expect(summary.connections[0].jobs).toEqual([
      { jobId: lostJob, origin: 'adopted', status: 'lost' },
      { jobId: firstJob, origin: 'triggered', status: 'succeeded', reason: 'new_rows' },
    ]);
    const logs = recovered.stderr.trim().split('\n').map((line) => JSON.parse(line));
    expect(logs.some((log) => log.level === 'warn' && log.msg === 'job released: Airbyte no longer knows it; the connection syncs again' && log.jobId === lostJob)).toBe(true);
    // 409 state-conflict on GET /jobs/{id}, then one look at the connection's jobs: no retry loop.
    expect(double.requestsTo('GET', `/api/public/v1/jobs/${lostJob}`).slice(polledBefore).map((r) => r.status)).toEqual([409]);
    const state = await query(databaseUrl, "SELECT cursor_watermark, pending_job_id FROM airbyte_orchestrator.sync_state WHERE table_name = 'orders'");
    expect(state[0]).toEqual({ cursor_watermark: '2100-01-01 00:00:00+00', pending_job_id: null });
    // Job history keeps the old and the new job 1000 apart.
    const history = await query(databaseUrl, 'SELECT job_id::int, status FROM airbyte_orchestrator.job_history ORDER BY history_id');
    expect(history).toEqual([
      { job_id: firstJob, status: 'succeeded' },
      { job_id: lostJob, status: 'lost' },
      { job_id: firstJob, status: 'succeeded' },
    ]);

    const quiet = await run(['once'], env);
    expect(quiet.code).toBe(0);
    expect(JSON.parse(quiet.stdout).connections[0].jobs).toEqual([]);
    expect(double.createdJobIds()).toHaveLength(3);
  });

  test('SIGTERM stops run cleanly (exit 0) and leaves the running job to be adopted', async () => {
    expect((await run(['once'], env)).code).toBe(0);
    double.setJobBehaviour({ durationMs: Infinity });
    await write(databaseUrl, "INSERT INTO public.orders (note) VALUES ('x')");
    const daemon = start(['run'], env);
    const jobId = await waitFor('a job in flight', async () => {
      const rows = await query(databaseUrl, 'SELECT in_flight_job_id FROM airbyte_orchestrator.connection_state WHERE in_flight_job_id IS NOT NULL');
      return rows[0] ? Number(rows[0].in_flight_job_id) : undefined;
    });
    daemon.child.kill('SIGTERM');
    const stopped = await daemon.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('daemon stopped');
    expect(double.jobStatus(jobId)).toBe('running');
  });

  test('Airbyte unreachable: retries with backoff, then exit 1', async () => {
    const closedPort = await freePort();
    const result = await run(['once'], { ...env, AIRBYTE_API_URL: `http://127.0.0.1:${closedPort}/api/public/v1`, HTTP_MAX_ATTEMPTS: '4' });
    expect(result.code).toBe(1);
    const logs = result.stderr.trim().split('\n').map((line) => JSON.parse(line));
    const retries = logs.filter((log) => log.msg === 'airbyte request failed; retrying');
    expect(retries.map((log) => log.attempt)).toEqual([1, 2, 3]);
    expect(logs.some((log) => log.level === 'error' && String(log.error).includes('after 4 attempts'))).toBe(true);
    expect(JSON.parse(result.stdout).connections[0].errors[0]).toContain('airbyte unavailable');
  });
});
