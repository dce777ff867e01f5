'use strict';
// ExecStartPre of the orchestrator: reads its secrets and config at every start (so a rotated secret
// applies on restart) into its private runtime directory; the unit itself holds only their names.
const { execFileSync } = require('child_process');
const fs = require('fs');
const env = process.env;
const dir = env.RUNTIME_DIRECTORY;
if (!dir) throw new Error('RUNTIME_DIRECTORY is not set: run this from the systemd unit');
const aws = (args) => execFileSync('aws', [...args, '--output', 'text'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).replace(/\n$/, '');
const secret = (arn, keys) => {
  let value;
  // JSON.parse errors quote the input, so they must not escape with a secret in them.
  try { value = JSON.parse(aws(['secretsmanager', 'get-secret-value', '--secret-id', arn, '--query', 'SecretString'])); }
  catch (e) { throw new Error(`secret ${arn} could not be read as JSON${e.status ? ' (aws exited ' + e.status + ')' : ''}`); }
  for (const k of keys) if (value[k] === undefined || value[k] === '') throw new Error(`secret ${arn} has no "${k}"`);
  return value;
};
const db = secret(env.DATABASE_SECRET_ARN, ['username', 'password', 'host', 'port', 'dbname']);
const api = secret(env.AIRBYTE_CREDENTIALS_SECRET_ARN, ['client_id', 'client_secret']);
const config = aws(['ssm', 'get-parameter', '--name', env.ORCHESTRATOR_CONFIG_PARAMETER, '--with-decryption', '--query', 'Parameter.Value']);
if (!/^[A-Za-z0-9.-]+$/.test(db.host) || !/^\d+$/.test(String(db.port))) throw new Error('database secret: bad host or port');
const e = encodeURIComponent;
const vars = {
  SOURCE_DATABASE_URL: `postgresql://${e(db.username)}:${e(db.password)}@${db.host}:${db.port}/${e(db.dbname)}?sslmode=require`,
  AIRBYTE_CLIENT_ID: api.client_id,
  AIRBYTE_CLIENT_SECRET: api.client_secret,
  ORCHESTRATOR_CONFIG: `${dir}/config.json`,
};
// Optional: an operator stores a Slack-compatible webhook URL (plain string) in this secret;
// until then (no value yet) alerts only go to the log.
if (env.ALERT_WEBHOOK_SECRET_ARN) {
  let url = '';
  try { url = aws(['secretsmanager', 'get-secret-value', '--secret-id', env.ALERT_WEBHOOK_SECRET_ARN, '--query', 'SecretString']); }
  catch (e) { process.stderr.write(`alert webhook secret not readable (aws exited ${e.status}); alerts go to the log only\n`); }
  if (url && !/^https:\/\/\S+$/.test(url)) throw new Error('alert webhook secret: expected an https:// URL');
  if (url) vars.ALERT_WEBHOOK_URL = url;
}
const line = ([k, v]) => {
  if (/[\r\n]/.test(String(v))) throw new Error(`${k} contains a line break`);
  return `${k}="${String(v).replace(/[\\"`$]/g, '\\$&')}"\n`;
};
const write = (name, text) => {
  fs.writeFileSync(`${dir}/${name}.tmp`, text, { mode: 0o600 });
  fs.renameSync(`${dir}/${name}.tmp`, `${dir}/${name}`);
};
write('config.json', `${config}\n`);
write('orchestrator.env', Object.entries(vars).map(line).join(''));
