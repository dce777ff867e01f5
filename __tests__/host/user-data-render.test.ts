import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { escapeForTerraform, HostUserDataProps, renderUserData, userDataForTerraform } from '../../constructs/airbyte-host/user-data';
import { testProps } from './fixtures';

const TEMPLATE = path.join(__dirname, '../../constructs/airbyte-host/user-data.sh');
const EC2_USER_DATA_LIMIT = 16384;

/** Realistically long values: full ARNs with suffixes, a long parameter path, a 63-character bucket. */
const LONG: HostUserDataProps = testProps({
  region: 'ap-southeast-2',
  environment: 'pr-123456-feature-long-branch-name',
  abctlVersion: 'v10.100.1000',
  airbytePort: 65535,
  lowResourceMode: true,
  airbyteCredentialsSecretArn: 'arn:aws-us-gov:secretsmanager:ap-southeast-2:123456789012:secret:pr-123456-feature-long-branch-name/airbyte/api-client-credentials-AbCdEf',
  databaseSecretArn: 'arn:aws-us-gov:secretsmanager:ap-southeast-2:123456789012:secret:pr-123456-feature-long-branch-name/cdc/source-database-replication-user-GhIjKl',
  orchestratorConfigParameter: 'arn:aws-us-gov:ssm:ap-southeast-2:123456789012:parameter/pr-123456-feature-long-branch-name/airbyte/orchestrator/config',
  releaseParameter: '/pr-123456-feature-long-branch-name/cdc/host-release',
  preparationParameter: '/pr-123456-feature-long-branch-name/cdc/source-preparation',
  airbyteChartVersion: '12.100.1000',
  dataVolumeId: 'vol-0123456789abcdef0',
  alertWebhookSecretArn: 'arn:aws-us-gov:secretsmanager:ap-southeast-2:123456789012:secret:pr-123456-feature-long-branch-name/alerts/webhook-url-MnOpQr',
  dockerHubSecretArn: 'arn:aws-us-gov:secretsmanager:ap-southeast-2:123456789012:secret:pr-123456-feature-long-branch-name/docker-hub/credentials-StUvWx',
});

function shellcheck(file: string): { status: number | null; output: string } {
  const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', file], { encoding: 'utf8' });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('shellcheck is not installed; it is required by these tests (Debian/Ubuntu: apt-get install -y shellcheck)');
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * Terraform's reading of a JSON string: `$${` and `%%{` are escapes for `${` / `%{`, `${expr}` is an
 * interpolation (resolved from `refs`), and any other `%{` would be a template directive.
 */
function terraformTemplate(text: string, refs: Record<string, string>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
      out += `${text[i]}{`;
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i);
      const expr = text.slice(i + 2, end);
      if (!(expr in refs)) throw new Error(`Terraform would evaluate \${${expr}} at offset ${i}`);
      out += refs[expr];
      i = end + 1;
    } else if (text.startsWith('%{', i)) {
      throw new Error(`Terraform would read a template directive at offset ${i}: ${text.slice(i, i + 30)}`);
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

describe('renderUserData', () => {
  test('fills the values block and keeps the template body', () => {
    const script = renderUserData(testProps());
    const template = fs.readFileSync(TEMPLATE, 'utf8');
    expect(script).toContain("ABCTL_VERSION='v0.30.4'\nAIRBYTE_CHART_VERSION='2.2.0'\nAIRBYTE_PORT='8000'\nLOW_RESOURCE_MODE='false'\n");
    expect(script).toContain(`DATA_VOLUME_ID='${testProps().dataVolumeId}'`);
    expect(script).toContain("RELEASE_PARAMETER='/dev/cdc/host-release'");
    expect(script).toContain("DOCKER_HUB_SECRET_ARN=''");
    expect(script).not.toContain('/example/');
    const body = template.slice(template.indexOf('# <<< VALUES'));
    expect(script.endsWith(body)).toBe(true);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
  });

  test(`stays under EC2's ${EC2_USER_DATA_LIMIT}-byte user-data limit with long values`, () => {
    const size = Buffer.byteLength(renderUserData(LONG), 'utf8');
    expect(size).toBeLessThan(EC2_USER_DATA_LIMIT);
    // The long values really are in there (a renderer that dropped them would pass the size check).
    expect(renderUserData(LONG)).toContain(LONG.databaseSecretArn);
  });

  test.each<[keyof HostUserDataProps, unknown, RegExp]>([
    ['abctlVersion', '0.30.4', /HostUserDataProps\.abctlVersion must be a release tag such as v0\.30\.4 \(got "0\.30\.4"\)/],
    ['abctlVersion', 'v0.30', /abctlVersion/],
    ['airbytePort', 0, /HostUserDataProps\.airbytePort must be a literal integer port/],
    ['airbytePort', 8000.5, /airbytePort/],
    ['lowResourceMode', 'yes', /HostUserDataProps\.lowResourceMode must be true or false/],
    ['region', 'Europe', /HostUserDataProps\.region must be an AWS region/],
    ['environment', "dev'; rm -rf /", /HostUserDataProps\.environment must be/],
    ['airbyteCredentialsSecretArn', 'my-secret', /HostUserDataProps\.airbyteCredentialsSecretArn must be a Secrets Manager secret ARN/],
    ['databaseSecretArn', '', /HostUserDataProps\.databaseSecretArn must be a non-empty string/],
    ['orchestratorConfigParameter', '/dev/config with space', /HostUserDataProps\.orchestratorConfigParameter/],
    ['airbyteChartVersion', 'latest', /HostUserDataProps\.airbyteChartVersion must be a chart version such as 2\.2\.0/],
    ['dataVolumeId', '/dev/sdf', /HostUserDataProps\.dataVolumeId must be an EBS volume id/],
    ['dockerHubSecretArn', 'docker-hub', /HostUserDataProps\.dockerHubSecretArn must be a Secrets Manager secret ARN/],
    ['releaseParameter', 'host release', /HostUserDataProps\.releaseParameter must be an SSM parameter name/],
  ])('rejects %s = %p, naming the prop', (prop, value, message) => {
    expect(() => renderUserData({ ...testProps(), [prop]: value } as HostUserDataProps)).toThrow(message);
  });

  test('accepts tokens for values Terraform knows, but not for those the script must trust', () => {
    const stack = new TerraformStack(Testing.app(), 'tokens');
    const bucket = new S3Bucket(stack, 'bucket', {});
    const name = bucket.bucket;
    const script = renderUserData(testProps({ dataVolumeId: name, releaseParameter: `/${bucket.id}/host-release` }));
    expect(script).toContain(`DATA_VOLUME_ID='${name}'`);
    expect(() => renderUserData(testProps({ abctlVersion: name }))).toThrow(/abctlVersion must be a literal value/);
    expect(() => renderUserData(testProps({ airbyteChartVersion: name }))).toThrow(/airbyteChartVersion must be a literal value/);
    expect(() => renderUserData(testProps({ releaseParameter: `/it's/${bucket.id}` }))).toThrow(/releaseParameter must not contain quotes/);
  });
});

describe('shellcheck', () => {
  test('the template is clean', () => {
    const result = shellcheck(TEMPLATE);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  test('the rendered script is clean', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-data-'));
    try {
      const file = path.join(dir, 'user-data.sh');
      fs.writeFileSync(file, renderUserData(LONG));
      const result = shellcheck(file);
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the release installer the script writes (cdc-host-release) is clean', () => {
    const template = fs.readFileSync(TEMPLATE, 'utf8');
    const body = /cat <<'SH'; \} \| put_file "\$ROOT\$RELEASE_SCRIPT" 0755\n([\s\S]*?)\nSH\n/.exec(template);
    expect(body).not.toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-data-'));
    try {
      const file = path.join(dir, 'cdc-host-release');
      fs.writeFileSync(file, `#!/bin/bash\nREGION=eu-west-1\nRELEASE_PARAMETER=/dev/cdc/host-release\nAPP_DIR=/opt/cdc-orchestrator\n${body![1]}\n`);
      const result = shellcheck(file);
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a broken script is reported (the check can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-data-'));
    try {
      const file = path.join(dir, 'broken.sh');
      fs.writeFileSync(file, '#!/bin/bash\nrm -rf $DIR/*\n');
      expect(shellcheck(file).status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('userDataForTerraform', () => {
  test('a synthesized instance gets the script back from Terraform, with its references resolved', () => {
    const stack = new TerraformStack(Testing.app(), 'host');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const bucket = new S3Bucket(stack, 'assets', {});
    const secret = new SecretsmanagerSecret(stack, 'api', { name: 'dev/airbyte/api' });
    const props = testProps({ dataVolumeId: bucket.bucket, airbyteCredentialsSecretArn: secret.arn });
    new Instance(stack, 'host', { ami: 'ami-12345678', instanceType: 'm6i.xlarge', userData: userDataForTerraform(props) });

    const synthesized: string = JSON.parse(Testing.synth(stack)).resource.aws_instance.host.user_data;
    // The references survive as Terraform expressions inside the shell quotes...
    expect(synthesized).toContain("DATA_VOLUME_ID='${aws_s3_bucket.assets.bucket}'");
    expect(synthesized).toContain("AIRBYTE_CREDENTIALS_SECRET_ARN='${aws_secretsmanager_secret.api.arn}'");
    // ...and once Terraform has read the string, the host receives exactly the plain rendering.
    const refs = {
      'aws_s3_bucket.assets.bucket': 'vol-0fedcba9876543210',
      'aws_secretsmanager_secret.api.arn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev/airbyte/api-AbCdEf',
    };
    const received = terraformTemplate(synthesized, refs);
    const expected = renderUserData(testProps({ dataVolumeId: refs['aws_s3_bucket.assets.bucket'], airbyteCredentialsSecretArn: refs['aws_secretsmanager_secret.api.arn'] }));
    expect(received).toBe(expected);
    // The plain script would not have survived: bash's ${...} would reach Terraform unescaped.
    expect(() => terraformTemplate(expected, refs)).toThrow(/Terraform would evaluate/);
  });

  test('escapes only literal text, and refuses a "$" glued to a reference', () => {
    expect(escapeForTerraform('a ${b} %{c} $d %e $${f}')).toBe('a $${b} %%{c} $d %e $$${f}');
    expect(terraformTemplate(escapeForTerraform('a ${b} %{c} $d %e $${f}'), {})).toBe('a ${b} %{c} $d %e $${f}');
    const stack = new TerraformStack(Testing.app(), 'glued');
    const name = new S3Bucket(stack, 'bucket', {}).bucket;
    expect(escapeForTerraform(`x='${name}' \${HOME}`)).toBe(`x='${name}' $\${HOME}`);
    expect(() => escapeForTerraform(`cost$${name}`)).toThrow(/right before a Terraform reference/);
  });
});
