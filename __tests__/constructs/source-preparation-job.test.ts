import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, TerraformStack } from 'cdktf';
import { OrchestratorDeployment } from '../../constructs/orchestrator-deployment';
import {
  PREPARE_SOURCE_CONTAINER, PREPARE_SOURCE_SCRIPT, SourcePreparationJob, SourcePreparationJobProps,
} from '../../constructs/source-preparation-job';
import { expectPropsError } from '../support/construct';
import { kubernetesSchemaProblems } from '../support/helm';
import { fakeBundlePath } from '../support/synth';

const SHA = 'ab'.repeat(32);
const base: SourcePreparationJobProps = {
  namespace: 'airbyte',
  bundleConfigMapName: 'cdc-orchestrator-bundle-abababababab',
  bundleSha256: SHA,
  credentialsSecretName: 'cdc-prepare-source',
  environment: 'pr-8',
  tables: ['public.customers', 'public.orders'],
  replicationSlot: 'airbyte_pr_8_slot',
  publication: 'airbyte_pr_8_publication',
};

function build(props: Partial<SourcePreparationJobProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'test');
  const construct = new SourcePreparationJob(stack, 'source-preparation', { ...base, ...props });
  const text = Testing.synth(stack);
  return { construct, text, json: JSON.parse(text) };
}

/** The CronJob as Terraform hands it to the cluster (the kubernetes_manifest's manifest). */
function synthesizedCronJob(json: Record<string, any>): Record<string, any> {
  const manifests = Object.values(json.resource.kubernetes_manifest) as Array<{ manifest: Record<string, any> }>;
  expect(manifests).toHaveLength(1);
  return manifests[0].manifest;
}
const podSpec = (cronJob: Record<string, any>) => cronJob.spec.jobTemplate.spec.template.spec;
const container = (cronJob: Record<string, any>) => podSpec(cronJob).containers.find((c: any) => c.name === PREPARE_SOURCE_CONTAINER);

/**
 * The Job `kubectl create job <name> --from=cronjob/<cron>` makes: the CronJob's jobTemplate
 * spec and labels, an "instantiate: manual" annotation and the CronJob as controlling owner
 * (kubectl pkg/cmd/create/create_job.go, createJobFromCronJob).
 */
function jobFromCronJob(cronJob: Record<string, any>, name: string): Record<string, any> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cronJob.metadata.namespace,
      labels: cronJob.spec.jobTemplate.metadata?.labels,
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', ...(cronJob.spec.jobTemplate.metadata?.annotations ?? {}) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name, uid: '0d4c1f52-1111-4222-8333-444455556666', controller: true }],
    },
    spec: cronJob.spec.jobTemplate.spec,
  };
}

describe('SourcePreparationJob', () => {
  test('defaults: a suspended CronJob of one attempt, with a deadline, a day of history and resource limits', () => {
    const { json, construct } = build();
    const cronJob = synthesizedCronJob(json);
    expect(cronJob.metadata).toMatchObject({ name: 'cdc-prepare-source', namespace: 'airbyte' });
    expect(cronJob.spec).toMatchObject({ suspend: true, concurrencyPolicy: 'Forbid' });
    const jobSpec = cronJob.spec.jobTemplate.spec;
    expect(jobSpec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
    expect(podSpec(cronJob).restartPolicy).toBe('Never');
    expect(container(cronJob).resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(podSpec(cronJob).initContainers[0].resources).toEqual(container(cronJob).resources);
    expect(podSpec(cronJob).nodeSelector).toEqual({});
    expect(construct.cronJobName).toBe('cdc-prepare-source');
    expect(construct.activeDeadlineSeconds).toBe(1800);
  });

  test('props override the defaults', () => {
    const cronJob = synthesizedCronJob(build({ name: 'prep', activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600, nodeSelector: { 'cdc/pool': 'services' } }).json);
    expect(cronJob.metadata.name).toBe('prep');
    expect(cronJob.spec.jobTemplate.spec).toMatchObject({ activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    expect(podSpec(cronJob).nodeSelector).toEqual({ 'cdc/pool': 'services' });
  });

  test('runs the Deployment\'s bundle ConfigMap in its pinned image, verified by its init step, as non-root like it', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const deployment = new OrchestratorDeployment(stack, 'orchestrator', {
      namespace: 'airbyte', serviceAccountName: 'cdc-orchestrator', bundlePath: fakeBundlePath(), configParameterName: '/pr-8/cdc/orchestrator-config',
      region: 'eu-west-1', airbyteApiUrl: 'http://airbyte-airbyte-server-svc.airbyte:8001/api/public/v1', credentialsSecretName: 'cdc-orchestrator',
      alertWebhookSecretName: 'cdc-orchestrator-alerts',
    });
    const job = new SourcePreparationJob(stack, 'source-preparation', {
      ...base, bundleConfigMapName: deployment.bundleConfigMapName, bundleSha256: deployment.bundleSha256,
    });
    const deploymentPod = (deployment.deploymentManifest as any).spec.template.spec;
    const jobPod = podSpec(job.cronJobManifest);
    expect(jobPod.volumes).toContainEqual({ name: 'bundle', configMap: { name: deployment.bundleConfigMapName } });
    expect(jobPod.securityContext).toEqual(deploymentPod.securityContext);
    expect(jobPod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(jobPod.automountServiceAccountToken).toBe(false);
    const [verify] = jobPod.initContainers;
    expect(verify).toMatchObject({ name: 'verify-bundle', image: deploymentPod.initContainers[0].image, command: deploymentPod.initContainers[0].command });
    expect(verify.env).toEqual(deploymentPod.initContainers[0].env);
    const main = container(job.cronJobManifest);
    expect(main.image).toBe('public.ecr.aws/docker/library/node:22.21.1-bookworm-slim');
    expect(main.image).toBe(deploymentPod.containers[0].image);
    expect(main.securityContext).toEqual(deploymentPod.containers[0].securityContext);
    expect(main.command).toEqual(['/bin/sh', '-c', PREPARE_SOURCE_SCRIPT, 'cdc-prepare-source']);
    expect(main.args).toBeUndefined();
    expect(main.env).toContainEqual({ name: 'NODE_EXTRA_CA_CERTS', value: '/app/rds-ca.pem' });
  });

  test('what to prepare is plain configuration; every login comes from the Kubernetes secret', () => {
    const { json, text } = build();
    const env = container(synthesizedCronJob(json)).env as Array<Record<string, any>>;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'CDC_ENVIRONMENT', value: 'pr-8' },
      { name: 'SOURCE_TABLES', value: 'public.customers,public.orders' },
      { name: 'REPLICATION_SLOT', value: 'airbyte_pr_8_slot' },
      { name: 'PUBLICATION', value: 'airbyte_pr_8_publication' },
    ]));
    const fromSecret = env.filter((e) => e.valueFrom);
    expect(fromSecret).toEqual([
      { name: 'SOURCE_ADMIN_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'cdc-prepare-source', key: 'SOURCE_ADMIN_DATABASE_URL', optional: true } } },
      { name: 'SOURCE_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'cdc-prepare-source', key: 'SOURCE_DATABASE_URL' } } },
      { name: 'SOURCE_REPLICATION_PASSWORD', valueFrom: { secretKeyRef: { name: 'cdc-prepare-source', key: 'SOURCE_REPLICATION_PASSWORD' } } },
      { name: 'AIRBYTE_DATABASE_USER', valueFrom: { secretKeyRef: { name: 'cdc-prepare-source', key: 'AIRBYTE_DATABASE_USER' } } },
    ]);
    // No login travels as a value: neither in the manifest nor anywhere in the synthesized JSON.
    for (const e of env) if (/URL|PASSWORD|USER$/.test(e.name) && e.name !== 'NODE_EXTRA_CA_CERTS') expect({ name: e.name, value: e.value }).toEqual({ name: e.name, value: undefined });
    expect(text).not.toMatch(/postgres(ql)?:\/\/|password"\s*:/i);
  });

  test('without slot and publication, prepare-source derives them from the environment (no empty variables)', () => {
    const env = container(build({ replicationSlot: undefined, publication: undefined }).construct.cronJobManifest).env as Array<{ name: string }>;
    expect(env.map((e) => e.name)).not.toContain('REPLICATION_SLOT');
    expect(env.map((e) => e.name)).not.toContain('PUBLICATION');
  });

  test('a seed travels in its own immutable ConfigMap (a file reference, not its text) and is mounted for SOURCE_SEED_SQL_FILE', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
    const seed = path.join(dir, 'seed.sql');
    fs.writeFileSync(seed, 'CREATE TABLE IF NOT EXISTS public.orders (id int PRIMARY KEY);\n');
    const { json, text } = build({ seedSqlPath: seed });
    const configMaps = Object.values(json.resource.kubernetes_config_map_v1) as Array<Record<string, any>>;
    expect(configMaps).toHaveLength(1);
    expect(configMaps[0]).toMatchObject({ immutable: true, metadata: { name: expect.stringMatching(/^cdc-prepare-source-seed-[0-9a-f]{12}$/), namespace: 'airbyte' } });
    expect(configMaps[0].data['seed.sql']).toMatch(/^\$\{file\(".+seed\.sql"\)\}$/);
    expect(text).not.toContain('CREATE TABLE');
    const cronJob = synthesizedCronJob(json);
    expect(container(cronJob).env).toContainEqual({ name: 'SOURCE_SEED_SQL_FILE', value: '/seed/seed.sql' });
    expect(container(cronJob).volumeMounts).toContainEqual({ name: 'seed', mountPath: '/seed', readOnly: true });
    expect(podSpec(cronJob).volumes).toContainEqual({ name: 'seed', configMap: { name: configMaps[0].metadata.name } });
    // The CronJob is created after the ConfigMap it mounts.
    const [manifest] = Object.values(json.resource.kubernetes_manifest) as Array<{ depends_on: string[] }>;
    expect(manifest.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_config_map_v1\./)]));

    const without = build();
    expect(without.json.resource.kubernetes_config_map_v1).toBeUndefined();
    expect(container(synthesizedCronJob(without.json)).env.map((e: { name: string }) => e.name)).not.toContain('SOURCE_SEED_SQL_FILE');
  });

  test('the CronJob, and the Job kubectl makes from it, validate against Kubernetes\' schemas', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
    fs.writeFileSync(path.join(dir, 'seed.sql'), 'SELECT 1;\n');
    const cronJob = synthesizedCronJob(build({ seedSqlPath: path.join(dir, 'seed.sql'), nodeSelector: { 'cdc/pool': 'services' } }).json);
    expect(kubernetesSchemaProblems([cronJob, jobFromCronJob(cronJob, 'cdc-prepare-source-20261201-124800')])).toEqual([]);
  });

  test('the schema check can fail: a CronJob without a schedule, or with a string backoffLimit', () => {
    const cronJob = synthesizedCronJob(build().json);
    const broken = JSON.parse(JSON.stringify(cronJob));
    delete broken.spec.schedule;
    broken.spec.jobTemplate.spec.backoffLimit = 'zero';
    const problems = kubernetesSchemaProblems([broken]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/CronJob cdc-prepare-source: .*(schedule|backoffLimit)/);
  });

  describe('refuses props it cannot work with, naming the prop', () => {
    const where = 'SourcePreparationJob test/source-preparation';
    test.each<[string, Partial<SourcePreparationJobProps>, string]>([
      ['name', { name: 'Prepare_Source' }, 'name "Prepare_Source" must be lowercase letters, digits and hyphens, at most 47 characters (Job names add a 16-character timestamp)'],
      ['name (too long for a Job name with its timestamp)', { name: 'p'.repeat(48) }, `name "${'p'.repeat(48)}" must be lowercase letters, digits and hyphens, at most 47 characters (Job names add a 16-character timestamp)`],
      ['namespace', { namespace: 'Airbyte' }, 'namespace "Airbyte" must be a Kubernetes name (lowercase letters, digits and hyphens, at most 63)'],
      ['bundleConfigMapName', { bundleConfigMapName: 'Bundle!' }, 'bundleConfigMapName "Bundle!" must be a Kubernetes object name (lowercase letters, digits, \'-\' and \'.\')'],
      ['credentialsSecretName', { credentialsSecretName: '' }, 'credentialsSecretName "" must be a Kubernetes object name (lowercase letters, digits, \'-\' and \'.\')'],
      ['bundleSha256', { bundleSha256: 'abc' }, 'bundleSha256 "abc" must be 64 lowercase hex digits (the bundle\'s sha256)'],
      ['environment', { environment: 'pr 8' }, 'environment "pr 8" must be an environment name such as dev or pr-123'],
      ['tables (empty)', { tables: [] }, 'tables is empty; expected the watched tables as schema.table (e.g. public.orders)'],
      ['tables (no schema)', { tables: ['public.orders', 'customers'] }, 'tables has "customers"; expected schema.table (e.g. public.orders), without commas or spaces'],
      ['tables (comma)', { tables: ['public.a,public.b'] }, 'tables has "public.a,public.b"; expected schema.table (e.g. public.orders), without commas or spaces'],
      ['replicationSlot', { replicationSlot: 'rds_slot' }, 'replicationSlot "rds_slot" must be lowercase letters, digits and underscores (at most 63), not starting with "rds" (reserved by RDS)'],
      ['publication', { publication: 'pub-1' }, 'publication "pub-1" must be a PostgreSQL identifier (letters, digits, underscores; at most 63)'],
      ['activeDeadlineSeconds', { activeDeadlineSeconds: 30 }, 'activeDeadlineSeconds must be an integer from 60 to 86400, got 30'],
      ['ttlSecondsAfterFinished', { ttlSecondsAfterFinished: 0 }, 'ttlSecondsAfterFinished must be an integer from 600 to 2592000, got 0'],
      ['seedSqlPath', { seedSqlPath: '/nonexistent/seed.sql' }, 'seedSqlPath /nonexistent/seed.sql is not a file'],
    ])('%s', (_prop, props, message) => {
      expectPropsError(() => build(props), `${where}: ${message}`);
    });

    test('seedSqlPath too large for a ConfigMap', () => {
      const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seed-')), 'big.sql');
      fs.writeFileSync(big, '-- x\n'.repeat(200 * 1024));
      expectPropsError(() => build({ seedSqlPath: big }), `${where}: seedSqlPath ${big} has 1024000 bytes, over the 921600 a ConfigMap can carry safely (1 MiB limit)`);
    });
  });

  describe('the container\'s command', () => {
    // Runs the command as the container would (`/bin/sh -c SCRIPT cdc-prepare-source [args]`), with
    // a `node` on PATH that stands in for the bundle: it records its arguments and exits 2.
    function runScript(env: Record<string, string>, args: string[] = []) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prepare-script-'));
      fs.writeFileSync(path.join(dir, 'node'), '#!/bin/sh\necho "node $*"\nexit 2\n', { mode: 0o755 });
      return spawnSync('/bin/sh', ['-c', PREPARE_SOURCE_SCRIPT, 'cdc-prepare-source', ...args], {
        encoding: 'utf8',
        env: { PATH: `${dir}:/usr/bin:/bin`, CDC_ENVIRONMENT: 'pr-8', ...env },
      });
    }

    test('runs the bundle\'s prepare-source with the Job\'s arguments and keeps its exit code', () => {
      const r = runScript({ SOURCE_ADMIN_DATABASE_URL: 'postgresql://admin:x@db:5432/app' }, ['--recreate-lost-slot']);
      expect(r.stdout).toBe('node /app/orchestrator.js prepare-source --recreate-lost-slot\n');
      expect(r.status).toBe(2);
    });

    test('without an admin login: exit 2 with what a person does, and prepare-source does not run', () => {
      const r = runScript({});
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('cdc-prepare-source: no admin login is known for the source database of pr-8: set database.adminSecretArn');
      expect(r.stderr).toContain('rerun scripts/stack.sh deploy with --skip-prepare-source');
    });

    test('holds nothing Terraform would read as interpolation', () => {
      expect(PREPARE_SOURCE_SCRIPT).not.toMatch(/[$%]\{/);
    });
  });
});
