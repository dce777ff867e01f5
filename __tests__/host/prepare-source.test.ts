// cdc-prepare-source, the host side of `scripts/stack.sh deploy`'s "prepare the source" step: the
// wrapper the user-data installs, run end to end in the sandbox (release installer, then
// prepare-source.js under the real node) against the aws stub, with a stand-in orchestrator bundle
// that records the environment the real `prepare-source` would get (INTERFACES.md contract).
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseConnectionString } from 'pg-connection-string';
import { Sandbox } from './sandbox';
import { CLIENT_SECRET, DB_PASSWORD, hostSandbox, releaseFiles, sha256, testProps, writeScript } from './fixtures';

const props = testProps();
const MASTER_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-4e5f-6789-abcd-ef0123456789-AbCdEf';
const ADMIN_PASSWORD = 'adm1n:p@ss/w%rd"$';
const SEED = 'CREATE TABLE IF NOT EXISTS public.customers (id bigint PRIMARY KEY, updated_at timestamptz);\n';
const SEED_URL = 's3://cdc-dev-assets/orchestrator/0123456789abcdef/dev.sql';

/** Stands in for `node orchestrator.js prepare-source`: records what it was given, answers like the tool. */
const FAKE_BUNDLE = `'use strict';
const fs = require('fs');
const seen = { argv: process.argv.slice(2) };
for (const k of ['SOURCE_ADMIN_DATABASE_URL', 'SOURCE_DATABASE_URL', 'SOURCE_TABLES', 'SOURCE_REPLICATION_PASSWORD',
  'AIRBYTE_DATABASE_USER', 'CDC_ENVIRONMENT', 'REPLICATION_SLOT', 'PUBLICATION', 'SOURCE_SEED_SQL_FILE', 'NODE_EXTRA_CA_CERTS',
  'AWS_REGION', 'PREPARATION_PARAMETER']) seen[k] = process.env[k];
if (process.env.SOURCE_SEED_SQL_FILE) seen.seed = fs.readFileSync(process.env.SOURCE_SEED_SQL_FILE, 'utf8');
fs.writeFileSync(process.env.SANDBOX + '/prepare-seen.json', JSON.stringify(seen));
const code = Number(process.env.FAKE_PREPARE_EXIT || 0);
process.stdout.write(JSON.stringify({ ready: code === 0 }) + '\\n');
if (code === 2) process.stderr.write('{"level":"error","msg":"watched tables missing: public.orders"}\\n');
process.exit(code);
`;

interface Plan { environment: string; tables: string; replicationSlot: string; publication: string; databaseSecretArn: string; adminSecretArn: string; seed: string }

describe('cdc-prepare-source on the host', () => {
  let sandbox: Sandbox;
  let wrapper: string;

  const plan = (overrides: Partial<Plan> = {}): void => {
    sandbox.putParameter(props.preparationParameter, JSON.stringify({
      environment: 'pr-7', tables: 'public.customers,public.orders', replicationSlot: 'airbyte_pr_7_slot',
      publication: 'airbyte_pr_7_publication', databaseSecretArn: props.databaseSecretArn, adminSecretArn: MASTER_SECRET,
      seed: `${sha256(SEED)} ${SEED_URL}`, ...overrides,
    }));
  };
  const prepare = (args: string[] = [], env: Record<string, string> = {}) =>
    sandbox.run(wrapper, args, { REAL_NODE: process.execPath, ...env });
  const seen = () => JSON.parse(sandbox.read('prepare-seen.json'));

  beforeAll(() => {
    sandbox = hostSandbox();
    sandbox.publishRelease(props.releaseParameter, releaseFiles(FAKE_BUNDLE));
    expect(sandbox.run(writeScript(sandbox)).status).toBe(0);
    wrapper = path.join(sandbox.root, 'usr/local/bin/cdc-prepare-source');
  });
  afterAll(() => sandbox.cleanup());
  beforeEach(() => {
    fs.rmSync(path.join(sandbox.dir, 'prepare-seen.json'), { force: true });
    sandbox.write(sandbox.secretPath(props.databaseSecretArn), JSON.stringify({
      username: 'airbyte', password: DB_PASSWORD, host: 'cdc-pr-7-source.abc123xyz.eu-west-1.rds.amazonaws.com', port: 5432, dbname: 'app',
    }));
    // The RDS-managed master secret holds only these two keys.
    sandbox.write(sandbox.secretPath(MASTER_SECRET), JSON.stringify({ username: 'cdc_admin', password: ADMIN_PASSWORD }));
    sandbox.putObject(SEED_URL, SEED);
    plan();
  });

  test('runs the bundle\'s prepare-source with the admin login, the replication login, the configured tables and the seed', () => {
    const run = prepare();
    // NODE_EXTRA_CA_CERTS names the host's path, which the sandbox does not have.
    expect(run.stderr.split('\n').filter((l) => l && !l.startsWith('Warning: Ignoring extra certs'))).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('{"ready":true}\n');
    const env = seen();
    expect(env.argv).toEqual(['prepare-source']);
    expect(parseConnectionString(env.SOURCE_ADMIN_DATABASE_URL)).toEqual(expect.objectContaining({
      user: 'cdc_admin', password: ADMIN_PASSWORD, host: 'cdc-pr-7-source.abc123xyz.eu-west-1.rds.amazonaws.com', port: '5432', database: 'app',
    }));
    expect(new URL(env.SOURCE_ADMIN_DATABASE_URL).searchParams.get('sslmode')).toBe('require');
    expect(parseConnectionString(env.SOURCE_DATABASE_URL)).toEqual(expect.objectContaining({ user: 'airbyte', password: DB_PASSWORD }));
    expect(env).toEqual(expect.objectContaining({
      SOURCE_TABLES: 'public.customers,public.orders',
      SOURCE_REPLICATION_PASSWORD: DB_PASSWORD,
      AIRBYTE_DATABASE_USER: 'airbyte',
      CDC_ENVIRONMENT: 'pr-7',
      REPLICATION_SLOT: 'airbyte_pr_7_slot',
      PUBLICATION: 'airbyte_pr_7_publication',
      NODE_EXTRA_CA_CERTS: '/opt/cdc-orchestrator/rds-ca.pem',
      AWS_REGION: 'eu-west-1',
      seed: SEED,
    }));
    expect(env.PREPARATION_PARAMETER).toBeUndefined();
    // The seed file is gone afterwards.
    expect(fs.existsSync(env.SOURCE_SEED_SQL_FILE)).toBe(false);
    for (const text of [run.stdout, run.stderr, run.calls.join('\n'), run.log]) {
      for (const secret of [DB_PASSWORD, ADMIN_PASSWORD, CLIENT_SECRET]) expect(text).not.toContain(secret);
    }
  });

  test('exit 2 (needs a person) and the tool\'s message come back unchanged; arguments pass through', () => {
    const run = prepare(['--recreate-lost-slot'], { FAKE_PREPARE_EXIT: '2' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('{"ready":false}\n');
    expect(run.stderr).toContain('watched tables missing: public.orders');
    expect(seen().argv).toEqual(['prepare-source', '--recreate-lost-slot']);
  });

  test('without a seed (dev, prod) no SQL file is passed', () => {
    plan({ seed: '' });
    expect(prepare().status).toBe(0);
    expect(seen().SOURCE_SEED_SQL_FILE).toBeUndefined();
  });

  test('a seed whose sha256 does not match is not run', () => {
    sandbox.putObject(SEED_URL, 'DROP TABLE public.customers;\n');
    const run = prepare();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`checksum mismatch for ${SEED_URL}: expected ${sha256(SEED)}`);
    expect(sandbox.exists('prepare-seen.json')).toBe(false);
  });

  test('an existing database without an admin secret stops with exit 2 and says what to set', () => {
    plan({ adminSecretArn: '' });
    const run = prepare();
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no admin login is known for the source database of pr-7: set database.adminSecretArn');
    expect(run.stderr).toContain('--skip-prepare-source');
    expect(sandbox.exists('prepare-seen.json')).toBe(false);
  });

  test('a master secret that cannot be read fails (exit 1) without quoting any value', () => {
    sandbox.write(sandbox.secretPath(MASTER_SECRET), `password=${ADMIN_PASSWORD}`);
    const run = prepare();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`secret ${MASTER_SECRET} could not be read as JSON`);
    expect(run.stderr).not.toContain(ADMIN_PASSWORD);
  });

  test('the newest release is installed before preparing (the aws deploy may just have published it)', () => {
    const next = FAKE_BUNDLE.replace("'use strict';", "'use strict'; // v2");
    sandbox.publishRelease(props.releaseParameter, releaseFiles(next));
    expect(prepare().status).toBe(0);
    expect(sandbox.read('root/opt/cdc-orchestrator/orchestrator.js')).toBe(next);
  });
});
