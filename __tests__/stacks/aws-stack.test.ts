import { App } from 'cdktf';
import * as os from 'os';
import { EnvironmentConfig, validateEnvironment } from '../../config';
import { applyPolicyPack } from '../../constructs/policy';
import { defineEnvironmentStacks } from '../../stacks';
import { dev } from '../../config/environments/dev';
import { prod } from '../../config/environments/prod';
import { ephemeralEnvironment } from '../../config';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { dataOf, fakeBundlePath, onlyResource, resourcesOf, synthEnvironment } from '../support/synth';

const devAws = synthEnvironment(dev).aws;
// prod runs Airbyte on EKS (eks-hosting.test.ts); these host-mode checks use prod's shape on one host.
const prodOnHost: EnvironmentConfig = { ...prod, hosting: { mode: 'ec2-abctl' }, host: { instanceType: 'm6i.2xlarge', rootVolumeGiB: 200 } };
const prodAws = synthEnvironment(prodOnHost).aws;
const prAws = synthEnvironment(ephemeralEnvironment('pr-123')).aws;

const resourcesOfWithIds = (stack: typeof devAws, type: string) => Object.keys(stack.resource?.[type] ?? {});

const hostSgRef = (stack: typeof devAws) => {
  const [logicalId] = Object.entries(stack.resource!.aws_security_group).find(([, sg]) => String(sg.description).startsWith('Airbyte host'))!;
  return `\${aws_security_group.${logicalId}.id}`;
};

describe('<env>-aws: Airbyte host', () => {
  const instance = onlyResource(devAws, 'aws_instance');

  test('requires IMDSv2 with hop limit 1', () => {
    expect(instance.metadata_options).toEqual({
      http_endpoint: 'enabled',
      http_tokens: 'required',
      http_put_response_hop_limit: 1,
      instance_metadata_tags: 'disabled',
    });
  });

  test('has an encrypted gp3 root volume of at least 50 GiB on the environment key', () => {
    const root = instance.root_block_device as Record<string, unknown>;
    expect(root.volume_type).toBe('gp3');
    expect(root.encrypted).toBe(true);
    expect(root.volume_size as number).toBeGreaterThanOrEqual(50);
    expect(String(root.kms_key_id)).toMatch(/^\$\{aws_kms_key\..+\.arn\}$/);
  });

  test('defaults to a 4 vCPU / 16 GiB instance and an Amazon Linux 2023 AMI from the public SSM parameter', () => {
    expect(instance.instance_type).toBe('m6i.xlarge');
    expect(onlyResource(prodAws, 'aws_instance').instance_type).toBe('m6i.2xlarge');
    const amiParams = dataOf(devAws, 'aws_ssm_parameter');
    expect(amiParams.map((p) => p.name)).toContain('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
    expect(String(instance.ami)).toMatch(/^\$\{data\.aws_ssm_parameter\..+\.value\}$/);
    expect(instance.associate_public_ip_address).toBe(false);
    expect(instance.user_data_replace_on_change).toBe(true);
  });

  test('its user-data carries the pinned abctl release and Airbyte chart, the port, the data volume and the release parameter', () => {
    const userData = String(instance.user_data);
    const bundleSha = crypto.createHash('sha256').update(fs.readFileSync(fakeBundlePath())).digest('hex');
    expect(userData.startsWith('#!/bin/bash\n')).toBe(true);
    expect(userData).toContain("ABCTL_VERSION='v0.30.4'");
    expect(userData).toContain("AIRBYTE_CHART_VERSION='2.2.0'");
    expect(userData).toContain("AIRBYTE_PORT='8000'");
    expect(userData).toMatch(/DATA_VOLUME_ID='\$\{aws_ebs_volume\.[^.]+\.id\}'/);
    expect(userData).toContain("RELEASE_PARAMETER='${aws_ssm_parameter.host-release.name}'");
    expect(userData).not.toContain(bundleSha);
    expect(userData).toContain("LOW_RESOURCE_MODE='false'");
    expect(userData).toMatch(/AIRBYTE_CREDENTIALS_SECRET_ARN='\$\{aws_secretsmanager_secret\.airbyte-api-credentials\.arn\}'/);
    expect(Buffer.byteLength(userData)).toBeLessThan(16384);
  });

  test('a small host runs abctl in low-resource mode', () => {
    const small = synthEnvironment({ ...dev, host: { instanceType: 't3.large' } }).aws;
    expect(String(onlyResource(small, 'aws_instance').user_data)).toContain("LOW_RESOURCE_MODE='true'");
  });

  test('a new orchestrator bundle leaves the user-data alone (no replacement) and changes only the release parameter', () => {
    const other = synthEnvironment(dev, fakeBundlePath('// another build\n')).aws;
    const otherInstance = onlyResource(other, 'aws_instance');
    expect(otherInstance.user_data).toEqual(instance.user_data);
    expect(otherInstance.user_data_replace_on_change).toBe(true);
    const release = (stack: typeof devAws) => String(stack.resource!.aws_ssm_parameter['host-release'].value);
    const otherSha = crypto.createHash('sha256').update('// another build\n').digest('hex');
    expect(release(other)).toContain(`${otherSha} orchestrator.js s3://\${aws_s3_bucket.`);
    expect(release(other)).not.toEqual(release(devAws));
  });

  test('the release parameter lists the bundle and the host tools with their sha256, after their upload', () => {
    const parameter = devAws.resource!.aws_ssm_parameter['host-release'];
    expect(parameter.name).toBe('/dev/cdc/host-release');
    const lines = String(parameter.value).split('\n');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['orchestrator.js', 'fetch-env.js', 'prepare-source.js']);
    for (const line of lines) {
      const [sha, name, url] = line.split(' ');
      expect(sha).toMatch(/^[0-9a-f]{64}$/);
      expect(url).toMatch(new RegExp(`^s3://\\$\\{aws_s3_bucket\\.[^}]+\\.bucket\\}/orchestrator/${sha.slice(0, 16)}/${name.replace('.', '\\.')}$`));
    }
    const hostTool = crypto.createHash('sha256').update(fs.readFileSync(path.join(__dirname, '../../constructs/airbyte-host/prepare-source.js'))).digest('hex');
    expect(lines[2].startsWith(`${hostTool} `)).toBe(true);
    expect([...(parameter.depends_on as string[])].sort()).toEqual(resourcesOfWithIds(devAws, 'aws_s3_object').map((id) => `aws_s3_object.${id}`).sort());
  });

  test('Airbyte\'s state lives on a separate encrypted volume in the host\'s zone, attached to it and kept on destroy', () => {
    const volume = onlyResource(devAws, 'aws_ebs_volume');
    expect(volume).toMatchObject({ type: 'gp3', size: 50, encrypted: true, lifecycle: { prevent_destroy: true } });
    expect(String(volume.kms_key_id)).toMatch(/^\$\{aws_kms_key\./);
    expect(String(volume.availability_zone)).toMatch(/^\$\{data\.aws_subnet\.[^.]+\.availability_zone\}$/);
    const subnetLookup = dataOf(devAws, 'aws_subnet');
    expect(subnetLookup.map((d) => d.id)).toEqual([String(instance.subnet_id)]);
    const attachment = onlyResource(devAws, 'aws_volume_attachment');
    expect(attachment).toMatchObject({ device_name: '/dev/sdf', stop_instance_before_detaching: true });
    expect(String(attachment.instance_id)).toMatch(/^\$\{aws_instance\./);
    expect(String(attachment.volume_id)).toMatch(/^\$\{aws_ebs_volume\./);
    const prVolume = onlyResource(prAws, 'aws_ebs_volume');
    expect(prVolume).toMatchObject({ lifecycle: { prevent_destroy: false } });
    expect(onlyResource(synthEnvironment({ ...dev, host: { dataVolumeGiB: 200 } }).aws, 'aws_ebs_volume').size).toBe(200);
  });

  test('boots only once its subnet routes to the NAT (created network) and the release is published', () => {
    const dependsOn = instance.depends_on as string[];
    expect(dependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^aws_route\.network_private-default/),
      expect.stringMatching(/^aws_route_table_association\.network_host-0-assoc/),
      'aws_ssm_parameter.host-release',
      'aws_ssm_parameter.source-preparation',
    ]));
    // An existing network has nothing of ours to wait for.
    expect((onlyResource(prodAws, 'aws_instance').depends_on as string[]).filter((d) => d.startsWith('aws_route'))).toEqual([]);
  });

  test('Docker Hub credentials: the secret named in config reaches the user-data and the host may read it', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/docker-hub-AbCdEf';
    const aws = synthEnvironment({ ...dev, host: { dockerHubSecretArn: arn } }).aws;
    expect(String(onlyResource(aws, 'aws_instance').user_data)).toContain(`DOCKER_HUB_SECRET_ARN='${arn}'`);
    const doc = dataOf(aws, 'aws_iam_policy_document').find((d) => (d.statement as Array<{ sid?: string }>).some((st) => st.sid === 'ReadOwnSecrets'))!;
    const read = (doc.statement as Array<{ sid: string; resources: string[] }>).find((st) => st.sid === 'ReadOwnSecrets')!;
    expect(read.resources).toContain(arn);
    expect(String(instance.user_data)).toContain("DOCKER_HUB_SECRET_ARN=''");
  });

  test('its security group has no ingress at all', () => {
    const hostSg = hostSgRef(devAws);
    const sg = Object.values(devAws.resource!.aws_security_group).find((g) => String(g.description).startsWith('Airbyte host'))!;
    expect(sg.ingress).toBeUndefined();
    const ingressOnHost = resourcesOf(devAws, 'aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id === hostSg);
    expect(ingressOnHost).toEqual([]);
    expect(resourcesOf(devAws, 'aws_security_group_rule')).toEqual([]);
    expect(instance.vpc_security_group_ids).toEqual([hostSg]);
  });

  test('its role has SSM core plus exact ARNs only', () => {
    const attachment = onlyResource(devAws, 'aws_iam_role_policy_attachment');
    expect(attachment.policy_arn).toMatch(/:iam::aws:policy\/AmazonSSMManagedInstanceCore$/);
    const doc = dataOf(devAws, 'aws_iam_policy_document').find((d) =>
      (d.statement as Array<{ sid?: string }>).some((s) => s.sid === 'ReadOrchestratorBundle'),
    )!;
    const statements = doc.statement as Array<{ sid: string; actions: string[]; resources: string[] }>;
    const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(['ReadOrchestratorBundle', 'ReadOwnParameters', 'ReadOwnSecrets', 'UseEnvironmentKey', 'WriteAirbyteCredentials']);
    for (const statement of statements) {
      for (const resource of statement.resources) expect(resource).not.toMatch(/(^|[:/])\*$/);
      for (const action of statement.actions) expect(action).not.toContain('*');
    }
    expect(bySid.ReadOwnSecrets.resources).toEqual([
      expect.stringMatching(/^\$\{aws_secretsmanager_secret\.source-db_credentials_.+\.arn\}$/),
      '${aws_secretsmanager_secret.alert-webhook.arn}',
      // The RDS-managed master secret: the host prepares the source as the master user.
      expect.stringMatching(/^\$\{aws_db_instance\..+\.master_user_secret\[0\]\.secret_arn\}$/),
    ]);
    expect(bySid.WriteAirbyteCredentials.resources).toEqual([expect.stringMatching(/^\$\{aws_secretsmanager_secret\.airbyte-api-credentials\.arn\}$/)]);
    expect(bySid.ReadOwnParameters.resources).toEqual([
      expect.stringMatching(/:parameter\/dev\/cdc\/orchestrator-config$/),
      '${aws_ssm_parameter.host-release.arn}',
      '${aws_ssm_parameter.source-preparation.arn}',
    ]);
    expect(bySid.ReadOrchestratorBundle.resources).toEqual(['orchestrator.js', 'fetch-env.js', 'prepare-source.js'].map((name) =>
      expect.stringMatching(new RegExp(`^\\$\\{aws_s3_bucket\\..+\\.arn\\}/orchestrator/[0-9a-f]{16}/${name.replace('.', '\\.')}$`))));
  });

  test('may reach the database on 5432 and HTTPS out, nothing else', () => {
    const hostSg = hostSgRef(devAws);
    const egress = resourcesOf(devAws, 'aws_vpc_security_group_egress_rule').filter((r) => r.security_group_id === hostSg);
    expect(egress.map((r) => [r.from_port, r.to_port]).sort()).toEqual([[443, 443], [5432, 5432]]);
    for (const rule of egress) expect(typeof rule.description).toBe('string');
  });
});

describe('<env>-aws: source database', () => {
  const db = onlyResource(devAws, 'aws_db_instance');

  test('is encrypted, private, in private subnets, with backups and deletion protection', () => {
    expect(db.storage_encrypted).toBe(true);
    expect(String(db.kms_key_id)).toMatch(/^\$\{aws_kms_key\./);
    expect(db.publicly_accessible).toBe(false);
    expect(db.backup_retention_period).toBe(7);
    expect(db.deletion_protection).toBe(true);
    expect(db.skip_final_snapshot).toBe(false);
    // Unique per instance: a recreated environment's second teardown must not collide with the first.
    const suffix = onlyResource(devAws, 'random_id');
    expect(suffix.byte_length).toBe(4);
    expect(db.final_snapshot_identifier).toMatch(/^cdc-dev-source-final-\$\{random_id\.[^.]+\.hex\}$/);
    expect(db.manage_master_user_password).toBe(true);
    expect(db).not.toHaveProperty('password');
    const subnetGroup = onlyResource(devAws, 'aws_db_subnet_group');
    const dbSubnetRefs = subnetGroup.subnet_ids as string[];
    expect(dbSubnetRefs).toHaveLength(2);
    // Database subnets have no route table association, hence no route to the internet.
    const associated = resourcesOf(devAws, 'aws_route_table_association').map((a) => a.subnet_id);
    for (const ref of dbSubnetRefs) expect(associated).not.toContain(ref);
    const subnets = devAws.resource!.aws_subnet;
    for (const ref of dbSubnetRefs) {
      const logicalId = /aws_subnet\.([^.]+)\.id/.exec(ref)![1];
      expect(subnets[logicalId].map_public_ip_on_launch).toBeUndefined();
    }
  });

  test('defaults to the major engine version with automatic minor upgrades; a pinned minor turns them off', () => {
    expect(db.engine_version).toBe('16');
    expect(db.auto_minor_version_upgrade).toBe(true);
    const pinned = onlyResource(
      synthEnvironment({ ...dev, database: { ...(dev.database as Extract<EnvironmentConfig['database'], { mode: 'create' }>), engineVersion: '16.4' } }).aws,
      'aws_db_instance',
    );
    expect(pinned).toMatchObject({ engine_version: '16.4', auto_minor_version_upgrade: false });
    expect(onlyResource(devAws, 'aws_db_parameter_group').family).toBe('postgres16');
  });

  test('the exported log groups are managed with a retention and the environment key, and exist before the instance', () => {
    const groups = resourcesOf(devAws, 'aws_cloudwatch_log_group');
    expect(groups.map((g) => g.name).sort()).toEqual(['/aws/rds/instance/cdc-dev-source/postgresql', '/aws/rds/instance/cdc-dev-source/upgrade']);
    for (const group of groups) {
      expect(group.retention_in_days).toBe(30);
      expect(String(group.kms_key_id)).toMatch(/^\$\{aws_kms_key\./);
    }
    expect(db.enabled_cloudwatch_logs_exports).toEqual(['postgresql', 'upgrade']);
    expect([...(db.depends_on as string[])].sort()).toEqual(resourcesOfWithIds(devAws, 'aws_cloudwatch_log_group').map((id) => `aws_cloudwatch_log_group.${id}`).sort());
  });

  test('the source preparation parameter names the tables, the logins\' secrets and (ephemeral only) the seed', () => {
    const value = String(devAws.resource!.aws_ssm_parameter['source-preparation'].value);
    expect(devAws.resource!.aws_ssm_parameter['source-preparation'].name).toBe('/dev/cdc/source-preparation');
    expect(value).toContain('"environment" = "dev", "tables" = "public.customers,public.orders", "replicationSlot" = "airbyte_dev_slot", "publication" = "airbyte_dev_publication"');
    expect(value).toMatch(/"databaseSecretArn" = aws_secretsmanager_secret\.source-db_credentials_[^.]+\.arn/);
    expect(value).toMatch(/"adminSecretArn" = aws_db_instance\.[^.]+\.master_user_secret\[0\]\.secret_arn/);
    expect(value).toContain('"seed" = ""');
    const seedSha = crypto.createHash('sha256').update(fs.readFileSync(path.join(__dirname, '../../config/seed/dev.sql'))).digest('hex');
    const prValue = String(prAws.resource!.aws_ssm_parameter['source-preparation'].value);
    expect(prValue).toMatch(new RegExp(`"seed" = "${seedSha} s3://\\$\\{aws_s3_bucket\\.[^}]+\\.bucket\\}/orchestrator/${seedSha.slice(0, 16)}/dev\\.sql"`));
  });

  test('accepts 5432 only from the host security group', () => {
    const ingress = resourcesOf(devAws, 'aws_vpc_security_group_ingress_rule');
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ from_port: 5432, to_port: 5432, ip_protocol: 'tcp', referenced_security_group_id: hostSgRef(devAws) });
    expect(ingress[0]).not.toHaveProperty('cidr_ipv4');
    expect(db.vpc_security_group_ids).toEqual([`\${aws_security_group.${Object.keys(devAws.resource!.aws_security_group).find((k) => k.includes('source-db'))}.id}`]);
  });

  test('uses a parameter group with the CDC settings', () => {
    const group = onlyResource(devAws, 'aws_db_parameter_group');
    expect(group.family).toBe('postgres16');
    const params = Object.fromEntries((group.parameter as Array<{ name: string; value: string; apply_method: string }>).map((p) => [p.name, p]));
    expect(params['rds.logical_replication']).toEqual({ name: 'rds.logical_replication', value: '1', apply_method: 'pending-reboot' });
    expect(params['rds.force_ssl'].value).toBe('1');
    expect(params['max_replication_slots'].value).toBe('10');
    expect(params['max_wal_senders'].value).toBe('10');
    expect(params['wal_sender_timeout'].value).toBe('60000');
    expect(params['max_slot_wal_keep_size'].value).toBe('10240');
    expect(db.parameter_group_name).toMatch(/^\$\{aws_db_parameter_group\..+\.name\}$/);
    expect(onlyResource(prodAws, 'aws_db_parameter_group').parameter).toContainEqual(
      { name: 'max_slot_wal_keep_size', value: '51200', apply_method: 'immediate' },
    );
  });

  test('the replication password is generated and stored only through references', () => {
    const password = onlyResource(devAws, 'random_password');
    expect(password.length).toBeGreaterThanOrEqual(32);
    const version = onlyResource(devAws, 'aws_secretsmanager_secret_version');
    expect(String(version.secret_string)).toMatch(/"password" = random_password\.[^.]+\.result/);
    for (const secret of resourcesOf(devAws, 'aws_secretsmanager_secret')) {
      expect(String(secret.kms_key_id)).toMatch(/^\$\{aws_kms_key\./);
    }
  });

  test('the Airbyte API credentials secret exists without a value (the host writes it)', () => {
    const secrets = devAws.resource!.aws_secretsmanager_secret;
    expect(secrets['airbyte-api-credentials']).toBeDefined();
    const versions = resourcesOf(devAws, 'aws_secretsmanager_secret_version');
    expect(versions.every((v) => !String(v.secret_id).includes('airbyte-api-credentials'))).toBe(true);
  });

  test('an existing instance gets the parameter group and an access rule, no new instance', () => {
    const existing: EnvironmentConfig = {
      ...dev,
      database: {
        mode: 'existing', databaseName: 'app', instanceIdentifier: 'legacy-db', address: 'legacy-db.abc.eu-west-1.rds.amazonaws.com',
        parameterGroupFamily: 'postgres15', securityGroupId: 'sg-0123456789abcdef0',
      },
    };
    const aws = synthEnvironment(existing).aws;
    expect(resourcesOf(aws, 'aws_db_instance')).toEqual([]);
    expect(onlyResource(aws, 'aws_db_parameter_group').family).toBe('postgres15');
    expect(onlyResource(aws, 'aws_vpc_security_group_ingress_rule')).toMatchObject({ security_group_id: 'sg-0123456789abcdef0', from_port: 5432 });
    expect(String(onlyResource(aws, 'aws_secretsmanager_secret_version').secret_string)).toContain('legacy-db.abc.eu-west-1.rds.amazonaws.com');
  });
});

describe('<env>-aws: the WAL alarms watch the database the stack has', () => {
  const alarmedIdentifiers = (aws: typeof devAws) =>
    [...new Set(resourcesOf(aws, 'aws_cloudwatch_metric_alarm').map((a) => (a.dimensions as Record<string, string>).DBInstanceIdentifier))];

  test('created: every alarm names the identifier of the aws_db_instance, which the construct exposes', () => {
    const synthesized = synthEnvironment(dev);
    const identifier = onlyResource(synthesized.aws, 'aws_db_instance').identifier;
    expect(synthesized.stacks.aws.database.instanceIdentifier).toBe(identifier);
    expect(alarmedIdentifiers(synthesized.aws)).toEqual([identifier]);
  });

  test('existing: every alarm names the configured instance identifier', () => {
    const existing: EnvironmentConfig = {
      ...dev,
      database: { mode: 'existing', databaseName: 'app', instanceIdentifier: 'legacy-db', address: 'legacy-db.abc.eu-west-1.rds.amazonaws.com', parameterGroupFamily: 'postgres15' },
    };
    const synthesized = synthEnvironment(existing);
    expect(synthesized.stacks.aws.database.instanceIdentifier).toBe('legacy-db');
    expect(alarmedIdentifiers(synthesized.aws)).toEqual(['legacy-db']);
  });
});

describe('<env>-aws: network, bucket, ephemeral settings', () => {
  test('dev creates a VPC with NAT; prod uses the existing VPC and subnets', () => {
    expect(onlyResource(devAws, 'aws_vpc').cidr_block).toBe('10.42.0.0/16');
    expect(resourcesOf(devAws, 'aws_nat_gateway')).toHaveLength(1);
    expect(onlyResource(devAws, 'aws_default_security_group')).not.toHaveProperty('ingress');
    expect(resourcesOf(prodAws, 'aws_vpc')).toEqual([]);
    expect(onlyResource(prodAws, 'aws_instance').subnet_id).toBe('subnet-0a1b2c3d4e5f60001');
    expect(onlyResource(prodAws, 'aws_db_subnet_group').subnet_ids).toEqual(['subnet-0a1b2c3d4e5f60002', 'subnet-0a1b2c3d4e5f60003']);
  });

  test('the asset bucket blocks all public access, is KMS-encrypted and TLS-only', () => {
    const bucketRef = (r: Record<string, unknown>) => String(r.bucket);
    const pab = onlyResource(devAws, 'aws_s3_bucket_public_access_block');
    expect(pab).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    const sse = onlyResource(devAws, 'aws_s3_bucket_server_side_encryption_configuration');
    expect((sse.rule as Array<Record<string, any>>)[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
    expect(bucketRef(sse)).toBe(bucketRef(pab));
    for (const object of resourcesOf(devAws, 'aws_s3_object')) {
      expect(object.server_side_encryption).toBe('aws:kms');
      expect(String(object.source_hash)).toMatch(/^[0-9A-F]{32}$/);
    }
    expect(onlyResource(devAws, 'aws_s3_bucket').force_destroy).toBe(false);
  });

  test('ephemeral environments are teardown-friendly', () => {
    const db = onlyResource(prAws, 'aws_db_instance');
    expect(db.deletion_protection).toBe(false);
    expect(db.skip_final_snapshot).toBe(true);
    expect(db).not.toHaveProperty('final_snapshot_identifier');
    expect(onlyResource(prAws, 'aws_s3_bucket').force_destroy).toBe(true);
    for (const secret of resourcesOf(prAws, 'aws_secretsmanager_secret')) expect(secret.recovery_window_in_days).toBe(0);
    expect(onlyResource(prAws, 'aws_kms_key').deletion_window_in_days).toBe(7);
  });

  test('provider tags every resource with the environment and pins allowed accounts in prod', () => {
    const provider = prodAws.provider!.aws[0];
    expect(provider.region).toBe('eu-west-1');
    expect(provider.allowed_account_ids).toEqual(['111111111111']);
    expect((provider.default_tags as Array<{ tags: Record<string, string> }>)[0].tags).toMatchObject({ Environment: 'prod', ManagedBy: 'cdktf' });
    expect(onlyResource(devAws, 'aws_instance').tags).toMatchObject({ Role: 'airbyte-host' });
  });
});

describe('<env>-aws: WAL retention alarms', () => {
  test('alarm on slot lag, WAL disk usage and free storage of the source instance, notifying on start and clear', () => {
    const alarms = resourcesOf(devAws, 'aws_cloudwatch_metric_alarm');
    expect(alarms.map((a) => a.metric_name).sort()).toEqual(['FreeStorageSpace', 'OldestReplicationSlotLag', 'TransactionLogsDiskUsage']);
    const topic = onlyResource(devAws, 'aws_sns_topic');
    expect(topic.name).toBe('cdc-dev-alerts');
    expect(String(topic.kms_master_key_id)).toMatch(/^\$\{aws_kms_key\./);
    for (const alarm of alarms) {
      expect(alarm.namespace).toBe('AWS/RDS');
      expect(alarm.dimensions).toEqual({ DBInstanceIdentifier: 'cdc-dev-source' });
      expect(alarm.alarm_actions).toEqual([expect.stringMatching(/^\$\{aws_sns_topic\./)]);
      expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
    }
    const byMetric = Object.fromEntries(alarms.map((a) => [a.metric_name, a]));
    expect(byMetric.OldestReplicationSlotLag).toMatchObject({ comparison_operator: 'GreaterThanThreshold', threshold: 5 * 1024 ** 3 });
    expect(byMetric.FreeStorageSpace).toMatchObject({ comparison_operator: 'LessThanThreshold', threshold: 10 * 1024 ** 3 });
  });

  test('the topic has the configured subscriptions, and the key lets CloudWatch publish to it (scoped to the account)', () => {
    const subscriptions = resourcesOf(prodAws, 'aws_sns_topic_subscription');
    expect(subscriptions.map((s) => [s.protocol, s.endpoint])).toEqual([
      ['email', 'data-platform-oncall@example.com'],
      ['https', 'https://events.pagerduty.example/integration/placeholder/enqueue'],
    ]);
    for (const subscription of subscriptions) expect(String(subscription.topic_arn)).toMatch(/^\$\{aws_sns_topic\./);
    const policy = String(onlyResource(devAws, 'aws_kms_key').policy);
    expect(policy).toMatch(/"Principal" = \{"Service" = "cloudwatch\.amazonaws\.com"\}, "Action" = \["kms:Decrypt", "kms:GenerateDataKey\*"\], "Resource" = "\*", "Condition" = \{"StringEquals" = \{"aws:SourceAccount" = data\.aws_caller_identity\.[^.]+\.account_id\}\}/);
    // The account keeps administering the key (AWS's default key policy statement).
    expect(policy).toMatch(/"Principal" = \{"AWS" = "arn:\$\{data\.aws_partition\.[^.]+\.partition\}:iam::\$\{data\.aws_caller_identity\.[^.]+\.account_id\}:root"\}, "Action" = "kms:\*"/);
    expect(policy).toContain('"Service" = "logs.${data.aws_region.');
  });

  test('a created topic without subscriptions is a synth warning naming alarms.subscriptions', () => {
    const config: EnvironmentConfig = { ...dev, alarms: {} };
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'alarms-')), stackTraces: false });
    defineEnvironmentStacks(app, validateEnvironment(config), { orchestratorBundlePath: fakeBundlePath() });
    const pack = applyPolicyPack(app, { print: false });
    app.synth();
    const warnings = pack.findings.filter((f) => f.ruleId === 'CDC-SNS-1');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].level).toBe('warning');
    expect(warnings[0].message).toContain('alarms.subscriptions');
    // With dev's placeholder subscription there is nothing to warn about.
    const devApp = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'alarms-')), stackTraces: false });
    defineEnvironmentStacks(devApp, validateEnvironment(dev), { orchestratorBundlePath: fakeBundlePath() });
    const devPack = applyPolicyPack(devApp, { print: false });
    devApp.synth();
    expect(devPack.findings.filter((f) => f.ruleId === 'CDC-SNS-1')).toEqual([]);
  });

  test('an existing topic named in config is used instead of creating one', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111111111111:data-platform-pager';
    const aws = synthEnvironment({ ...dev, alarms: { snsTopicArn: topicArn, slotLagMiB: 1024 } }).aws;
    expect(resourcesOf(aws, 'aws_sns_topic')).toEqual([]);
    const lag = resourcesOf(aws, 'aws_cloudwatch_metric_alarm').find((a) => a.metric_name === 'OldestReplicationSlotLag')!;
    expect(lag.alarm_actions).toEqual([topicArn]);
    expect(lag.threshold).toBe(1024 ** 3);
  });
});
