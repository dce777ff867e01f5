import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig, ephemeralEnvironment } from '../../config';
import { dev } from '../../config/environments/dev';
import { prod } from '../../config/environments/prod';
import { dataOf, resourcesOf, StackJson, synthEnvironment } from '../support/synth';

// The same pull request environment on one host and on EKS: what the host's cdc-prepare-source
// reads from its parameter and what the in-cluster Job gets must be the same plan.
const onEks = synthEnvironment(ephemeralEnvironment('pr-77', dev, 'eks-helm'));
const onHost = synthEnvironment(ephemeralEnvironment('pr-77', dev));

const cronJobOf = (stack: StackJson) => {
  const manifests = resourcesOf(stack, 'kubernetes_manifest').map((r) => r as { manifest: Record<string, any>; depends_on?: string[] });
  const found = manifests.filter((m) => m.manifest.kind === 'CronJob');
  expect(found).toHaveLength(1);
  return found[0];
};
const jobEnv = (stack: StackJson): Array<{ name: string; value?: string; valueFrom?: unknown }> =>
  cronJobOf(stack).manifest.spec.jobTemplate.spec.template.spec.containers.find((c: { name: string }) => c.name === 'prepare-source').env;
const preparationSecret = (stack: StackJson) => stack.resource!.kubernetes_secret_v1['source-preparation-secret'] as { metadata: { name: string }; data: Record<string, string> };

describe('<env>-kubernetes: the source preparation Job template', () => {
  test('prepares what the host would: the parameter\'s tables, slot and publication are the Job\'s SOURCE_TABLES, REPLICATION_SLOT, PUBLICATION', () => {
    const parameter = String((onHost.aws.resource!.aws_ssm_parameter['source-preparation'] as { value: string }).value);
    const field = (key: string) => new RegExp(`"${key}" = "([^"]*)"`).exec(parameter)?.[1];
    expect(field('tables')).toBe('public.customers,public.orders');
    const env = Object.fromEntries(jobEnv(onEks.kubernetes!).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      CDC_ENVIRONMENT: field('environment'),
      SOURCE_TABLES: field('tables'),
      REPLICATION_SLOT: field('replicationSlot'),
      PUBLICATION: field('publication'),
    });
  });

  test('the ephemeral seed is the host\'s seed file (same sha256), in a ConfigMap read at apply time', () => {
    const parameter = String((onHost.aws.resource!.aws_ssm_parameter['source-preparation'] as { value: string }).value);
    const hostSeedSha = /"seed" = "([0-9a-f]{64}) /.exec(parameter)?.[1];
    const seedFile = path.join(__dirname, '..', '..', 'config', 'seed', 'dev.sql');
    expect(hostSeedSha).toBe(crypto.createHash('sha256').update(fs.readFileSync(seedFile)).digest('hex'));
    const seedMap = Object.values(onEks.kubernetes!.resource!.kubernetes_config_map_v1).find((c: any) => c.data?.['seed.sql']) as { metadata: { name: string }; data: Record<string, string> };
    expect(seedMap.data['seed.sql']).toMatch(/^\$\{file\(".+\/dev\.sql"\)\}$/);
    expect(seedMap.metadata.name).toBe(`cdc-prepare-source-seed-${hostSeedSha!.slice(0, 12)}`);
    expect(jobEnv(onEks.kubernetes!)).toContainEqual({ name: 'SOURCE_SEED_SQL_FILE', value: '/seed/seed.sql' });
  });

  test('the logins reach the Job only through the secret, which Terraform fills from Secrets Manager at apply time (no literal)', () => {
    const secret = preparationSecret(onEks.kubernetes!);
    expect(secret.metadata.name).toBe('cdc-prepare-source');
    expect(Object.keys(secret.data).sort()).toEqual(['AIRBYTE_DATABASE_USER', 'SOURCE_ADMIN_DATABASE_URL', 'SOURCE_DATABASE_URL', 'SOURCE_REPLICATION_PASSWORD']);
    for (const [key, value] of Object.entries(secret.data)) {
      expect({ key, value }).toEqual({ key, value: expect.stringMatching(/^\$\{.*data\.aws_secretsmanager_secret_version\.[\w-]+\.secret_string.*\}$/) });
    }
    // The admin login is the source instance's RDS-managed master secret (a cross-stack reference).
    expect(secret.data.SOURCE_ADMIN_DATABASE_URL).toContain('data.aws_secretsmanager_secret_version.source-admin-login.secret_string');
    const adminLogin = onEks.kubernetes!.data!.aws_secretsmanager_secret_version['source-admin-login'] as { secret_id: string };
    expect(adminLogin.secret_id).toMatch(/^\$\{data\.terraform_remote_state\.[\w-]+\.outputs\.cross-stack-output-aws_db_instancesource-db_instance_\w+master_user_secret0secret_arn\}$/);
    expect(onEks.text.kubernetes).not.toMatch(/postgres(ql)?:\/\/[^%]/);
    const names = jobEnv(onEks.kubernetes!).filter((e) => e.valueFrom).map((e) => e.name);
    expect(names.sort()).toEqual(Object.keys(secret.data).sort());
  });

  test('the CronJob is created after its secret and the bundle ConfigMap, pinned to the services nodes', () => {
    const cronJob = cronJobOf(onEks.kubernetes!);
    expect(cronJob.depends_on).toEqual(expect.arrayContaining([
      'kubernetes_secret_v1.source-preparation-secret',
      expect.stringMatching(/^kubernetes_config_map_v1\.orchestrator_bundle-config-map_/),
    ]));
    expect(cronJob.manifest.spec.jobTemplate.spec.template.spec.nodeSelector).toEqual({ 'cdc/pool': 'services' });
    const deployment = resourcesOf(onEks.kubernetes!, 'kubernetes_manifest').map((r: any) => r.manifest).find((m) => m.kind === 'Deployment');
    const bundleVolume = (spec: any) => spec.volumes.find((v: { name: string }) => v.name === 'bundle');
    expect(bundleVolume(cronJob.manifest.spec.jobTemplate.spec.template.spec)).toEqual(bundleVolume(deployment.spec.template.spec));
  });

  test('publishes what scripts/stack.sh reads: the CronJob, its namespace and deadline, and the orchestrator Deployment', () => {
    const outputs = onEks.kubernetes!.output!;
    expect(outputs.source_preparation.value).toEqual({ namespace: 'airbyte', cron_job: 'cdc-prepare-source', active_deadline_seconds: 1800 });
    expect(outputs.orchestrator_deployment.value).toBe('airbyte/cdc-orchestrator');
    const cronJob = cronJobOf(onEks.kubernetes!).manifest;
    expect(cronJob.metadata).toMatchObject({ name: 'cdc-prepare-source', namespace: 'airbyte' });
    expect(cronJob.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(1800);
  });

  test('an existing database without an admin login: no admin key, so the Job stops with exit 2 and says what to do', () => {
    const existing: EnvironmentConfig = {
      ...prod,
      database: {
        mode: 'existing', databaseName: 'app', instanceIdentifier: 'legacy-db', address: 'legacy-db.abc.eu-west-1.rds.amazonaws.com',
        parameterGroupFamily: 'postgres16', securityGroupId: 'sg-0123456789abcdef0',
      },
    };
    const kubernetes = synthEnvironment(existing).kubernetes!;
    expect(Object.keys(preparationSecret(kubernetes).data)).not.toContain('SOURCE_ADMIN_DATABASE_URL');
    expect(dataOf(kubernetes, 'aws_secretsmanager_secret_version').length).toBeGreaterThan(0);
    expect(kubernetes.data!.aws_secretsmanager_secret_version['source-admin-login']).toBeUndefined();
    expect(jobEnv(kubernetes)).toContainEqual({
      name: 'SOURCE_ADMIN_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'cdc-prepare-source', key: 'SOURCE_ADMIN_DATABASE_URL', optional: true } },
    });

    const withAdmin = synthEnvironment({ ...existing, database: { ...existing.database, adminSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy-admin-AbCdEf' } as EnvironmentConfig['database'] }).kubernetes!;
    expect(Object.keys(preparationSecret(withAdmin).data)).toContain('SOURCE_ADMIN_DATABASE_URL');
    expect((withAdmin.data!.aws_secretsmanager_secret_version['source-admin-login'] as { secret_id: string }).secret_id).toBe('arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy-admin-AbCdEf');
  });
});
