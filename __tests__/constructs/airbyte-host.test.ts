import { AirbyteHost, AirbyteHostGrants, AirbyteHostProps } from '../../constructs/airbyte-host';
import { all, byId, expectPropsError, Json, single, synthConstruct } from '../support/construct';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/x';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:cdc-test/db-AbCdEf';
/** Only the required props: everything else takes its default. */
const base: AirbyteHostProps = { namePrefix: 'cdc-test', vpcId: 'vpc-1', subnetId: 'subnet-1', kmsKeyArn: KEY, userData: '#!/bin/bash\necho hi\n' };

function synth(props: Partial<AirbyteHostProps> = {}): Json {
  return synthConstruct((stack) => new AirbyteHost(stack, 'host', { ...base, ...props }));
}

describe('AirbyteHost defaults (props omitted)', () => {
  test('an m6i.xlarge from the latest Amazon Linux 2023 parameter, private, monitored, replaced when its user-data changes', () => {
    const json = synth();
    const instance = single(json, 'aws_instance');
    expect(instance).toMatchObject({
      instance_type: 'm6i.xlarge', subnet_id: 'subnet-1', associate_public_ip_address: false, monitoring: true, ebs_optimized: true,
      user_data: base.userData, user_data_replace_on_change: true, lifecycle: { ignore_changes: ['ami'] },
      tags: { Name: 'cdc-test-airbyte-host', Role: 'airbyte-host' },
    });
    expect(instance).not.toHaveProperty('depends_on');
    expect(single(json, 'aws_ssm_parameter', 'data').name).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
  });

  test('IMDSv2 only with hop limit 1 (containers cannot borrow the role), no instance tags in metadata', () => {
    expect(single(synth(), 'aws_instance').metadata_options).toEqual({
      http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'disabled',
    });
  });

  test('a 100 GiB encrypted gp3 root volume with the given key, deleted with the instance', () => {
    expect(single(synth(), 'aws_instance').root_block_device).toEqual({
      volume_type: 'gp3', volume_size: 100, encrypted: true, kms_key_id: KEY, delete_on_termination: true,
    });
  });

  test('no data volume attached, no grants beyond SSM core, no permissions boundary', () => {
    const json = synth();
    expect(json.resource.aws_volume_attachment).toBeUndefined();
    expect(json.resource.aws_iam_role_policy).toBeUndefined();
    const attachments = all(json, 'aws_iam_role_policy_attachment').map((a) => String(a.policy_arn));
    expect(attachments).toHaveLength(1);
    expect(attachments[0]).toMatch(/^arn:\$\{data\.aws_partition\..+\.partition\}:iam::aws:policy\/AmazonSSMManagedInstanceCore$/);
    expect(single(json, 'aws_iam_role')).not.toHaveProperty('permissions_boundary');
  });

  test('no inbound rule at all; HTTPS out only', () => {
    const json = synth();
    expect(json.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    expect(single(json, 'aws_security_group')).not.toHaveProperty('ingress');
    expect(all(json, 'aws_vpc_security_group_egress_rule').map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4])).toEqual([['tcp', 443, 443, '0.0.0.0/0']]);
  });

  test('a data volume, when given, attaches as /dev/sdf and stops the instance before detaching', () => {
    expect(single(synth({ dataVolumeId: 'vol-1' }), 'aws_volume_attachment')).toMatchObject({ device_name: '/dev/sdf', volume_id: 'vol-1', stop_instance_before_detaching: true });
  });
});

describe('AirbyteHost props given', () => {
  test('grants become one inline policy of exact ARNs, one statement per kind of access', () => {
    const grants: AirbyteHostGrants = { readSecretArns: [SECRET], kmsKeyArns: [KEY] };
    const json = synth({ grants });
    expect(single(json, 'aws_iam_role_policy').name).toBe('environment-access');
    const access = byId(json, 'aws_iam_policy_document', 'host_access', 'data');
    expect(access.statement).toEqual([
      { sid: 'ReadOwnSecrets', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [SECRET] },
      { sid: 'UseEnvironmentKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [KEY] },
    ]);
  });

  test('instance type, root size, device name, AMI parameter, boundary and replacement policy reach the resources', () => {
    const json = synth({
      instanceType: 'm7i.2xlarge', rootVolumeGiB: 200, dataVolumeId: 'vol-1', dataVolumeDeviceName: '/dev/sdg',
      amiParameterName: '/custom/ami', permissionsBoundaryArn: 'arn:aws:iam::111111111111:policy/boundary', userDataReplaceOnChange: false,
    });
    expect(single(json, 'aws_instance')).toMatchObject({ instance_type: 'm7i.2xlarge', user_data_replace_on_change: false, root_block_device: { volume_size: 200 } });
    expect(single(json, 'aws_volume_attachment').device_name).toBe('/dev/sdg');
    expect(single(json, 'aws_ssm_parameter', 'data').name).toBe('/custom/ami');
    expect(single(json, 'aws_iam_role').permissions_boundary).toBe('arn:aws:iam::111111111111:policy/boundary');
  });
});

describe('AirbyteHost refuses props it cannot work with, naming the prop', () => {
  const where = 'AirbyteHost test/host';
  test.each<[string, Partial<AirbyteHostProps>, string]>([
    ['an empty namePrefix', { namePrefix: '' }, `${where}: namePrefix "" must be 1–24 lowercase letters, digits or hyphens, starting with a letter`],
    ['a prefix too long for the role name prefix', { namePrefix: 'cdc-a-very-long-environment' }, `${where}: namePrefix "cdc-a-very-long-environment" must be 1–24 lowercase letters, digits or hyphens, starting with a letter`],
    ['a root volume under 50 GiB', { rootVolumeGiB: 30 }, `${where}: rootVolumeGiB must be an integer from 50 to 16384 (Airbyte's images and logs need 50; gp3 ends at 16384), got 30`],
    ['a fractional root volume', { rootVolumeGiB: 80.5 }, `${where}: rootVolumeGiB must be an integer from 50 to 16384 (Airbyte's images and logs need 50; gp3 ends at 16384), got 80.5`],
    ['a root volume past gp3', { rootVolumeGiB: 20000 }, `${where}: rootVolumeGiB must be an integer from 50 to 16384 (Airbyte's images and logs need 50; gp3 ends at 16384), got 20000`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => synth(props), message);
  });

  test.each<keyof AirbyteHostGrants>(['readSecretArns', 'writeSecretArns', 'readParameterArns', 'readObjectArns', 'kmsKeyArns'])('a wildcard ARN in grants.%s', (field) => {
    const arn = 'arn:aws:s3:::bucket/*';
    expectPropsError(() => synth({ grants: { [field]: [arn] } }), `${where}: grants.${field} contains a wildcard ARN "${arn}"; list exact ARNs`);
  });
});
