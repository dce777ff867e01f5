import { InvalidPropsError } from './errors';
import { checkInteger, checkKubernetesName } from './prop-checks';
import { Construct } from 'constructs';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { AssetType, Fn, ITerraformDependable, TerraformAsset } from 'cdktf';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';

/**
 * Official images, pinned to exact tags, pulled from the ECR Public mirror of Docker Official
 * Images (no Docker Hub anonymous pull limit, facts.md). Refresh them deliberately.
 */
export const ORCHESTRATOR_NODE_IMAGE = 'public.ecr.aws/docker/library/node:22.21.1-bookworm-slim';
export const AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.38.2';
/** Amazon's RDS CA bundle: node-postgres verifies the server certificate and Node does not trust these CAs by default. */
export const RDS_CA_BUNDLE_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';

/** A ConfigMap holds at most 1 MiB; keep headroom for metadata. */
export const CONFIG_MAP_BUNDLE_LIMIT_BYTES = 900 * 1024;

/** Keys of the Kubernetes secret the Deployment reads its credentials from. */
export const ORCHESTRATOR_SECRET_KEYS = ['SOURCE_DATABASE_URL', 'AIRBYTE_CLIENT_ID', 'AIRBYTE_CLIENT_SECRET'] as const;

export interface OrchestratorDeploymentProps {
  readonly namespace: string;
  /** Service account bound to the orchestrator's Pod Identity role (reads its SSM config parameter). */
  readonly serviceAccountName: string;
  /** The single-file bundle (dist/orchestrator.js). */
  readonly bundlePath: string;
  /** SSM parameter the `<env>-airbyte` stack writes (the orchestrator's configuration document). */
  readonly configParameterName: string;
  readonly region: string;
  /** Airbyte public API inside the cluster. */
  readonly airbyteApiUrl: string;
  /** Kubernetes secret with the keys in ORCHESTRATOR_SECRET_KEYS. */
  readonly credentialsSecretName: string;
  /** Optional Kubernetes secret (key `url`) an operator creates with the alert webhook. */
  readonly alertWebhookSecretName: string;
  /** Pods land on nodes with these labels. @default {} */
  readonly nodeSelector?: Record<string, string>;
  /** Port of the status page, /healthz and /metrics (loopback only, reached by port-forward). @default 8089 */
  readonly httpPort?: number;
  /** @default ORCHESTRATOR_NODE_IMAGE */
  readonly nodeImage?: string;
  /** @default AWS_CLI_IMAGE */
  readonly awsCliImage?: string;
  /** Created first (e.g. the namespace, the secret). @default [] */
  readonly dependsOn?: ITerraformDependable[];
}

/** The init step run in the pinned Node.js image: unpack, verify, refuse a bundle whose sha256 differs. */
export const VERIFY_SCRIPT = `
const fs = require('fs'), zlib = require('zlib'), crypto = require('crypto');
const bundle = process.env.BUNDLE_FILE, app = process.env.APP_DIR;
(async () => {
  const code = zlib.gunzipSync(fs.readFileSync(bundle));
  const got = crypto.createHash('sha256').update(code).digest('hex');
  if (got !== process.env.BUNDLE_SHA256) throw new Error('bundle checksum mismatch: expected ' + process.env.BUNDLE_SHA256 + ', got ' + got + '; refusing to run it');
  fs.writeFileSync(app + '/orchestrator.js', code, { mode: 0o444 });
  const response = await fetch(process.env.RDS_CA_URL);
  const pem = response.ok ? await response.text() : '';
  if (!pem.includes('BEGIN CERTIFICATE')) throw new Error('could not download the RDS CA bundle from ' + process.env.RDS_CA_URL + ' (HTTP ' + response.status + ')');
  fs.writeFileSync(app + '/rds-ca.pem', pem, { mode: 0o444 });
  console.log('bundle verified (sha256 ' + got + '), RDS CA bundle installed');
})().catch((e) => { console.error(e.message); process.exit(1); });
`.trim();

/** Pods run as the image's unprivileged `node` user (uid 1000), never root (Pod Security "restricted"). */
export const NON_ROOT_POD_SECURITY_CONTEXT = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } } as const;
/** Every container: no privilege escalation, no capabilities, nothing written outside its volumes. */
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
} as const;

/**
 * The init container that checks the bundle from the ConfigMap against its sha256 and unpacks it
 * (with the RDS CA bundle) into the `app` volume: every pod that runs the bundle starts with it.
 */
export function verifyBundleInitContainer(image: string, bundleSha256: string, resources?: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'verify-bundle',
    image,
    command: ['node', '-e', VERIFY_SCRIPT],
    env: [
      { name: 'BUNDLE_SHA256', value: bundleSha256 },
      { name: 'BUNDLE_FILE', value: '/bundle/orchestrator.js.gz' },
      { name: 'APP_DIR', value: '/app' },
      { name: 'RDS_CA_URL', value: RDS_CA_BUNDLE_URL },
    ],
    volumeMounts: [
      { name: 'bundle', mountPath: '/bundle', readOnly: true },
      { name: 'app', mountPath: '/app' },
    ],
    ...(resources ? { resources } : {}),
    securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
  };
}

const FETCH_CONFIG_SCRIPT =
  'aws ssm get-parameter --name "$CONFIG_PARAMETER" --query Parameter.Value --output text > /config/config.json.tmp && mv /config/config.json.tmp /config/config.json';

const probe = (port: number) => ({
  exec: {
    // The status page has no authentication, so it listens on loopback only (as on the host);
    // an exec probe reaches /healthz there, and `kubectl port-forward` reaches it too.
    command: ['node', '-e', `fetch('http://127.0.0.1:${port}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
  },
  periodSeconds: 30,
  timeoutSeconds: 10,
  failureThreshold: 3,
});

/**
 * The orchestrator in the cluster without an image of our own: the bundle travels gzipped in a
 * ConfigMap, an init container in the pinned official Node.js image checks its sha256 before
 * anything runs it, another reads the configuration document from SSM with the pod's own
 * credentials (Pod Identity), and credentials come from a Kubernetes secret. One replica,
 * recreated on update, because only one orchestrator may act at a time.
 */
export class OrchestratorDeployment extends Construct {
  readonly bundleSha256: string;
  /** Size of the gzipped bundle as stored in the ConfigMap (base64), bytes. */
  readonly storedBundleBytes: number;
  /** The Deployment as Kubernetes sees it (validated in tests against Kubernetes' schema). */
  readonly deploymentManifest: Record<string, unknown>;
  readonly deployment: Manifest;
  /** Name of the Deployment (what `kubectl rollout restart deployment/<name>` takes). */
  readonly deploymentName: string;
  /** The immutable ConfigMap holding the gzipped bundle (key `orchestrator.js.gz`); other pods may run the same bundle from it. */
  readonly bundleConfigMapName: string;
  readonly bundleConfigMap: ConfigMapV1;

  constructor(scope: Construct, id: string, props: OrchestratorDeploymentProps) {
    super(scope, id);
    const where = `OrchestratorDeployment ${this.node.path}`;
    checkKubernetesName(where, 'namespace', props.namespace);
    checkKubernetesName(where, 'serviceAccountName', props.serviceAccountName);
    checkInteger(where, 'httpPort', props.httpPort, 1, 65535);
    if (!fs.existsSync(props.bundlePath)) {
      throw new InvalidPropsError(`${where}: bundlePath ${props.bundlePath} does not exist; run \`npm run build:orchestrator\` (npm run synth does it for you)`);
    }
    const content = fs.readFileSync(props.bundlePath);
    this.bundleSha256 = crypto.createHash('sha256').update(content).digest('hex');
    // What Terraform's base64gzip stores: Go's compress/gzip at its default level, which zlib's
    // default (6) matches closely; level 9 under-estimated it and took 30 ms more of every synth.
    this.storedBundleBytes = Math.ceil(zlib.gzipSync(content).length / 3) * 4;
    if (this.storedBundleBytes > CONFIG_MAP_BUNDLE_LIMIT_BYTES) {
      throw new InvalidPropsError(
        `${where}: the gzipped bundle takes ${this.storedBundleBytes} bytes in base64, over the ${CONFIG_MAP_BUNDLE_LIMIT_BYTES} bytes a ConfigMap can carry safely (1 MiB limit); ship it from S3 instead`,
      );
    }
    const port = props.httpPort ?? 8089;
    const labels = { 'app.kubernetes.io/name': 'cdc-orchestrator', 'app.kubernetes.io/managed-by': 'cdktf' };

    const serviceAccount = new ServiceAccountV1(this, 'service-account', {
      metadata: { name: props.serviceAccountName, namespace: props.namespace, labels },
      automountServiceAccountToken: false,
      dependsOn: props.dependsOn,
    });
    const asset = new TerraformAsset(this, 'bundle', { path: props.bundlePath, type: AssetType.FILE });
    // Named by content and immutable: a new bundle is a new ConfigMap and a new rollout.
    const bundleConfigMapName = `cdc-orchestrator-bundle-${this.bundleSha256.slice(0, 12)}`;
    this.bundleConfigMapName = bundleConfigMapName;
    this.deploymentName = 'cdc-orchestrator';
    const bundleConfigMap = new ConfigMapV1(this, 'bundle-config-map', {
      metadata: { name: bundleConfigMapName, namespace: props.namespace, labels },
      // Terraform gzips the asset at apply time, so the synthesized JSON holds a file reference.
      binaryData: { 'orchestrator.js.gz': Fn.base64gzip(Fn.file(asset.path)) },
      immutable: true,
      lifecycle: { createBeforeDestroy: true },
      dependsOn: props.dependsOn,
    });
    this.bundleConfigMap = bundleConfigMap;

    const restricted = RESTRICTED_CONTAINER_SECURITY_CONTEXT;
    const secretEnv = ORCHESTRATOR_SECRET_KEYS.map((key) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: props.credentialsSecretName, key } },
    }));
    this.deploymentManifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: this.deploymentName, namespace: props.namespace, labels },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { 'cdc/bundle-sha256': this.bundleSha256 } },
          spec: {
            serviceAccountName: props.serviceAccountName,
            // Pod Identity injects credentials without the token; the orchestrator never calls Kubernetes.
            automountServiceAccountToken: false,
            nodeSelector: props.nodeSelector ?? {},
            securityContext: NON_ROOT_POD_SECURITY_CONTEXT,
            initContainers: [
              verifyBundleInitContainer(props.nodeImage ?? ORCHESTRATOR_NODE_IMAGE, this.bundleSha256),
              {
                name: 'fetch-config',
                image: props.awsCliImage ?? AWS_CLI_IMAGE,
                command: ['/bin/sh', '-c', FETCH_CONFIG_SCRIPT],
                env: [
                  { name: 'CONFIG_PARAMETER', value: props.configParameterName },
                  { name: 'AWS_REGION', value: props.region },
                  { name: 'HOME', value: '/tmp' },
                ],
                volumeMounts: [
                  { name: 'config', mountPath: '/config' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                securityContext: restricted,
              },
            ],
            containers: [
              {
                name: 'orchestrator',
                image: props.nodeImage ?? ORCHESTRATOR_NODE_IMAGE,
                command: ['node', '/app/orchestrator.js', 'run'],
                env: [
                  ...secretEnv,
                  { name: 'ALERT_WEBHOOK_URL', valueFrom: { secretKeyRef: { name: props.alertWebhookSecretName, key: 'url', optional: true } } },
                  { name: 'AIRBYTE_API_URL', value: props.airbyteApiUrl },
                  { name: 'ORCHESTRATOR_CONFIG', value: '/config/config.json' },
                  { name: 'ORCHESTRATOR_HTTP_ADDR', value: `127.0.0.1:${port}` },
                  { name: 'NODE_EXTRA_CA_CERTS', value: '/app/rds-ca.pem' },
                ],
                volumeMounts: [
                  { name: 'app', mountPath: '/app', readOnly: true },
                  { name: 'config', mountPath: '/config', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                livenessProbe: { ...probe(port), initialDelaySeconds: 60 },
                readinessProbe: probe(port),
                resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
                securityContext: restricted,
              },
            ],
            volumes: [
              { name: 'bundle', configMap: { name: bundleConfigMapName } },
              { name: 'app', emptyDir: { medium: 'Memory', sizeLimit: '32Mi' } },
              { name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    };
    this.deployment = new Manifest(this, 'deployment', {
      manifest: this.deploymentManifest,
      dependsOn: [serviceAccount, bundleConfigMap, ...(props.dependsOn ?? [])],
    });
  }
}
