import { CdcDatabase, CdcDatabaseProps, CreatedInstanceProps } from '../../constructs/cdc-database';
import { all, buildConstruct, byId, expectPropsError, Json, single } from '../support/construct';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/x';
const instance: CreatedInstanceProps = { vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], engineVersion: '16' };
/** Only the required props: everything else takes its default. */
const base: CdcDatabaseProps = { namePrefix: 'cdc-test', kmsKeyArn: KEY, parameterGroupFamily: 'postgres16', databaseName: 'app', instance };

function build(props: Partial<CdcDatabaseProps> = {}) {
  return buildConstruct((stack) => new CdcDatabase(stack, 'db', { ...base, ...props }));
}

/** The parameter group's settings by name. */
function parameters(json: Json): Record<string, { value: string; apply_method: string }> {
  const group = single(json, 'aws_db_parameter_group');
  return Object.fromEntries(group.parameter.map((p: Json) => [p.name, { value: p.value, apply_method: p.apply_method }]));
}

describe('CdcDatabase defaults (props omitted)', () => {
  test('logical replication on, SSL forced, 10 slots and senders, 60 s sender timeout, WAL an abandoned slot can pin capped at 10240 MB', () => {
    expect(parameters(build().json)).toEqual({
      'rds.logical_replication': { value: '1', apply_method: 'pending-reboot' },
      max_replication_slots: { value: '10', apply_method: 'pending-reboot' },
      max_wal_senders: { value: '10', apply_method: 'pending-reboot' },
      wal_sender_timeout: { value: '60000', apply_method: 'immediate' },
      'rds.force_ssl': { value: '1', apply_method: 'immediate' },
      max_slot_wal_keep_size: { value: '10240', apply_method: 'immediate' },
    });
  });

  test('a db.t4g.medium, 50 GiB growing to 200, single-AZ, 7 days of backups, deletion protection, final snapshot kept', () => {
    const db = single(build().json, 'aws_db_instance');
    expect(db).toMatchObject({
      identifier: 'cdc-test-source', instance_class: 'db.t4g.medium', allocated_storage: 50, max_allocated_storage: 200,
      storage_type: 'gp3', multi_az: false, backup_retention_period: 7, deletion_protection: true,
      skip_final_snapshot: false, delete_automated_backups: false,
    });
    expect(db.final_snapshot_identifier).toMatch(/^cdc-test-source-final-\$\{random_id\..+\.hex\}$/);
  });

  test('instanceIdentifier is the created instance\'s identifier (what the WAL alarms watch)', () => {
    const { json, construct } = build();
    expect(construct.instanceIdentifier).toBe(single(json, 'aws_db_instance').identifier);
  });

  test('encrypted with the given key, private, IAM auth, managed master password, minor upgrades by RDS for a major-only version', () => {
    const db = single(build().json, 'aws_db_instance');
    expect(db).toMatchObject({
      storage_encrypted: true, kms_key_id: KEY, performance_insights_enabled: true, performance_insights_kms_key_id: KEY,
      publicly_accessible: false, iam_database_authentication_enabled: true, manage_master_user_password: true,
      master_user_secret_kms_key_id: KEY, auto_minor_version_upgrade: true, port: 5432, db_name: 'app',
    });
    expect(db).not.toHaveProperty('password');
  });

  test('the exported logs are kept 30 days, encrypted', () => {
    const groups = all(build().json, 'aws_cloudwatch_log_group');
    expect(groups.map((g) => [g.name, g.retention_in_days, g.kms_key_id])).toEqual([
      ['/aws/rds/instance/cdc-test-source/postgresql', 30, KEY],
      ['/aws/rds/instance/cdc-test-source/upgrade', 30, KEY],
    ]);
  });

  test('the replication login is "airbyte", its secret kept 7 days after deletion', () => {
    const { json, construct: db } = build();
    expect(db.replicationUsername).toBe('airbyte');
    expect(single(json, 'aws_secretsmanager_secret')).toMatchObject({ name_prefix: 'cdc-test/source-db/airbyte-', recovery_window_in_days: 7, kms_key_id: KEY });
  });

  test('an existing instance listens on 5432; without its security group no client rule can be added here', () => {
    const { json, construct: db } = build({ instance: undefined, existing: { instanceIdentifier: 'legacy-db', address: 'db.internal' } });
    expect(db.port).toBe(5432);
    expect(db.address).toBe('db.internal');
    expect(db.instanceIdentifier).toBe('legacy-db');
    expect(db.allowClient('client', 'sg-1')).toBe(false);
    expect(json.resource.aws_db_instance).toBeUndefined();
    expect(parameters(json).max_slot_wal_keep_size.value).toBe('10240');
  });
});

describe('CdcDatabase props given', () => {
  test('a pinned minor version turns automatic minor upgrades off', () => {
    expect(single(build({ instance: { ...instance, engineVersion: '16.4' } }).json, 'aws_db_instance').auto_minor_version_upgrade).toBe(false);
  });

  test('an ephemeral database skips the final snapshot and drops its backups', () => {
    const { json } = build({ instance: { ...instance, skipFinalSnapshot: true, deletionProtection: false } });
    const db = single(json, 'aws_db_instance');
    expect(db).toMatchObject({ skip_final_snapshot: true, delete_automated_backups: true, deletion_protection: false });
    expect(db).not.toHaveProperty('final_snapshot_identifier');
    expect(json.resource.random_id).toBeUndefined();
  });

  test('the replication login, recovery window, CDC settings and tags given reach the resources', () => {
    const { json, construct: db } = build({
      replicationUsername: 'cdc_reader', secretRecoveryWindowInDays: 0, tags: { Team: 'data' },
      cdc: { maxReplicationSlots: 4, maxWalSenders: 6, walSenderTimeoutMs: 0, maxSlotWalKeepSizeMb: 2048 },
    });
    expect(db.replicationUsername).toBe('cdc_reader');
    expect(single(json, 'aws_secretsmanager_secret')).toMatchObject({ name_prefix: 'cdc-test/source-db/cdc_reader-', recovery_window_in_days: 0, tags: { Team: 'data' } });
    expect(parameters(json)).toMatchObject({ max_replication_slots: { value: '4' }, max_wal_senders: { value: '6' }, wal_sender_timeout: { value: '0' }, max_slot_wal_keep_size: { value: '2048' } });
    expect(single(json, 'aws_db_instance').tags).toEqual({ Team: 'data' });
  });

  test('an existing instance with its security group on another port admits clients on that port', () => {
    const { json, construct: added } = buildConstruct((stack) =>
      new CdcDatabase(stack, 'db', { ...base, instance: undefined, existing: { instanceIdentifier: 'legacy-db', address: 'db.internal', port: 6432, securityGroupId: 'sg-db' } }).allowClient('from-host', 'sg-host'),
    );
    expect(added).toBe(true);
    expect(single(json, 'aws_vpc_security_group_ingress_rule')).toMatchObject({ security_group_id: 'sg-db', from_port: 6432, to_port: 6432 });
  });

  test('allowClient admits one security group on the database port', () => {
    const { json, construct: added } = buildConstruct((stack) => new CdcDatabase(stack, 'db', base).allowClient('from-host', 'sg-host'));
    expect(added).toBe(true);
    expect(byId(json, 'aws_vpc_security_group_ingress_rule', 'db_from-host')).toMatchObject({ referenced_security_group_id: 'sg-host', from_port: 5432, to_port: 5432, ip_protocol: 'tcp' });
  });
});

describe('CdcDatabase refuses props it cannot work with, naming the prop', () => {
  const where = 'CdcDatabase test/db';
  test.each<[string, Partial<CdcDatabaseProps>, string]>([
    ['neither instance nor existing', { instance: undefined }, `${where}: set exactly one of "instance" (create RDS) or "existing" (use an instance you have)`],
    ['both instance and existing', { existing: { instanceIdentifier: 'legacy-db', address: 'db.internal' } }, `${where}: set exactly one of "instance" (create RDS) or "existing" (use an instance you have)`],
    ['an empty namePrefix', { namePrefix: '' }, `${where}: namePrefix "" must be 1–24 lowercase letters, digits or hyphens, starting with a letter`],
    ['an empty databaseName', { databaseName: '' }, `${where}: databaseName "" must be a lowercase Postgres identifier (letters, digits, _)`],
    ['zero replication slots', { cdc: { maxReplicationSlots: 0 } }, `${where}: cdc.maxReplicationSlots must be an integer ≥ 1, got 0`],
    ['a fractional sender count', { cdc: { maxWalSenders: 10.5 } }, `${where}: cdc.maxWalSenders must be an integer ≥ 1, got 10.5`],
    ['a negative sender timeout', { cdc: { walSenderTimeoutMs: -1 } }, `${where}: cdc.walSenderTimeoutMs must be an integer ≥ 0, got -1`],
    ['an unlimited WAL keep size', { cdc: { maxSlotWalKeepSizeMb: -1 } }, `${where}: cdc.maxSlotWalKeepSizeMb must be an integer ≥ 1, got -1`],
    ['fewer senders than slots', { cdc: { maxReplicationSlots: 12 } }, `${where}: cdc.maxWalSenders (10) must be at least cdc.maxReplicationSlots (12)`],
    ['one subnet', { instance: { ...instance, subnetIds: ['subnet-a'] } }, `${where}: instance.subnetIds needs at least 2 subnets in different AZs, got 1`],
    ['a 3-day secret recovery window', { secretRecoveryWindowInDays: 3 }, `${where}: secretRecoveryWindowInDays must be 0 (delete at once) or an integer from 7 to 30, got 3`],
    ['a version that is not a number', { instance: { ...instance, engineVersion: 'latest' } }, `${where}: instance.engineVersion "latest" must be a major version like "16" or "<major>.<minor>"`],
    ['a negative storage size', { instance: { ...instance, allocatedStorageGiB: -5 } }, `${where}: instance.allocatedStorageGiB must be an integer from 20 to 65536, got -5`],
    ['a storage limit below the default size', { instance: { ...instance, maxAllocatedStorageGiB: 40 } }, `${where}: instance.maxAllocatedStorageGiB must be an integer from instance.allocatedStorageGiB (50) to 65536, got 40`],
    ['no backups', { instance: { ...instance, backupRetentionDays: 0 } }, `${where}: instance.backupRetentionDays must be an integer from 1 to 35, got 0`],
    ['a negative log retention', { instance: { ...instance, logRetentionDays: -1 } }, `${where}: instance.logRetentionDays must be an integer ≥ 1, got -1`],
    ['an existing port out of range', { instance: undefined, existing: { instanceIdentifier: 'legacy-db', address: 'db.internal', port: 70000 } }, `${where}: existing.port must be an integer from 1 to 65535, got 70000`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => build(props), message);
  });

  test('the accepted edges pass: secret deleted at once, storage limit equal to the size', () => {
    expect(() => build({ secretRecoveryWindowInDays: 0, instance: { ...instance, allocatedStorageGiB: 100, maxAllocatedStorageGiB: 100 } })).not.toThrow();
  });
});
