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
    releaseParameter: '/dev/cdc/host-release',
    preparationParameter: '/dev/cdc/source-preparation',
    airbyteChartVersion: '2.2.0',
    dataVolumeId: DATA_VOLUME_ID,
    ...overrides,
  };
}

export const DATA_VOLUME_ID = 'vol-0a1b2c3d4e5f60789';
const HOST_DIR = path.join(__dirname, '../../constructs/airbyte-host');

/** The release the AWS stack publishes: the bundle and the host tools (the real files). */
export function releaseFiles(bundle: string = BUNDLE): Record<string, string> {
  return {
    'orchestrator.js': bundle,
    'fetch-env.js': fs.readFileSync(path.join(HOST_DIR, 'fetch-env.js'), 'utf8'),
    'prepare-source.js': fs.readFileSync(path.join(HOST_DIR, 'prepare-source.js'), 'utf8'),
  };
}

/**
 * A sandbox whose Kubernetes secret holds the test credentials, with the release of BUNDLE
 * published and the data volume attached.
 */
export function hostSandbox(): Sandbox {
  const sandbox = new Sandbox({ bundle: BUNDLE, s3Url: 'cdc-dev-assets/orchestrator/orchestrator.js' });
  sandbox.write('k8s/instance-admin-client-id', CLIENT_ID);
  sandbox.write('k8s/instance-admin-client-secret', CLIENT_SECRET);
  sandbox.publishRelease(testProps().releaseParameter, releaseFiles());
  sandbox.attachVolume(DATA_VOLUME_ID);
  return sandbox;
}

/** Renders the script into the sandbox and returns its path. */
export function writeScript(sandbox: Sandbox, props: HostUserDataProps = testProps()): string {
  const file = path.join(sandbox.dir, 'user-data.sh');
  fs.writeFileSync(file, renderUserData(props), { mode: 0o755 });
  return file;
}
