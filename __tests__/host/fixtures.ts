import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { HostUserDataProps, renderUserData } from '../../constructs/airbyte-host/user-data';
import { Sandbox } from './sandbox';

export const BUNDLE = 'console.log("cdc orchestrator bundle");\n';
export const CLIENT_ID = '5f0e8a62-3c1b-4d7e-9a2f-0b6c1d2e3f4a';
export const CLIENT_SECRET = 'Zq8sXv2LpQ9rT4mN7bK1wE6yU3iO0aSd';
export const DB_PASSWORD = 'p@ss:w/rd?#%"$x`\\ü';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function testProps(overrides: Partial<HostUserDataProps> = {}): HostUserDataProps {
  return {
    region: 'eu-west-1',
    environment: 'dev',
    abctlVersion: 'v0.30.4',
    airbytePort: 8000,
    lowResourceMode: false,
    airbyteCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev/airbyte/api-credentials-AbCdEf',
    databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev/cdc/replication-user-GhIjKl',
    alertWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev/cdc/alert-webhook-MnOpQr',
    orchestratorConfigParameter: '/dev/orchestrator/config',
    assetBucket: 'cdc-dev-assets',
    assetKey: 'orchestrator/orchestrator.js',
    assetSha256: sha256(BUNDLE),
    ...overrides,
  };
}

/** A sandbox whose Kubernetes secret holds the test credentials, serving BUNDLE. */
export function hostSandbox(): Sandbox {
  const sandbox = new Sandbox({ bundle: BUNDLE, s3Url: 'cdc-dev-assets/orchestrator/orchestrator.js' });
  sandbox.write('k8s/instance-admin-client-id', CLIENT_ID);
  sandbox.write('k8s/instance-admin-client-secret', CLIENT_SECRET);
  return sandbox;
}

/** Renders the script into the sandbox and returns its path. */
export function writeScript(sandbox: Sandbox, props: HostUserDataProps = testProps()): string {
  const file = path.join(sandbox.dir, 'user-data.sh');
  fs.writeFileSync(file, renderUserData(props), { mode: 0o755 });
  return file;
}
