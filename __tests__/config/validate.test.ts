import { ConfigValidationError, EnvironmentConfig, EnvironmentSelectionError, loadEnvironments, validateEnvironment } from '../../config';
import { dev } from '../../config/environments/dev';
import { prod } from '../../config/environments/prod';

/** The validation message for a config, or a failure if it was accepted. */
function problemsOf(config: EnvironmentConfig): string {
  try {
    validateEnvironment(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as Error).message;
  }
  throw new Error('config was accepted but should have been refused');
}

describe('environment config validation', () => {
  test('checked-in environments are valid and get their defaults', () => {
    const resolvedDev = validateEnvironment(dev);
    expect(resolvedDev.host.instanceType).toBe('m6i.xlarge');
    expect(resolvedDev.host.vcpu).toBe(4);
    expect(resolvedDev.host.memoryGiB).toBe(16);
    expect(resolvedDev.host.rootVolumeGiB).toBeGreaterThanOrEqual(50);
    expect(resolvedDev.backend).toEqual({
      type: 's3',
      bucket: 'example-terraform-state-dev',
      region: 'eu-west-1',
      keyPrefix: 'cdc-bigquery',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/00000000-0000-4000-8000-000000000001',
    });
    expect(validateEnvironment({ ...dev, backend: undefined }).backend).toEqual({ type: 'local' });
    expect(resolvedDev.airbyte.serverUrl).toBe('http://localhost:8000/api/public/v1');
    expect(resolvedDev.airbyte.source.sslMode).toBe('require');
    expect(resolvedDev.airbyte.schedule).toEqual({ type: 'orchestrator' });
    expect(resolvedDev.airbyte.source.replication).toMatchObject({
      method: 'cdc', replicationSlot: 'airbyte_dev_slot', publication: 'airbyte_dev_publication', initialWaitingSeconds: 300,
    });
    expect(validateEnvironment(prod).backend).toMatchObject({ type: 's3', bucket: 'example-terraform-state-prod' });
  });

  test('the issue-10 settings: defaults and what is refused, by field', () => {
    const resolved = validateEnvironment(dev);
    expect(resolved.host).toMatchObject({ airbyteChartVersion: '2.2.0', dataVolumeGiB: 50, retainDataVolume: true });
    expect(resolved.host.dockerHubSecretArn).toBeUndefined();
    expect(resolved.database).toMatchObject({ engineVersion: '16', parameterGroupFamily: 'postgres16', logRetentionDays: 30 });
    // The seed is resolved for ephemeral environments only.
    expect(resolved.database.seedSqlFile).toBeUndefined();
    expect(validateEnvironment({ ...dev, ephemeral: true }).database.seedSqlFile).toMatch(/\/config\/seed\/dev\.sql$/);
    expect(resolved.alarms.subscriptions).toEqual([{ protocol: 'email', endpoint: 'data-platform-alerts@example.com' }]);
    expect(validateEnvironment({ ...dev, ephemeral: true }).host.retainDataVolume).toBe(false);

    const created = dev.database as Extract<EnvironmentConfig['database'], { mode: 'create' }>;
    const message = problemsOf({
      ...dev,
      host: { airbyteChartVersion: 'latest', dataVolumeGiB: 5, dockerHubSecretArn: 'docker-hub' },
      database: { ...created, engineVersion: '16.4.1', logRetentionDays: 10, seedSqlFile: 'config/seed/missing.sql' },
      alarms: { subscriptions: [{ protocol: 'email', endpoint: 'not-an-address' }, { protocol: 'https', endpoint: 'http://plain' }, { protocol: 'sms' as 'email', endpoint: '+100' }] },
    });
    expect(message).toContain('host.airbyteChartVersion: "latest" is invalid; expected an Airbyte Helm chart version like 2.2.0');
    expect(message).toContain('host.dataVolumeGiB: 5 is out of range');
    expect(message).toContain('host.dockerHubSecretArn: "docker-hub" is invalid; expected a Secrets Manager secret ARN');
    expect(message).toContain('database.engineVersion: "16.4.1" is not allowed; expected a major version like "16"');
    expect(message).toContain('database.logRetentionDays: 10 is not allowed; expected one of: 1, 3, 5');
    expect(message).toContain('database.seedSqlFile: "config/seed/missing.sql" is not a .sql file under the repository root');
    expect(message).toContain('alarms.subscriptions[0].endpoint: "not-an-address" is invalid; expected an e-mail address');
    expect(message).toContain('alarms.subscriptions[1].endpoint: "http://plain" is invalid; expected an https:// URL');
    expect(message).toContain('alarms.subscriptions[2].protocol: "sms" is not allowed; expected one of: email, https');
    expect(problemsOf({ ...dev, database: { ...created, engineVersion: '12' } })).toContain('database.engineVersion: "12" is not allowed');
  });

  test('unknown AWS region names the environment, the field and what is allowed', () => {
    const message = problemsOf({ ...dev, aws: { region: 'eu-west-9' } });
    expect(message).toContain('environment "dev"');
    expect(message).toContain('aws.region: "eu-west-9" is not allowed; expected one of: af-south-1');
  });

  test('a CIDR that does not parse is refused', () => {
    const message = problemsOf({ ...dev, network: { mode: 'create', vpcCidr: '10.300.0.0/16' } });
    expect(message).toContain('network.vpcCidr: "10.300.0.0/16" does not parse; expected an IPv4 network CIDR');
    expect(problemsOf({ ...dev, network: { mode: 'create', vpcCidr: '10.42.0.1/16' } })).toContain('network.vpcCidr');
    expect(problemsOf({ ...dev, network: { mode: 'create', vpcCidr: '10.0.0.0/8' } })).toContain('network.vpcCidr: /8 is not allowed; expected a prefix from /16 to /24');
  });

  test('a replication slot starting with "rds" is refused', () => {
    const message = problemsOf({
      ...dev,
      airbyte: { ...dev.airbyte, source: { replication: { method: 'cdc', replicationSlot: 'rds_airbyte' } } },
    });
    expect(message).toContain('airbyte.source.replication.replicationSlot: "rds_airbyte" starts with "rds", which RDS reserves');
  });

  test.each(['', '   '])('with CDC an empty heartbeatActionQuery (%p) is refused', (value) => {
    const message = problemsOf({
      ...dev,
      airbyte: { ...dev.airbyte, source: { replication: { method: 'cdc', heartbeatActionQuery: value } } },
    });
    expect(message).toContain('airbyte.source.replication.heartbeatActionQuery: is empty; with CDC a quiet database then never advances the replication slot');
  });

  test.each([119, 2401, 12.5])('initial_waiting_seconds %p outside 120–2400 is refused', (value) => {
    const message = problemsOf({
      ...dev,
      airbyte: { ...dev.airbyte, source: { replication: { method: 'cdc', initialWaitingSeconds: value } } },
    });
    expect(message).toContain(`airbyte.source.replication.initialWaitingSeconds: ${value} is out of range; expected an integer from 120 to 2400`);
  });

  test('a BigQuery location outside the connector list is refused', () => {
    const message = problemsOf({ ...dev, gcp: { ...dev.gcp, datasetLocation: 'mars-north1' } });
    expect(message).toContain('gcp.datasetLocation: "mars-north1" is not allowed; expected one of: EU, US');
  });

  test('a missing project id is refused', () => {
    const message = problemsOf({ ...dev, gcp: { ...dev.gcp, projectId: '' } });
    expect(message).toContain('gcp.projectId: is required; expected a non-empty string');
  });

  test('every problem is reported at once', () => {
    const message = problemsOf({ ...dev, aws: { region: 'nowhere' }, gcp: { ...dev.gcp, datasetLocation: 'nowhere' } });
    expect(message).toContain('has 2 invalid settings');
    expect(message).toContain('aws.region');
    expect(message).toContain('gcp.datasetLocation');
  });

  test('other refused values name their field', () => {
    expect(problemsOf({ ...dev, host: { rootVolumeGiB: 30 } })).toContain('host.rootVolumeGiB: 30 is out of range; expected an integer from 50');
    expect(problemsOf({ ...dev, host: { instanceType: 'x9.huge' } })).toContain('host.instanceType: "x9.huge" is not allowed');
    expect(problemsOf({ ...dev, host: { abctlVersion: 'latest' } })).toContain('host.abctlVersion: "latest" is invalid; expected a pinned abctl release tag');
    expect(problemsOf({ ...dev, database: { ...dev.database, cdc: { maxReplicationSlots: 10, maxWalSenders: 5 } } })).toContain(
      'database.cdc.maxWalSenders: 5 is below maxReplicationSlots (10)',
    );
    expect(problemsOf({ ...dev, database: { mode: 'create', databaseName: 'app', engineVersion: '12.9' } })).toContain('database.engineVersion');
    expect(problemsOf({ ...dev, airbyte: { ...dev.airbyte, streams: [] } })).toContain('airbyte.streams: is empty');
    expect(problemsOf({ ...dev, airbyte: { ...dev.airbyte, streams: [{ name: 'orders' }] } })).toContain(
      'airbyte.streams[0].primaryKey: is required for incremental_deduped_history',
    );
    expect(problemsOf({ ...dev, airbyte: { ...dev.airbyte, streams: [{ name: 'orders', namespace: 'sales', primaryKey: [['id']] }] } })).toContain(
      'airbyte.streams[0].namespace: "sales" is not in airbyte.source.schemas',
    );
    expect(problemsOf({ ...dev, airbyte: { ...dev.airbyte, schedule: { type: 'cron', cronExpression: '*/5 * * * *' } } })).toContain(
      'airbyte.schedule.cronExpression: "*/5 * * * *" is not a Quartz cron expression',
    );
    expect(problemsOf({ ...dev, airbyte: { ...dev.airbyte, schedule: { type: 'orchestrator', freshnessTargetSeconds: 5 } } })).toContain(
      'airbyte.schedule.freshnessTargetSeconds: 5 is out of range; expected an integer from 30 to 604800',
    );
    expect(problemsOf({ ...dev, airbyte: { ...dev.airbyte, schedule: { type: 'orchestrator', minSyncIntervalSeconds: -1 } } })).toContain(
      'airbyte.schedule.minSyncIntervalSeconds: -1 is out of range',
    );
    expect(validateEnvironment({ ...dev, airbyte: { ...dev.airbyte, schedule: { type: 'orchestrator', freshnessTargetSeconds: 300, minSyncIntervalSeconds: 0 } } }).airbyte.schedule).toEqual({
      type: 'orchestrator', freshnessTargetSeconds: 300, minSyncIntervalSeconds: 0,
    });
    expect(problemsOf({ ...dev, airbyte: { ...dev.airbyte, source: { sslMode: 'verify-full' } } })).toContain(
      'airbyte.source.caCertificate: is required when sslMode is "verify-full"',
    );
    expect(problemsOf({ ...dev, airbyte: { ...dev.airbyte, serverUrl: 'localhost:8000' } })).toContain('airbyte.serverUrl');
    expect(problemsOf({ ...dev, backend: { type: 's3', bucket: 'Bad_Bucket', region: 'eu-west-1', kmsKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/00000000-0000-4000-8000-000000000001' } })).toContain('backend.bucket');
    // S3 state without the state key would be uploaded SSE-S3, which the state bucket refuses.
    const withoutKey = problemsOf({ ...dev, backend: { type: 's3', bucket: 'example-terraform-state-dev', region: 'eu-west-1' } as never });
    expect(withoutKey).toContain('backend.kmsKeyArn: undefined is invalid; expected the ARN of the state key (bootstrap output state_kms_key_arn)');
    expect(problemsOf({ ...dev, backend: { ...(dev.backend as object), kmsKeyArn: 'alias/cdc-terraform-state' } as never })).toContain('backend.kmsKeyArn');
    expect(problemsOf({ ...dev, name: 'Dev' })).toContain('name: "Dev" is invalid');
    expect(
      problemsOf({ ...dev, network: { mode: 'existing', vpcId: 'vpc-0a1b2c3d', hostSubnetId: 'subnet-0a1b2c3d', databaseSubnetIds: ['subnet-0a1b2c3e'] } }),
    ).toContain('network.databaseSubnetIds: has 1 subnet(s); a created RDS instance needs at least 2');
  });
});

describe('environment selection', () => {
  test('dev and prod are synthesized by default', () => {
    expect(loadEnvironments({}).map((e) => e.name)).toEqual(['dev', 'prod']);
  });

  test('EPHEMERAL_ENV adds a teardown-friendly environment without editing files', () => {
    const envs = loadEnvironments({ EPHEMERAL_ENV: 'pr-123' });
    const pr = envs.find((e) => e.name === 'pr-123');
    expect(pr).toBeDefined();
    expect(pr!.ephemeral).toBe(true);
    expect(pr!.gcp.datasetId).toBe('cdc_pr_123');
    expect(pr!.airbyte.source.replication).toMatchObject({ replicationSlot: 'airbyte_pr_123_slot', publication: 'airbyte_pr_123_publication' });
    expect(pr!.database).toMatchObject({ mode: 'create', backupRetentionDays: 1 });
  });

  test('ENVIRONMENTS restricts the output', () => {
    expect(loadEnvironments({ EPHEMERAL_ENV: 'pr-7', ENVIRONMENTS: 'pr-7' }).map((e) => e.name)).toEqual(['pr-7']);
  });

  test('bad selections are explained', () => {
    expect(() => loadEnvironments({ EPHEMERAL_ENV: 'feature/x' })).toThrow(EnvironmentSelectionError);
    expect(() => loadEnvironments({ EPHEMERAL_ENV: 'feature/x' })).toThrow('EPHEMERAL_ENV: "feature/x" is not an ephemeral environment name; expected pr-<number>');
    expect(() => loadEnvironments({ EPHEMERAL_ENV: 'dev' })).toThrow('EPHEMERAL_ENV: "dev" is a checked-in environment');
    expect(() => loadEnvironments({ ENVIRONMENTS: 'staging' })).toThrow('ENVIRONMENTS: unknown environment(s) staging; expected some of: dev, prod');
  });
});

describe('alarm settings', () => {
  test('a bad topic ARN or threshold names its field', () => {
    expect(problemsOf({ ...dev, alarms: { snsTopicArn: 'pager' } })).toContain('alarms.snsTopicArn: "pager" is invalid; expected an SNS topic ARN');
    expect(problemsOf({ ...dev, alarms: { slotLagMiB: 0 } })).toContain('alarms.slotLagMiB: 0 is out of range');
  });
});

describe('hosting: ec2-abctl (default) or eks-helm', () => {
  const eks = (hosting: Record<string, unknown>, rest: Partial<EnvironmentConfig> = {}): EnvironmentConfig =>
    ({ ...prod, ...rest, hosting: { ...(prod.hosting as object), ...hosting } }) as unknown as EnvironmentConfig;

  test('dev stays on one host; prod uses eks-helm with its defaults filled in', () => {
    expect(validateEnvironment(dev).hosting).toEqual({ mode: 'ec2-abctl' });
    const hosting = validateEnvironment(prod).hosting;
    expect(hosting).toMatchObject({
      mode: 'eks-helm', kubernetesVersion: '1.35', endpointPublicAccessCidrs: [], namespace: 'airbyte',
      clusterSubnetIds: ['subnet-0a1b2c3d4e5f60004', 'subnet-0a1b2c3d4e5f60005'],
      jobNodes: { instanceType: 'm6i.2xlarge', vcpu: 8, memoryGiB: 32, minSize: 1, desiredSize: 2, maxSize: 8, diskGiB: 100 },
      scaling: { workerReplicas: 2, maxSyncWorkersPerWorker: 5, jobCpuRequest: '1', jobMemoryLimit: '4Gi' },
      configDatabase: { engineVersion: '16.4', parameterGroupFamily: 'postgres16', multiAz: true, backupRetentionDays: 14 },
    });
  });

  test('eks-helm on an existing network needs two cluster subnets', () => {
    expect(problemsOf(eks({ clusterSubnetIds: ['subnet-0a1b2c3d4e5f60004'] }))).toContain(
      'hosting.clusterSubnetIds: has 1 subnet(s); eks-helm on an existing network needs at least 2 private subnets in different availability zones',
    );
    expect(problemsOf(eks({ clusterSubnetIds: ['subnet-0a1b2c3d4e5f60004', 'subnet-0a1b2c3d4e5f60004'] }))).toContain('hosting.clusterSubnetIds: lists a subnet twice');
    expect(problemsOf({ ...dev, hosting: { mode: 'eks-helm', clusterSubnetIds: ['subnet-0a1b2c3d4e5f60004', 'subnet-0a1b2c3d4e5f60005'] } })).toContain(
      'hosting.clusterSubnetIds: is only for network.mode "existing"',
    );
  });

  test('refuses an endpoint open to the world, unsupported versions, a bad mode, bad ARNs', () => {
    expect(problemsOf(eks({ endpointPublicAccessCidrs: ['0.0.0.0/0'] }))).toContain('hosting.endpointPublicAccessCidrs[0]: "0.0.0.0/0" opens the cluster API to (nearly) the whole internet');
    expect(problemsOf(eks({ kubernetesVersion: '1.29' }))).toContain('hosting.kubernetesVersion: "1.29" is not allowed; expected one of: 1.34, 1.35, 1.36');
    expect(problemsOf({ ...dev, hosting: { mode: 'kubernetes' } as never })).toContain('hosting.mode: "kubernetes" is not allowed; expected one of: ec2-abctl, eks-helm');
    expect(problemsOf(eks({ clusterAdminRoleArns: ['cdc-github-deploy-prod'] }))).toContain('hosting.clusterAdminRoleArns[0]: "cdc-github-deploy-prod" is invalid; expected an IAM role ARN');
  });

  test('node groups and job sizes are checked against each other', () => {
    expect(problemsOf(eks({ servicesNodes: { minSize: 3, desiredSize: 2, maxSize: 4 } }))).toContain('hosting.servicesNodes.desiredSize: 2 must lie between minSize (3) and maxSize (4)');
    expect(problemsOf(eks({ servicesNodes: { minSize: 0, desiredSize: 1, maxSize: 2 } }))).toContain("hosting.servicesNodes.minSize: is 0; Airbyte's services need at least one node");
    expect(problemsOf(eks({ jobNodes: { instanceType: 'x9.huge' } }))).toContain('hosting.jobNodes.instanceType: "x9.huge" is not allowed');
    expect(problemsOf(eks({ scaling: { jobMemoryRequest: '64Gi', jobMemoryLimit: '64Gi' } }))).toContain('hosting.scaling.jobMemoryRequest: 64Gi does not fit on a m6i.2xlarge job node (32 GiB)');
    expect(problemsOf(eks({ scaling: { jobCpuRequest: '2', jobCpuLimit: '1' } }))).toContain('hosting.scaling.jobCpuRequest: 2 exceeds jobCpuLimit 1');
    expect(problemsOf(eks({ scaling: { jobMemoryLimit: '4GB' } }))).toContain('hosting.scaling.jobMemoryLimit: "4GB" is not a memory quantity');
    expect(problemsOf(eks({ configDatabase: { engineVersion: '18.1' } }))).toContain('hosting.configDatabase.engineVersion: "18.1" is not allowed');
  });

  test('EPHEMERAL_HOSTING=eks-helm puts an ephemeral environment on EKS', () => {
    const [pr] = loadEnvironments({ EPHEMERAL_ENV: 'pr-9', EPHEMERAL_HOSTING: 'eks-helm', ENVIRONMENTS: 'pr-9' });
    expect(pr.hosting).toMatchObject({ mode: 'eks-helm', configDatabase: { multiAz: false, backupRetentionDays: 1 } });
    expect(loadEnvironments({ EPHEMERAL_ENV: 'pr-9', ENVIRONMENTS: 'pr-9' })[0].hosting).toEqual({ mode: 'ec2-abctl' });
    expect(() => loadEnvironments({ EPHEMERAL_ENV: 'pr-9', EPHEMERAL_HOSTING: 'k8s' })).toThrow('EPHEMERAL_HOSTING: "k8s" is not a hosting mode; expected ec2-abctl or eks-helm');
  });
});
