import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { parseAllDocuments, stringify } from 'yaml';
import { ResolvedEksHosting, validateEnvironment } from '../../config';
import { prod } from '../../config/environments/prod';
import { ephemeralEnvironment } from '../../config';
import { AIRBYTE_CHART, airbyteChartValues, INSTANCE_ADMIN_VALUE_PATHS } from '../../stacks/airbyte-chart-values';
import { defineEnvironmentStacks } from '../../stacks';
import { airbyteChart, helmBinary, kubernetesSchemaProblems } from '../support/helm';
import { fakeBundlePath } from '../support/synth';

// The chart accepts any key silently (no values.schema.json), so these tests read what the chart
// renders from our values, not the values themselves (facts.md, "Airbyte on Kubernetes").
const helm = helmBinary();
const chart = airbyteChart();
const missing = [helm, chart].filter((p): p is { ok: false; reason: string } => !p.ok).map((p) => p.reason);
const inCi = process.env.CI === 'true';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: any };

const BUCKET = 'cdc-prod-airbyte-storage-20261201';
const DB_HOST = 'cdc-prod-airbyte.abcdefghij.eu-west-1.rds.amazonaws.com';

function eksHosting(config = prod): ResolvedEksHosting {
  const env = validateEnvironment(config);
  if (env.hosting.mode !== 'eks-helm') throw new Error(`${config.name} is not eks-helm`);
  return env.hosting;
}

function render(hosting: ResolvedEksHosting, region = 'eu-west-1'): K8sObject[] {
  if (!helm.ok || !chart.ok) throw new Error('prerequisites missing');
  const values = airbyteChartValues({
    environment: 'prod', region, hosting, storageBucketName: BUCKET, databaseHost: DB_HOST, databasePort: 5432,
    databaseName: 'airbyte', kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-values-'));
  const file = path.join(dir, 'values.yaml');
  fs.writeFileSync(file, stringify(values));
  const out = execFileSync(helm.value, [
    'template', AIRBYTE_CHART.releaseName, chart.value, '--namespace', hosting.namespace, '--values', file,
    '--set', `${INSTANCE_ADMIN_VALUE_PATHS.clientId}=test-client-id`, '--set', `${INSTANCE_ADMIN_VALUE_PATHS.clientSecret}=test-client-secret`,
  ], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  fs.rmSync(dir, { recursive: true, force: true });
  return parseAllDocuments(out).map((d) => d.toJS()).filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

const envConfigMap = (objects: K8sObject[]) => {
  const found = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${AIRBYTE_CHART.releaseName}-airbyte-env`);
  if (!found?.data) throw new Error('no airbyte-env ConfigMap rendered');
  return found.data;
};

if (missing.length > 0 && inCi) {
  test('helm template prerequisites are present under CI=true', () => {
    throw new Error(`cannot render Airbyte's chart: ${missing.join('; ')}`);
  });
}

(missing.length > 0 ? describe.skip : describe)(
  missing.length > 0 ? `helm template of Airbyte's chart 2.2.0 — SKIPPED: ${missing.join('; ')}` : "helm template of Airbyte's chart 2.2.0 with our values",
  () => {
    const prodHosting = missing.length > 0 ? undefined : eksHosting();
    const objects = prodHosting ? render(prodHosting) : [];

    test('storage is S3 (lowercase type reaches the template) with its region, through the pod identity', () => {
      const data = envConfigMap(objects);
      expect(data.STORAGE_TYPE).toBe('s3');
      expect(data.AWS_DEFAULT_REGION).toBe('eu-west-1');
      expect(data.AWS_AUTHENTICATION_TYPE).toBe('instanceProfile');
      for (const key of ['STORAGE_BUCKET_LOG', 'STORAGE_BUCKET_STATE', 'STORAGE_BUCKET_WORKLOAD_OUTPUT', 'STORAGE_BUCKET_ACTIVITY_PAYLOAD']) {
        expect([key, data[key]]).toEqual([key, BUCKET]);
      }
      expect(data.SECRET_PERSISTENCE).toBe('AWS_SECRET_MANAGER');
      expect(data.AWS_SECRET_MANAGER_REGION).toBe('eu-west-1');
      expect(data.AWS_SECRET_MANAGER_SECRET_TAGS).toBe('cdc-environment=prod');
    });

    test('a region from another environment reaches the rendered output too', () => {
      const data = envConfigMap(render(eksHosting(), 'us-east-2'));
      expect(data.AWS_DEFAULT_REGION).toBe('us-east-2');
    });

    test('the external database host is used, with its login from our secret', () => {
      const data = envConfigMap(objects);
      expect(data.DATABASE_HOST).toBe(DB_HOST);
      expect(data.DATABASE_PORT).toBe('5432');
      const server = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'airbyte-server');
      const env = server!.spec.template.spec.containers[0].env as Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
      expect(env.find((e) => e.name === 'DATABASE_PASSWORD')!.valueFrom!.secretKeyRef).toEqual({ name: 'airbyte-config-db', key: 'DATABASE_PASSWORD' });
    });

    test('nothing needs a volume: no StatefulSet, no PersistentVolumeClaim, no bundled Postgres or MinIO', () => {
      const kinds = objects.map((o) => o.kind);
      expect(kinds).not.toContain('StatefulSet');
      expect(kinds).not.toContain('PersistentVolumeClaim');
      expect(JSON.stringify(objects)).not.toContain('volumeClaimTemplates');
      expect(objects.map((o) => o.metadata.name).filter((n) => /minio|airbyte-db$/.test(n))).toEqual([]);
    });

    test('job pods are pinned to the job node group (selector and toleration of its taint)', () => {
      const data = envConfigMap(objects);
      expect(data.JOB_KUBE_NODE_SELECTORS).toBe('cdc/pool=jobs');
      expect(data.JOB_KUBE_TOLERATIONS.split(',').sort()).toEqual(['effect=NoSchedule', 'key=cdc/pool', 'operator=Equal', 'value=jobs']);
    });

    test('worker and launcher scaling and job sizes come from the environment', () => {
      const data = envConfigMap(objects);
      const replicas = (name: string) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec.replicas;
      expect(replicas('airbyte-worker')).toBe(prodHosting!.scaling.workerReplicas);
      expect(replicas('airbyte-workload-launcher')).toBe(prodHosting!.scaling.launcherReplicas);
      expect(data.MAX_SYNC_WORKERS).toBe(String(prodHosting!.scaling.maxSyncWorkersPerWorker));
      expect(data.WORKLOAD_LAUNCHER_PARALLELISM).toBe(String(prodHosting!.scaling.launcherParallelism));
      expect(data.JOB_MAIN_CONTAINER_MEMORY_LIMIT).toBe(prodHosting!.scaling.jobMemoryLimit);
    });

    test("every pod runs as the airbyte-admin service account (the Pod Identity association's)", () => {
      const accounts = objects.filter((o) => o.kind === 'Deployment').map((o) => o.spec.template.spec.serviceAccountName);
      expect(new Set(accounts)).toEqual(new Set(['airbyte-admin']));
      expect(objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'airbyte-admin')).toBe(true);
    });

    test("the server service scripts/tunnel.sh forwards to exists on port 8001", () => {
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'airbyte-airbyte-server-svc');
      expect(service?.spec.ports.map((p: { port: number }) => p.port)).toEqual([8001]);
    });

    test('every rendered manifest validates against the Kubernetes schemas', () => {
      expect(objects.length).toBeGreaterThan(10);
      // The chart renders an unset telemetry setting as `KEY: ` (YAML null). The API server
      // decodes JSON null into a Go string as "" (encoding/json leaves the zero value), so it
      // accepts the ConfigMap; do the same here, and only there, so any other null still fails.
      const normalised = objects.map((o) =>
        o.kind === 'ConfigMap' && o.data
          ? { ...o, data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, v === null ? '' : v])) }
          : o,
      );
      const nullKeys = objects.flatMap((o) => (o.kind === 'ConfigMap' ? Object.entries(o.data ?? {}).filter(([, v]) => v === null).map(([k]) => `${o.metadata.name}/${k}`) : []));
      expect(nullKeys).toEqual(['airbyte-airbyte-telemetry-env/DD_TRACE_SAMPLING_RULES']);
      expect(kubernetesSchemaProblems(normalised)).toEqual([]);
    });

    test('the values of an ephemeral eks-helm environment render too', () => {
      const hosting = eksHosting(ephemeralEnvironment('pr-42', undefined, 'eks-helm'));
      expect(envConfigMap(render(hosting)).JOB_KUBE_NODE_SELECTORS).toBe('cdc/pool=jobs');
    });
  },
);

describe("our orchestrator Deployment against Kubernetes' schemas", () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'synth-')), stackTraces: false });
  const stacks = defineEnvironmentStacks(app, validateEnvironment(prod), { orchestratorBundlePath: fakeBundlePath() });

  test('validates as an apps/v1 Deployment', () => {
    expect(kubernetesSchemaProblems([stacks.kubernetes!.orchestrator.deploymentManifest])).toEqual([]);
  });

  test('the validator rejects a broken Deployment (so the check above can fail)', () => {
    const broken = JSON.parse(JSON.stringify(stacks.kubernetes!.orchestrator.deploymentManifest));
    broken.spec.template.spec.containers[0].image = 42;
    delete broken.spec.selector;
    expect(kubernetesSchemaProblems([broken]).join('\n')).toMatch(/Deployment cdc-orchestrator: .*(selector|image)/);
  });
});
