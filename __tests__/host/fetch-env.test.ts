// The unit's ExecStartPre (fetch-env.js, written by user-data) run with the real node against the
// aws stub, with exactly the environment the unit gives it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseConnectionString } from 'pg-connection-string';
import { Sandbox } from './sandbox';
import { CLIENT_ID, CLIENT_SECRET, DB_PASSWORD, hostSandbox, testProps, writeScript } from './fixtures';

const props = testProps();
const CONFIG = '{"connections":[{"id":"c0ffee00-0000-4000-8000-000000000001"}]}';
const WEBHOOK_URL = 'https://hooks.slack.example/services/T000/B000/webhook-token-123';

/** `Environment="A=1" "B=2"` lines of a unit file (values here hold no quotes or escapes). */
function unitEnvironment(unit: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of unit.split('\n').filter((l) => l.startsWith('Environment='))) {
    for (const m of line.matchAll(/"([A-Z_]+)=([^"]*)"/g)) env[m[1]] = m[2];
  }
  return env;
}

/** Reads an EnvironmentFile the way systemd does for double-quoted values. */
function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l.length > 0)) {
    const m = /^([A-Z_]+)="((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!m) throw new Error(`not a KEY="value" line: ${line.replace(/=.*/, '=…')}`);
    env[m[1]] = m[2].replace(/\\([\\"`$])/g, '$1');
  }
  return env;
}

describe('fetch-env.js (the orchestrator unit ExecStartPre)', () => {
  let sandbox: Sandbox;
  let runtime: string;
  let unitEnv: Record<string, string>;
  let script: string;

  beforeAll(() => {
    sandbox = hostSandbox();
    expect(sandbox.run(writeScript(sandbox)).status).toBe(0);
    script = path.join(sandbox.root, 'opt/cdc-orchestrator/fetch-env.js');
    unitEnv = unitEnvironment(sandbox.read('root/etc/systemd/system/cdc-orchestrator.service'));
    // Points at the host's path, and the sandbox's bundle is no real certificate.
    delete unitEnv.NODE_EXTRA_CA_CERTS;
  });
  afterAll(() => sandbox.cleanup());
  beforeEach(() => {
    runtime = fs.mkdtempSync(path.join(sandbox.dir, 'run-'));
    sandbox.write(sandbox.secretPath(props.databaseSecretArn), JSON.stringify({
      username: 'cdc_replicator', password: DB_PASSWORD, host: 'dev-source.abc123xyz.eu-west-1.rds.amazonaws.com', port: 5432, dbname: 'app',
    }));
    sandbox.write(sandbox.parameterPath(props.orchestratorConfigParameter), CONFIG);
    sandbox.write(sandbox.secretPath(props.alertWebhookSecretArn), WEBHOOK_URL);
  });

  function fetchEnv() {
    return spawnSync(process.execPath, [script], {
      env: { ...sandbox.env(), ...unitEnv, RUNTIME_DIRECTORY: runtime },
      encoding: 'utf8',
    });
  }

  test('the unit names the secrets and the parameter, not their values', () => {
    expect(unitEnv).toEqual(expect.objectContaining({
      DATABASE_SECRET_ARN: props.databaseSecretArn,
      AIRBYTE_CREDENTIALS_SECRET_ARN: props.airbyteCredentialsSecretArn,
      ORCHESTRATOR_CONFIG_PARAMETER: props.orchestratorConfigParameter,
      ALERT_WEBHOOK_SECRET_ARN: props.alertWebhookSecretArn,
      AIRBYTE_API_URL: 'http://localhost:8000/api/public/v1',
      AWS_REGION: 'eu-west-1',
    }));
  });

  test('writes the orchestrator environment and config, readable by the service user only', () => {
    const result = fetchEnv();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const envFile = path.join(runtime, 'orchestrator.env');
    expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(runtime, 'config.json')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(runtime, 'config.json'), 'utf8')).toBe(`${CONFIG}\n`);

    const env = parseEnvironmentFile(fs.readFileSync(envFile, 'utf8'));
    expect(Object.keys(env).sort()).toEqual(['AIRBYTE_CLIENT_ID', 'AIRBYTE_CLIENT_SECRET', 'ALERT_WEBHOOK_URL', 'ORCHESTRATOR_CONFIG', 'SOURCE_DATABASE_URL']);
    expect(env.ALERT_WEBHOOK_URL).toBe(WEBHOOK_URL);
    expect(env.AIRBYTE_CLIENT_ID).toBe(CLIENT_ID);
    expect(env.AIRBYTE_CLIENT_SECRET).toBe(CLIENT_SECRET);
    expect(env.ORCHESTRATOR_CONFIG).toBe(path.join(runtime, 'config.json'));
    // The consumer's own parser gets the password back intact, and TLS is required.
    const parsed = parseConnectionString(env.SOURCE_DATABASE_URL);
    expect(parsed).toEqual(expect.objectContaining({
      user: 'cdc_replicator', password: DB_PASSWORD, host: 'dev-source.abc123xyz.eu-west-1.rds.amazonaws.com', port: '5432', database: 'app',
    }));
    expect(new URL(env.SOURCE_DATABASE_URL).searchParams.get('sslmode')).toBe('require');
    expect(result.stdout).not.toContain(CLIENT_SECRET);
  });

  test('an alert webhook secret without a value yet: the service starts, alerts stay in the log', () => {
    fs.rmSync(path.join(sandbox.dir, sandbox.secretPath(props.alertWebhookSecretArn)));
    const result = fetchEnv();
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('alert webhook secret not readable (aws exited 254); alerts go to the log only');
    const env = parseEnvironmentFile(fs.readFileSync(path.join(runtime, 'orchestrator.env'), 'utf8'));
    expect(env).not.toHaveProperty('ALERT_WEBHOOK_URL');
  });

  test('an alert webhook that is not an https URL is refused without quoting it', () => {
    sandbox.write(sandbox.secretPath(props.alertWebhookSecretArn), 'http://hooks.example/plain-token-456');
    const result = fetchEnv();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('alert webhook secret: expected an https:// URL');
    expect(result.stderr).not.toContain('plain-token-456');
  });

  test('a secret without a required key fails and names the key, not the values', () => {
    sandbox.write(sandbox.secretPath(props.databaseSecretArn), JSON.stringify({ username: 'u', host: 'h', port: 5432, dbname: 'd' }));
    const result = fetchEnv();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`secret ${props.databaseSecretArn} has no "password"`);
    expect(fs.existsSync(path.join(runtime, 'orchestrator.env'))).toBe(false);
  });

  test('a secret that is not JSON fails without quoting it', () => {
    sandbox.write(sandbox.secretPath(props.databaseSecretArn), `password=${DB_PASSWORD}`);
    const result = fetchEnv();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('could not be read as JSON');
    expect(result.stderr).not.toContain(DB_PASSWORD);
  });

  test('a missing config parameter fails the start (the unit retries it)', () => {
    fs.rmSync(path.join(sandbox.dir, sandbox.parameterPath(props.orchestratorConfigParameter)));
    const result = fetchEnv();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('ParameterNotFound');
    expect(fs.existsSync(path.join(runtime, 'orchestrator.env'))).toBe(false);
  });
});
