'use strict';
// Host side of `scripts/stack.sh deploy`'s "prepare the source" step, run as root through SSM Run
// Command (cdc-prepare-source): the host is the one machine that reaches the private database.
// It reads what to prepare from the environment's source-preparation parameter (written by the
// <env>-aws stack, so it exists before any Airbyte connection does), the admin login from the
// RDS-managed master secret and the replication login from its secret, and runs the
// orchestrator's `prepare-source` beside this file with the environment contract of
// INTERFACES.md. Its exit status is prepare-source's: 0 ready, 2 needs a person, 1 failure.
// Secrets travel only in the child's environment, never on a command line or in output.
const { execFileSync, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const env = process.env;
let work;
const fail = (code, message) => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
  process.stderr.write(`cdc-prepare-source: ${message}\n`);
  process.exit(code);
};
const aws = (args) => execFileSync('aws', [...args, '--output', 'text'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).replace(/\n$/, '');
const secret = (arn, keys) => {
  let value;
  // JSON.parse errors quote their input: they must not escape with a secret in them.
  try { value = JSON.parse(aws(['secretsmanager', 'get-secret-value', '--secret-id', arn, '--query', 'SecretString'])); }
  catch (e) { fail(1, `secret ${arn} could not be read as JSON${e.status ? ' (aws exited ' + e.status + ')' : ''}`); }
  for (const k of keys) if (value[k] === undefined || value[k] === '') fail(1, `secret ${arn} has no "${k}"`);
  return value;
};

if (!env.PREPARATION_PARAMETER) fail(1, 'PREPARATION_PARAMETER is not set: run this through /usr/local/bin/cdc-prepare-source');
let plan;
try { plan = JSON.parse(aws(['ssm', 'get-parameter', '--name', env.PREPARATION_PARAMETER, '--query', 'Parameter.Value'])); }
catch (e) { fail(1, `cannot read ${env.PREPARATION_PARAMETER} (is the <env>-aws stack applied?)`); }
if (!plan.adminSecretArn) {
  fail(2, `no admin login is known for the source database of ${plan.environment}: set database.adminSecretArn in its config, ` +
    'or prepare the source by hand (README, "Preparing the source") and rerun scripts/stack.sh deploy with --skip-prepare-source');
}
const admin = secret(plan.adminSecretArn, ['username', 'password']);
const db = secret(plan.databaseSecretArn, ['username', 'password', 'host', 'port', 'dbname']);
if (!/^[A-Za-z0-9.-]+$/.test(db.host) || !/^\d+$/.test(String(db.port))) fail(1, 'database secret: bad host or port');
const e = encodeURIComponent;
const url = (user, password) => `postgresql://${e(user)}:${e(password)}@${db.host}:${db.port}/${e(db.dbname)}?sslmode=require`;

const child = {
  ...env,
  SOURCE_ADMIN_DATABASE_URL: url(admin.username, admin.password),
  SOURCE_DATABASE_URL: url(db.username, db.password),
  SOURCE_TABLES: plan.tables,
  SOURCE_REPLICATION_PASSWORD: db.password,
  AIRBYTE_DATABASE_USER: db.username,
  CDC_ENVIRONMENT: plan.environment,
  REPLICATION_SLOT: plan.replicationSlot,
  PUBLICATION: plan.publication,
};
delete child.PREPARATION_PARAMETER;

work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-prepare-'));
try {
  // Only ephemeral environments carry a seed: "<sha256> s3://bucket/key".
  if (plan.seed) {
    const [sha, source] = plan.seed.split(' ');
    const file = path.join(work, 'seed.sql');
    aws(['s3', 'cp', '--only-show-errors', source, file]);
    const got = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (got !== sha) fail(1, `checksum mismatch for ${source}: expected ${sha}, got ${got}; refusing to run it`);
    child.SOURCE_SEED_SQL_FILE = file;
  }
  const run = spawnSync(process.execPath, [path.join(__dirname, 'orchestrator.js'), 'prepare-source', ...process.argv.slice(2)],
    { env: child, stdio: 'inherit' });
  process.exitCode = run.status === null ? 1 : run.status;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
