// The environment schema (config/schema.ts) beyond the messages validate.test.ts checks: defaults
// come from the constructs' *_DEFAULTS (written once), every problem is named in our words (never
// zod's generic text), and cross-field rules still run when single fields fail.
import { ConfigValidationError, EnvironmentConfig, validateEnvironment } from '../../config';
import { dev } from '../../config/environments/dev';
import { prod } from '../../config/environments/prod';
import { formatPath } from '../../config/schema-kit';
import { AIRBYTE_CONFIG_DATABASE_DEFAULTS } from '../../constructs/airbyte-config-database';
import { AIRBYTE_DATA_VOLUME_DEFAULTS } from '../../constructs/airbyte-data-volume';
import { AIRBYTE_HOST_DEFAULTS } from '../../constructs/airbyte-host';
import { CDC_DATABASE_DEFAULTS, CDC_PARAMETER_DEFAULTS } from '../../constructs/cdc-database';
import { BIGQUERY_DESTINATION_DEFAULTS, POSTGRES_SOURCE_DEFAULTS } from '../../constructs/connector-configuration';
import { EKS_NODE_GROUP_DEFAULTS } from '../../constructs/eks-node-group';
import { CDC_NETWORK_DEFAULTS } from '../../constructs/network';
import { WAL_RETENTION_ALARMS_DEFAULTS } from '../../constructs/wal-retention-alarms';

function problems(config: unknown): string[] {
  try {
    validateEnvironment(config as EnvironmentConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error('config was accepted but should have been refused');
}

describe('defaults are the constructs\' own', () => {
  test('an environment that omits them gets exactly the constructs\' *_DEFAULTS', () => {
    const created = dev.database as Extract<EnvironmentConfig['database'], { mode: 'create' }>;
    const bare: EnvironmentConfig = { ...dev, host: undefined, alarms: undefined, network: { mode: 'create', vpcCidr: '10.42.0.0/16' }, database: { mode: 'create', databaseName: created.databaseName } };
    const resolved = validateEnvironment(bare);
    expect(resolved.database.cdc).toEqual(CDC_PARAMETER_DEFAULTS);
    expect(resolved.database).toMatchObject({
      instanceClass: CDC_DATABASE_DEFAULTS.instanceClass,
      allocatedStorageGiB: CDC_DATABASE_DEFAULTS.allocatedStorageGiB,
      maxAllocatedStorageGiB: CDC_DATABASE_DEFAULTS.maxAllocatedStorageGiB,
      backupRetentionDays: CDC_DATABASE_DEFAULTS.backupRetentionDays,
      multiAz: CDC_DATABASE_DEFAULTS.multiAz,
      logRetentionDays: CDC_DATABASE_DEFAULTS.logRetentionDays,
      port: CDC_DATABASE_DEFAULTS.port,
      replicationUsername: CDC_DATABASE_DEFAULTS.replicationUsername,
    });
    expect(resolved.alarms).toMatchObject(WAL_RETENTION_ALARMS_DEFAULTS);
    expect(resolved.host).toMatchObject({
      instanceType: AIRBYTE_HOST_DEFAULTS.instanceType,
      rootVolumeGiB: AIRBYTE_HOST_DEFAULTS.rootVolumeGiB,
      dataVolumeGiB: AIRBYTE_DATA_VOLUME_DEFAULTS.sizeGiB,
      retainDataVolume: AIRBYTE_DATA_VOLUME_DEFAULTS.retain,
    });
    expect(resolved.network).toMatchObject({ availabilityZoneCount: CDC_NETWORK_DEFAULTS.availabilityZoneCount });
    expect(resolved.airbyte.destination).toEqual({
      cdcDeletionMode: BIGQUERY_DESTINATION_DEFAULTS.cdcDeletionMode,
      rawDataDataset: BIGQUERY_DESTINATION_DEFAULTS.rawDataDataset,
      disableTypeDedupe: BIGQUERY_DESTINATION_DEFAULTS.disableTypeDedupe,
    });
    expect(resolved.airbyte.source).toMatchObject({ schemas: POSTGRES_SOURCE_DEFAULTS.schemas, sslMode: POSTGRES_SOURCE_DEFAULTS.sslMode });
    expect(resolved.airbyte.source.replication).toMatchObject({
      initialLoadTimeoutHours: POSTGRES_SOURCE_DEFAULTS.initialLoadTimeoutHours,
      invalidCdcCursorPositionBehavior: POSTGRES_SOURCE_DEFAULTS.invalidCdcCursorPositionBehavior,
      lsnCommitBehaviour: POSTGRES_SOURCE_DEFAULTS.lsnCommitBehaviour,
    });
  });

  test('eks-helm: node disks and the config database', () => {
    const { configDatabase, ...hosting } = prod.hosting as Extract<EnvironmentConfig['hosting'], { mode: 'eks-helm' }>;
    const resolved = validateEnvironment({ ...prod, hosting: { ...hosting, configDatabase: {} } });
    expect(resolved.hosting).toMatchObject({
      servicesNodes: { diskGiB: EKS_NODE_GROUP_DEFAULTS.diskGiB },
      configDatabase: {
        instanceClass: AIRBYTE_CONFIG_DATABASE_DEFAULTS.instanceClass,
        allocatedStorageGiB: AIRBYTE_CONFIG_DATABASE_DEFAULTS.allocatedStorageGiB,
        maxAllocatedStorageGiB: AIRBYTE_CONFIG_DATABASE_DEFAULTS.maxAllocatedStorageGiB,
        multiAz: AIRBYTE_CONFIG_DATABASE_DEFAULTS.multiAz,
        backupRetentionDays: AIRBYTE_CONFIG_DATABASE_DEFAULTS.backupRetentionDays,
      },
    });
    expect(configDatabase).toBeDefined();
  });

  test('derived defaults: names from config/naming.ts, ephemeral backups, ceilings that follow the storage', () => {
    const resolved = validateEnvironment({ ...dev, name: 'qa-2', ephemeral: true });
    expect(resolved.airbyte.workspaceName).toBe('cdc-qa-2');
    expect(resolved.gcp.serviceAccountId).toBe('airbyte-qa-2');
    expect(resolved.airbyte.source.replication).toMatchObject({ replicationSlot: 'airbyte_qa_2_slot', publication: 'airbyte_qa_2_publication' });
    expect(resolved.database).toMatchObject({ backupRetentionDays: 1 });
    const eks = prod.hosting as Extract<EnvironmentConfig['hosting'], { mode: 'eks-helm' }>;
    const big = validateEnvironment({ ...prod, hosting: { ...eks, configDatabase: { allocatedStorageGiB: 300 }, servicesNodes: { minSize: 5 } } });
    expect(big.hosting).toMatchObject({ configDatabase: { maxAllocatedStorageGiB: 300 }, servicesNodes: { minSize: 5, desiredSize: 5, maxSize: 5 } });
  });
});

describe('messages', () => {
  test('values of the wrong type are named with what was given and what is expected, never zod\'s generic text', () => {
    const lines = problems({
      ...dev,
      ephemeral: 'yes',
      aws: { region: 42, allowedAccountIds: '111111111111' },
      host: { rootVolumeGiB: '100', instanceType: null },
      network: { mode: 'create', vpcCidr: 1016 },
      alarms: { subscriptions: {} },
      airbyte: { ...dev.airbyte, source: { schemas: 'public' }, streams: [{ name: 7, primaryKey: [['id']] }] },
      tags: { Team: 5 },
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        'ephemeral: "yes" is invalid; expected true or false',
        'aws.region: 42 is not allowed; expected one of: af-south-1, ap-east-1, ap-east-2, ap-northeast-1, ap-northeast-2, ap-northeast-3, ap-south-1, ap-south-2, ap-southeast-1, ap-southeast-2, ap-southeast-3, ap-southeast-4, … (33 values)',
        'aws.allowedAccountIds: "111111111111" is invalid; expected a list',
        'host.rootVolumeGiB: "100" is out of range; expected an integer from 50 to 16384',
        'network.vpcCidr: 1016 does not parse; expected an IPv4 network CIDR such as 10.42.0.0/16',
        'alarms.subscriptions: {} is invalid; expected a list',
        'airbyte.source.schemas: "public" is invalid; expected a list',
        'airbyte.streams[0].name: 7 is invalid; expected a Postgres table name',
        'tags.Team: is invalid; expected a key of ≤ 127 and a string value of ≤ 255 characters',
      ]),
    );
    expect(lines.some((line) => line.startsWith('host.instanceType: null is not allowed; expected one of:'))).toBe(true);
    for (const line of lines) {
      expect(line).toMatch(/^[A-Za-z0-9_.[\]]+: /);
      expect(line).not.toMatch(/Invalid input|Expected|received/);
    }
  });

  test('cross-field rules run even when single fields failed: all problems at once', () => {
    const lines = problems({ ...dev, aws: { region: 'nowhere' }, airbyte: { ...dev.airbyte, source: { sslMode: 'verify-ca' }, streams: [{ name: 'orders', namespace: 'sales', primaryKey: [['id']] }] } });
    expect(lines).toEqual([
      expect.stringMatching(/^aws\.region: "nowhere" is not allowed/),
      'airbyte.source.caCertificate: is required when sslMode is "verify-ca"; expected a PEM CA bundle (e.g. the RDS global bundle)',
      'airbyte.streams[0].namespace: "sales" is not in airbyte.source.schemas (public); Airbyte would not discover it',
    ]);
  });

  test('paths are written as in the config files', () => {
    expect(formatPath(['airbyte', 'streams', 3, 'primaryKey'])).toBe('airbyte.streams[3].primaryKey');
    expect(formatPath(['hosting', 'clusterSubnetIds', 0])).toBe('hosting.clusterSubnetIds[0]');
    expect(formatPath([])).toBe('');
  });
});
