import { Testing, TerraformStack } from 'cdktf';
import { AirbyteConfigDatabase, AirbyteConfigDatabaseProps } from '../../constructs/airbyte-config-database';

const base: AirbyteConfigDatabaseProps = {
  namePrefix: 'cdc-test', vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], clientSecurityGroupId: 'sg-0123456789abcdef0',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/x', engineVersion: '16.4',
};

function synth(props: Partial<AirbyteConfigDatabaseProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AirbyteConfigDatabase(stack, 'db', { ...base, ...props });
  return JSON.parse(Testing.synth(stack));
}

describe('AirbyteConfigDatabase', () => {
  test('an encrypted, private PostgreSQL with an RDS-managed password and SSL forced', () => {
    const json = synth();
    const [db] = Object.values(json.resource.aws_db_instance) as Array<Record<string, any>>;
    expect(db).toMatchObject({ engine: 'postgres', engine_version: '16', storage_encrypted: true, publicly_accessible: false, manage_master_user_password: true, db_name: 'airbyte', deletion_protection: true });
    expect(db).not.toHaveProperty('password');
    const [group] = Object.values(json.resource.aws_db_parameter_group) as Array<Record<string, any>>;
    expect(group.family).toBe('postgres16');
    expect(group.parameter).toContainEqual({ name: 'rds.force_ssl', value: '1', apply_method: 'immediate' });
  });

  test('admits PostgreSQL from the one client security group only', () => {
    const rules = Object.values(synth().resource.aws_vpc_security_group_ingress_rule) as Array<Record<string, any>>;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ referenced_security_group_id: 'sg-0123456789abcdef0', from_port: 5432, to_port: 5432, ip_protocol: 'tcp' });
  });

  test('refuses versions the chart does not support and a single subnet', () => {
    expect(() => synth({ engineVersion: '12.9' })).toThrow(/engineVersion "12\.9" must be "<major>\.<minor>" with major 13–17/);
    expect(() => synth({ subnetIds: ['subnet-a'] })).toThrow(/subnetIds needs at least 2/);
  });
});
