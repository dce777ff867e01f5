import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Fn, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { Password } from '@cdktf/provider-random/lib/password';
import { Source } from '../../.gen/providers/airbyte/source';
import { Destination } from '../../.gen/providers/airbyte/destination';
import { AirbyteProvider } from '../../.gen/providers/airbyte/provider';
import { applyPolicyPack } from '../../constructs/policy';
import { Release } from '@cdktf/provider-helm/lib/release';
import { isSecretEntryName, isSecretKey } from '../../constructs/policy/helpers/secret-scan';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

const POSTGRES = 'decd338e-5647-4c0b-adf4-da0e75f5a750';
const BIGQUERY = '22f6c74f-5699-40ff-833c-4a879ea40133';

function problems(findings: ReturnType<typeof findingsOf>, resourcePath: string): string[] {
  return findingsOfRule(findings, 'CDC-SECRET-1').filter((f) => f.path === resourcePath).map((f) => f.problem);
}

describe('CDC-SECRET-1 no clear-text secrets', () => {
  it('accepts secrets passed as references: random_password, a secret data source, inside JSON and jsonencode', () => {
    const findings = findingsOf((stack) => {
      const password = new Password(stack, 'replication-password', { length: 32, special: false });
      const credentials = new DataAwsSecretsmanagerSecretVersion(stack, 'airbyte-credentials', { secretId: 'dev/airbyte/api' });
      new AirbyteProvider(stack, 'airbyte', {
        serverUrl: 'http://localhost:8000/api/public/v1',
        clientId: Fn.lookup(Fn.jsondecode(credentials.secretString), 'client_id'),
        clientSecret: Fn.lookup(Fn.jsondecode(credentials.secretString), 'client_secret'),
      });
      new Source(stack, 'source', {
        name: 'postgres', workspaceId: 'w', definitionId: POSTGRES,
        configuration: JSON.stringify({ host: 'db.internal', port: 5432, username: 'airbyte', password: password.result, ssl_mode: { mode: 'require' } }),
      });
      new Destination(stack, 'destination', {
        name: 'bigquery', workspaceId: 'w', definitionId: BIGQUERY,
        configuration: Fn.jsonencode({
          project_id: 'p', dataset_id: 'd', dataset_location: 'EU', credentials_json: credentials.secretString,
          loading_method: { method: 'GCS Staging', credential: { credential_type: 'HMAC_KEY', hmac_key_access_id: 'GOOG1EXAMPLE', hmac_key_secret: password.result } },
        }),
      });
      const secret = new SecretsmanagerSecret(stack, 'secret', { name: 'dev/replication', kmsKeyId: 'alias/dev' });
      new SecretsmanagerSecretVersion(stack, 'secret-value', {
        secretId: secret.id,
        secretString: Fn.jsonencode({ username: 'replicator', password: password.result }),
      });
      new Instance(stack, 'host', {
        ami: 'ami-1',
        // Shell text in user data is not parsed for key = value pairs (no false positive here).
        userData: `#!/bin/bash\nPASSWORD="$(aws secretsmanager get-secret-value --secret-id ${secret.id})"\n`,
      });
    });
    expect(findingsOfRule(findings, 'CDC-SECRET-1')).toEqual([]);
  });

  it('flags a literal password in connector configuration JSON, naming the attribute', () => {
    const findings = findingsOf((stack) => new Source(stack, 'source', {
      name: 'postgres', workspaceId: 'w',
      configuration: JSON.stringify({ host: 'db.internal', username: 'airbyte', password: 'hunter2hunter2' }),
    }));
    expect(pathsFlagged(findings, 'CDC-SECRET-1')).toEqual(['test/source']);
    expect(problems(findings, 'test/source')).toEqual(['clear-text secret at configuration.password: the value is a literal']);
  });

  it('flags literals inside Fn.jsonencode, nested objects included', () => {
    const findings = findingsOf((stack) => new Destination(stack, 'destination', {
      name: 'bigquery', workspaceId: 'w',
      configuration: Fn.jsonencode({
        project_id: 'p',
        credentials_json: 'key-material',
        loading_method: { method: 'GCS Staging', credential: { credential_type: 'HMAC_KEY', hmac_key_secret: 'abc123secret' } },
      }),
    }));
    expect(problems(findings, 'test/destination').sort()).toEqual([
      'clear-text secret at configuration.credentials_json: the value is a literal',
      'clear-text secret at configuration.loading_method.credential.hmac_key_secret: the value is a literal',
    ]);
  });

  it('still flags literals when cdktf renders a jsonencode it cannot quote (embedded JSON)', () => {
    // cdktf writes the inner quotes of '{"type":...}' unescaped, so the expression is not
    // readable as data; the key = "literal" scan inside expressions catches the secrets anyway.
    const findings = findingsOf((stack) => new Destination(stack, 'destination', {
      name: 'bigquery', workspaceId: 'w',
      configuration: Fn.jsonencode({ credentials_json: '{"type":"service_account"}', hmac_key_secret: 'abc123secret' }),
    }));
    expect(problems(findings, 'test/destination').sort()).toEqual([
      'clear-text secret at configuration.credentials_json: a literal inside an expression',
      'clear-text secret at configuration.hmac_key_secret: a literal inside an expression',
    ]);
  });

  it('flags a literal database password and a partly literal one', () => {
    const findings = findingsOf((stack) => {
      const password = new Password(stack, 'password', { length: 20 });
      new DbInstance(stack, 'literal', { instanceClass: 'db.t4g.micro', password: 'changeme-please' });
      new DbInstance(stack, 'partial', { instanceClass: 'db.t4g.micro', password: `prefix-${password.result}` });
    });
    expect(pathsFlagged(findings, 'CDC-SECRET-1')).toEqual(['test/literal', 'test/partial']);
    expect(problems(findings, 'test/partial')).toEqual(['clear-text secret at password: the value is partly literal text']);
  });

  it('flags provider credentials, credential-shaped literals anywhere, and SecureString literals', () => {
    const findings = findingsOf((stack) => {
      new AwsProvider(stack, 'aws', { region: 'eu-west-1', accessKey: 'AKIAABCDEFGHIJKLMNOP', secretKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCD' });
      new SecretsmanagerSecretVersion(stack, 'key', { secretId: 'x', secretBinary: '-----BEGIN RSA PRIVATE KEY-----\nMIIE...' });
      new SsmParameter(stack, 'parameter', { name: '/dev/x', type: 'SecureString', value: 'plain' });
      new SsmParameter(stack, 'not-secret', { name: '/dev/y', type: 'String', value: 'plain' });
    });
    expect(pathsFlagged(findings, 'CDC-SECRET-1')).toEqual(['test/aws', 'test/aws', 'test/key', 'test/parameter']);
    expect(findingsOfRule(findings, 'CDC-SECRET-1').find((f) => f.path === 'test/aws')?.address).toBe('provider.aws');
    expect(problems(findings, 'test/aws').sort()).toEqual([
      'clear-text secret at access_key: the value is a literal (an AWS access key id)',
      'clear-text secret at secret_key: the value is a literal',
    ]);
    expect(problems(findings, 'test/key')).toEqual(['clear-text secret at secret_binary: the value is a literal (a PEM private key)']);
  });

  it('accepts a secret that crosses stacks (remote state output) in a full synth', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-secrets-'));
    try {
      const app = new App({ outdir, skipValidation: true });
      const gcp = new TerraformStack(app, 'gcp');
      const password = new Password(gcp, 'key', { length: 20 });
      const airbyte = new TerraformStack(app, 'airbyte');
      new Destination(airbyte, 'destination', {
        name: 'bigquery', workspaceId: 'w',
        configuration: Fn.jsonencode({ project_id: 'p', credentials_json: password.result }),
      });
      const pack = applyPolicyPack(app, { print: false });
      app.synth();
      const synthesized = fs.readFileSync(path.join(outdir, 'stacks/airbyte/cdk.tf.json'), 'utf8');
      expect(synthesized).toContain('terraform_remote_state');
      expect(pack.findings.filter((finding) => finding.ruleId === 'CDC-SECRET-1')).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('tells secret attribute names from their ids, types and URLs', () => {
    for (const key of ['password', 'client_secret', 'credentials_json', 'hmac_key_secret', 'private_key', 'secret_string', 'tunnel_user_password', 'access_key', 'clientSecret']) {
      expect([key, isSecretKey(key)]).toEqual([key, true]);
    }
    for (const key of ['secret_id', 'token_url', 'http_tokens', 'credential_type', 'password_length', 'kms_key_id', 'hmac_key_access_id', 'private_key_type', 'name', 'username']) {
      expect([key, isSecretKey(key)]).toEqual([key, false]);
    }
  });
});

describe('CDC-SECRET-1 and Helm values naming Kubernetes secret entries', () => {
  const release = (stack: TerraformStack, id: string, database: Record<string, unknown>) =>
    new Release(stack, id, { name: id, chart: 'airbyte', values: [Fn.yamlencode({ global: { database } })] });

  it('accepts `<what>SecretKey: ENTRY_NAME` (the name of a key inside a Kubernetes Secret)', () => {
    const findings = findingsOf((stack) => release(stack, 'ok', { secretName: 'airbyte-config-db', passwordSecretKey: 'DATABASE_PASSWORD', userSecretKey: 'DATABASE_USER' }));
    expect(pathsFlagged(findings, 'CDC-SECRET-1')).toEqual([]);
  });

  it('still flags a literal password, and a credential-looking value under a SecretKey name', () => {
    const findings = findingsOf((stack) => {
      release(stack, 'password', { password: 'hunter2-in-clear' });
      release(stack, 'aws-key', { awsSecretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    });
    expect(pathsFlagged(findings, 'CDC-SECRET-1')).toEqual(['test/aws-key', 'test/password']);
  });

  it('exempts only SecretKey names with SCREAMING_SNAKE_CASE entry names', () => {
    expect(isSecretEntryName('passwordSecretKey', 'DATABASE_PASSWORD')).toBe(true);
    expect(isSecretEntryName('secretKey', 'DATABASE_PASSWORD')).toBe(false);
    expect(isSecretEntryName('awsSecretKey', 'wJalrXUtnFEMI/K7MDENG')).toBe(false);
    expect(isSecretEntryName('passwordSecretKey', 'PASSWORD')).toBe(false);
  });
});

describe('CDC-SM-1 Secrets Manager KMS key', () => {
  it('warns (not errors) on a secret without kms_key_id and accepts one with a key', () => {
    const findings = findingsOf((stack) => {
      new SecretsmanagerSecret(stack, 'default-key', { name: 'a' });
      new SecretsmanagerSecret(stack, 'cmk', { name: 'b', kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc' });
    });
    expect(pathsFlagged(findings, 'CDC-SM-1')).toEqual(['test/default-key']);
    expect(findingsOfRule(findings, 'CDC-SM-1')[0].level).toBe('warning');
    expect(findingsOfRule(findings, 'CDC-SM-1')[0].message).toContain('[CDC-SM-1/CKV_AWS_149]');
  });
});
