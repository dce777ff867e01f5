import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Testing, TerraformStack } from 'cdktf';
import { OrchestratorDeployment, OrchestratorDeploymentProps, VERIFY_SCRIPT } from '../../constructs/orchestrator-deployment';
import { expectPropsError } from '../support/construct';
import { fakeBundlePath } from '../support/synth';

const base: OrchestratorDeploymentProps = {
  namespace: 'airbyte', serviceAccountName: 'cdc-orchestrator', bundlePath: fakeBundlePath(), configParameterName: '/test/cdc/orchestrator-config',
  region: 'eu-west-1', airbyteApiUrl: 'http://airbyte-airbyte-server-svc.airbyte:8001/api/public/v1', credentialsSecretName: 'cdc-orchestrator',
  alertWebhookSecretName: 'cdc-orchestrator-alerts',
};

function build(props: Partial<OrchestratorDeploymentProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'test');
  const construct = new OrchestratorDeployment(stack, 'orchestrator', { ...base, ...props });
  return { construct, json: JSON.parse(Testing.synth(stack)) };
}

/** Runs the init container's script with node, as the pinned image would (`node -e`). */
function runVerify(bundle: Buffer, expectedSha: string, caUrl: string): Promise<{ status: number | null; stderr: string; appDir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-'));
  const appDir = path.join(dir, 'app');
  fs.mkdirSync(appDir);
  fs.writeFileSync(path.join(dir, 'orchestrator.js.gz'), zlib.gzipSync(bundle));
  return new Promise((resolve) => {
    const child = require('child_process').spawn(process.execPath, ['-e', VERIFY_SCRIPT], {
      env: { ...process.env, BUNDLE_SHA256: expectedSha, BUNDLE_FILE: path.join(dir, 'orchestrator.js.gz'), APP_DIR: appDir, RDS_CA_URL: caUrl },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status: number | null) => resolve({ status, stderr, appDir }));
  });
}

describe('OrchestratorDeployment', () => {
  test('the Deployment carries the bundle hash, the secret references and loopback-only probes on /healthz', () => {
    const { construct } = build();
    const expected = crypto.createHash('sha256').update(fs.readFileSync(base.bundlePath)).digest('hex');
    expect(construct.bundleSha256).toBe(expected);
    const spec = (construct.deploymentManifest as any).spec.template.spec;
    expect(spec.initContainers[0].env).toContainEqual({ name: 'BUNDLE_SHA256', value: expected });
    expect(spec.containers[0].env).toContainEqual({ name: 'ORCHESTRATOR_HTTP_ADDR', value: '127.0.0.1:8089' });
    expect(spec.containers[0].livenessProbe.exec.command[2]).toContain("fetch('http://127.0.0.1:8089/healthz')");
    expect(spec.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(spec.volumes[0]).toEqual({ name: 'bundle', configMap: { name: `cdc-orchestrator-bundle-${expected.slice(0, 12)}` } });
  });

  test('the ConfigMap holds the gzipped bundle from the asset, and the stored size is measured', () => {
    const { construct, json } = build();
    const [configMap] = Object.values(json.resource.kubernetes_config_map_v1) as Array<Record<string, any>>;
    expect(configMap.binary_data['orchestrator.js.gz']).toMatch(/^\$\{base64gzip\(file\(".+orchestrator\.js"\)\)\}$/);
    expect(construct.storedBundleBytes).toBeGreaterThan(0);
  });

  test('the real bundle fits the ConfigMap limit with room to spare', () => {
    const real = path.join(__dirname, '..', '..', 'dist', 'orchestrator.js');
    if (!fs.existsSync(real)) spawnSync('node', ['scripts/build.js', '--orchestrator-only', '--quiet'], { cwd: path.join(__dirname, '..', '..') });
    const { construct } = build({ bundlePath: real });
    expect(construct.storedBundleBytes).toBeLessThan(400 * 1024);
  });

  test('defaults: the pinned official images, port 8089, no node selector, one replica recreated on update', () => {
    const manifest = build().construct.deploymentManifest as any;
    const spec = manifest.spec.template.spec;
    expect(manifest.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    // Literal tags: a changed default image is a deliberate change this test must be told about.
    expect(spec.initContainers.map((c: any) => c.image)).toEqual(['public.ecr.aws/docker/library/node:22.21.1-bookworm-slim', 'public.ecr.aws/aws-cli/aws-cli:2.38.2']);
    expect(spec.containers[0].image).toBe('public.ecr.aws/docker/library/node:22.21.1-bookworm-slim');
    expect(spec.nodeSelector).toEqual({});
    expect(spec.containers[0].readinessProbe.exec.command[2]).toContain("fetch('http://127.0.0.1:8089/healthz')");
  });

  test('port, images and node selector given reach the pod', () => {
    const spec = (build({ httpPort: 9000, nodeImage: 'node:x', awsCliImage: 'aws:y', nodeSelector: { 'cdc/pool': 'services' } }).construct.deploymentManifest as any).spec.template.spec;
    expect(spec.containers[0].env).toContainEqual({ name: 'ORCHESTRATOR_HTTP_ADDR', value: '127.0.0.1:9000' });
    expect([spec.initContainers[0].image, spec.initContainers[1].image, spec.containers[0].image]).toEqual(['node:x', 'aws:y', 'node:x']);
    expect(spec.nodeSelector).toEqual({ 'cdc/pool': 'services' });
  });

  describe('refuses props it cannot work with, naming the prop', () => {
    const where = 'OrchestratorDeployment test/orchestrator';
    test('a bundle too large for a ConfigMap, naming the limit', () => {
      const big = fakeBundlePath(crypto.randomBytes(800 * 1024).toString('base64'));
      expectPropsError(() => build({ bundlePath: big }), new RegExp(`^${where}: the gzipped bundle takes \\d+ bytes in base64, over the 921600 bytes a ConfigMap can carry safely \\(1 MiB limit\\); ship it from S3 instead$`));
    });

    test.each<[string, Partial<OrchestratorDeploymentProps>, string]>([
      ['a bundle that does not exist', { bundlePath: '/nonexistent/orchestrator.js' }, `${where}: bundlePath /nonexistent/orchestrator.js does not exist; run \`npm run build:orchestrator\` (npm run synth does it for you)`],
      ['a namespace that is not a Kubernetes name', { namespace: 'Airbyte' }, `${where}: namespace "Airbyte" must be a Kubernetes name (lowercase letters, digits and hyphens, at most 63)`],
      ['an empty service account name', { serviceAccountName: '' }, `${where}: serviceAccountName "" must be a Kubernetes name (lowercase letters, digits and hyphens, at most 63)`],
      ['port 0', { httpPort: 0 }, `${where}: httpPort must be an integer from 1 to 65535, got 0`],
    ])('%s', (_case, props, message) => {
      expectPropsError(() => build(props), message);
    });
  });

  describe('the init step', () => {
    let server: http.Server;
    let caUrl = '';
    beforeAll(async () => {
      server = http.createServer((_req, res) => res.end('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      caUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/ca.pem`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('installs a bundle whose sha256 matches, and the CA bundle', async () => {
      const bundle = Buffer.from('console.log("orchestrator")\n');
      const result = await runVerify(bundle, crypto.createHash('sha256').update(bundle).digest('hex'), caUrl);
      expect(result.status).toBe(0);
      expect(fs.readFileSync(path.join(result.appDir, 'orchestrator.js'))).toEqual(bundle);
      expect(fs.readFileSync(path.join(result.appDir, 'rds-ca.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
    });

    test('refuses a bundle whose sha256 differs and installs nothing', async () => {
      const result = await runVerify(Buffer.from('tampered'), 'a'.repeat(64), caUrl);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/bundle checksum mismatch: expected a{64}, got [0-9a-f]{64}; refusing to run it/);
      expect(fs.existsSync(path.join(result.appDir, 'orchestrator.js'))).toBe(false);
    });
  });
});
