import { AirbyteConfigDatabase, AirbyteConfigDatabaseProps } from '../../constructs/airbyte-config-database';
import { all, expectPropsError, Json, single, synthConstruct } from '../support/construct';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/x';
/** Only the required props: everything else takes its default. */
const base: AirbyteConfigDatabaseProps = {
  namePrefix: 'cdc-test', vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], clientSecurityGroupId: 'sg-0123456789abcdef0',
  kmsKeyArn: KEY, engineVersion: '16.4',
};

function synth(props: Partial<AirbyteConfigDatabaseProps> = {}): Json {
  return synthConstruct((stack) => new AirbyteConfigDatabase(stack, 'db', { ...base, ...props }));
}

describe('AirbyteConfigDatabase defaults (props omitted)', () => {
  test('an encrypted, private PostgreSQL with an RDS-managed password and SSL forced', () => {
    const json = synth();
    const db = single(json, 'aws_db_instance');
    expect(db).toMatchObject({
      engine: 'postgres', engine_version: '16', storage_encrypted: true, kms_key_id: KEY, publicly_accessible: false,
      manage_master_user_password: true, master_user_secret_kms_key_id: KEY, db_name: 'airbyte', auto_minor_version_upgrade: true,
    });
    expect(db).not.toHaveProperty('password');
    const group = single(json, 'aws_db_parameter_group');
    expect(group.family).toBe('postgres16');
    expect(group.parameter).toContainEqual({ name: 'rds.force_ssl', value: '1', apply_method: 'immediate' });
  });

  test('a db.t4g.medium, 20 GiB growing to 100, single-AZ, 7 days of backups, deletion protection, final snapshot kept', () => {
    expect(single(synth(), 'aws_db_instance')).toMatchObject({
      identifier: 'cdc-test-airbyte', instance_class: 'db.t4g.medium', allocated_storage: 20, max_allocated_storage: 100, storage_type: 'gp3',
      multi_az: false, backup_retention_period: 7, deletion_protection: true, skip_final_snapshot: false,
      final_snapshot_identifier: 'cdc-test-airbyte-final', delete_automated_backups: false,
    });
  });

  test('admits PostgreSQL from the one client security group only', () => {
    const rules = all(synth(), 'aws_vpc_security_group_ingress_rule');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ referenced_security_group_id: 'sg-0123456789abcdef0', from_port: 5432, to_port: 5432, ip_protocol: 'tcp' });
  });
});

describe('AirbyteConfigDatabase props given', () => {
  test('size, class, Multi-AZ, backups and an ephemeral teardown reach the instance', () => {
    const db = single(synth({
      instanceClass: 'db.m7g.large', allocatedStorageGiB: 50, maxAllocatedStorageGiB: 60, multiAz: true, backupRetentionDays: 1,
      deletionProtection: false, skipFinalSnapshot: true,
    }), 'aws_db_instance');
    expect(db).toMatchObject({
      instance_class: 'db.m7g.large', allocated_storage: 50, max_allocated_storage: 60, multi_az: true, backup_retention_period: 1,
      deletion_protection: false, skip_final_snapshot: true, delete_automated_backups: true,
    });
    expect(db).not.toHaveProperty('final_snapshot_identifier');
  });
});

describe('AirbyteConfigDatabase refuses props it cannot work with, naming the prop', () => {
  const where = 'AirbyteConfigDatabase test/db';
  test.each<[string, Partial<AirbyteConfigDatabaseProps>, string]>([
    ['a version the chart does not support', { engineVersion: '12.9' }, `${where}: engineVersion "12.9" must be "<major>.<minor>" with major 13–17`],
    ['a major-only version', { engineVersion: '16' }, `${where}: engineVersion "16" must be "<major>.<minor>" with major 13–17`],
    ['a single subnet', { subnetIds: ['subnet-a'] }, `${where}: subnetIds needs at least 2 subnets in different AZs, got 1`],
    ['an empty namePrefix', { namePrefix: '' }, `${where}: namePrefix "" must be 1–24 lowercase letters, digits or hyphens, starting with a letter`],
    ['a negative storage size', { allocatedStorageGiB: -1 }, `${where}: allocatedStorageGiB must be an integer from 20 to 65536, got -1`],
    ['a storage limit below the default size', { maxAllocatedStorageGiB: 10 }, `${where}: maxAllocatedStorageGiB must be an integer from allocatedStorageGiB (20) to 65536, got 10`],
    ['a storage limit below the given size', { allocatedStorageGiB: 50, maxAllocatedStorageGiB: 40 }, `${where}: maxAllocatedStorageGiB must be an integer from allocatedStorageGiB (50) to 65536, got 40`],
    ['no backups', { backupRetentionDays: 0 }, `${where}: backupRetentionDays must be an integer from 1 to 35, got 0`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => synth(props), message);
  });
});
