import { Construct } from 'constructs';
import * as path from 'path';
import { Fn, ITerraformDependable, TerraformOutput, TerraformStack } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { ResolvedEnvironment } from '../config';
import { AirbyteDataVolume } from '../constructs/airbyte-data-volume';
import { AirbyteHost } from '../constructs/airbyte-host';
import { HOST_TOOLS, hostFilePath } from '../constructs/airbyte-host/user-data';
import { CdcDatabase } from '../constructs/cdc-database';
import { EnvironmentKey } from '../constructs/environment-key';
import { CdcNetwork, NetworkPlacement } from '../constructs/network';
import { OrchestratorBundle } from '../constructs/orchestrator-bundle';
import { suppressRule } from '../constructs/policy';
import { PrivateBucket } from '../constructs/private-bucket';
import { WalRetentionAlarms } from '../constructs/wal-retention-alarms';
import { addEnvironmentAwsProvider, environmentTags } from './aws-provider';
import { configureBackend } from './backend';
import { buildHostUserData } from '../constructs/airbyte-host/environment-user-data';
import { defineEksHosting, EksHosting } from './eks-hosting';
import { sourcePreparationPlan } from './source-preparation';
import {
  airbyteCredentialsSecretPrefix, alertTopicName, alertWebhookSecretPrefix, assetsBucketPrefix, awsNamePrefix, deployGithubEnvironment,
  hostReleaseParameterName, orchestratorConfigParameterName, roleBoundaryPolicyName, sourcePreparationParameterName, stackName,
} from '../config/naming';

export interface AwsStackOptions {
  /** The single-file orchestrator bundle to ship. @default <repo>/dist/orchestrator.js */
  readonly orchestratorBundlePath?: string;
}

/** Default location of the bundle written by `npm run build:orchestrator`. */
export const DEFAULT_ORCHESTRATOR_BUNDLE = path.join(__dirname, '..', 'dist', 'orchestrator.js');

/**
 * `<env>-aws`: network, KMS key, the CDC source database (created or existing) with its
 * parameter group and credentials secret, the Airbyte host, the secret the host fills with the
 * Airbyte API credentials, and the private bucket carrying the orchestrator bundle.
 */
export class AwsStack extends TerraformStack {
  readonly env: ResolvedEnvironment;
  readonly region: string;
  readonly kmsKeyArn: string;
  readonly database: CdcDatabase;
  /** ec2-abctl hosting only. */
  readonly host?: AirbyteHost;
  /** eks-helm hosting only: cluster, node groups, storage, config database, Pod Identity. */
  readonly eks?: EksHosting;
  readonly alarms: WalRetentionAlarms;
  /** Secret JSON {client_id, client_secret}, written by the host after `abctl local install`. */
  readonly airbyteCredentialsSecretArn: string;
  /** Secret with the source database's admin login ({username, password}) for source preparation; none when unknown. */
  readonly sourceAdminSecretArn?: string;
  readonly orchestratorConfigParameterName: string;
  /** Operator-filled Slack-compatible webhook URL for the orchestrator's alerts. */
  readonly alertWebhookSecretArn: string;

  constructor(scope: Construct, env: ResolvedEnvironment, options: AwsStackOptions = {}) {
    const name = stackName(env.name, 'aws');
    super(scope, name);
    this.env = env;
    this.region = env.aws.region;
    configureBackend(this, env, name);
    const prefix = awsNamePrefix(env.name);
    const tags = environmentTags(env, name);
    addEnvironmentAwsProvider(this, env, name);
    new RandomProvider(this, 'random');
    const partition = new DataAwsPartition(this, 'partition');
    const caller = new DataAwsCallerIdentity(this, 'caller');

    const key = new EnvironmentKey(this, 'key', {
      alias: prefix,
      deletionWindowInDays: env.ephemeral ? 7 : 30,
      // The alarm topic and the RDS log groups are encrypted with this key.
      allowCloudWatchAlarms: true,
      allowCloudWatchLogs: true,
    });
    this.kmsKeyArn = key.keyArn;
    const secretRecoveryWindowInDays = env.ephemeral ? 0 : 7;

    let network: Omit<NetworkPlacement, 'hostInternetAccess'>;
    let hostInternetAccess: ITerraformDependable[] = [];
    let vpcCidr: string;
    if (env.network.mode === 'create') {
      network = new CdcNetwork(this, 'network', {
        vpcCidr: env.network.vpcCidr,
        availabilityZoneCount: env.network.availabilityZoneCount,
        namePrefix: prefix,
      });
      hostInternetAccess = (network as CdcNetwork).hostInternetAccess;
      vpcCidr = env.network.vpcCidr;
    } else {
      network = {
        vpcId: env.network.vpcId,
        hostSubnetId: env.network.hostSubnetId,
        databaseSubnetIds: [...env.network.databaseSubnetIds],
      };
      vpcCidr = new DataAwsVpc(this, 'existing-vpc', { id: env.network.vpcId }).cidrBlock;
    }

    const db = env.database;
    this.database = new CdcDatabase(this, 'source-db', {
      namePrefix: prefix,
      kmsKeyArn: key.keyArn,
      parameterGroupFamily: db.parameterGroupFamily,
      cdc: db.cdc,
      databaseName: db.databaseName,
      replicationUsername: db.replicationUsername,
      secretRecoveryWindowInDays,
      tags,
      instance:
        db.mode === 'create'
          ? {
              vpcId: network.vpcId,
              subnetIds: network.databaseSubnetIds,
              engineVersion: db.engineVersion,
              instanceClass: db.instanceClass,
              allocatedStorageGiB: db.allocatedStorageGiB,
              maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
              backupRetentionDays: db.backupRetentionDays,
              multiAz: db.multiAz,
              logRetentionDays: db.logRetentionDays,
              deletionProtection: !env.ephemeral,
              skipFinalSnapshot: env.ephemeral,
            }
          : undefined,
      existing:
        db.mode === 'existing'
          ? { instanceIdentifier: db.instanceIdentifier, address: db.address, port: db.port, securityGroupId: db.securityGroupId }
          : undefined,
    });

    // The login that prepares the source: RDS's managed master secret, or the one config names for an existing database.
    this.sourceAdminSecretArn = this.database.masterUserSecretArn ?? (db.mode === 'existing' ? db.adminSecretArn : undefined);

    if (env.ephemeral && this.database.instance) {
      suppressRule(
        this.database.instance,
        'CDC-RDS-4',
        `ephemeral environment ${env.name} is destroyed when its pull request closes; deletion protection would block that teardown`,
      );
    }

    const MIB = 1024 * 1024;
    this.alarms = new WalRetentionAlarms(this, 'wal-alarms', {
      dbInstanceIdentifier: this.database.instanceIdentifier,
      snsTopicArn: env.alarms.snsTopicArn,
      subscriptions: env.alarms.subscriptions,
      topicName: alertTopicName(env.name),
      kmsKeyArn: key.keyArn,
      slotLagBytes: env.alarms.slotLagMiB * MIB,
      transactionLogsBytes: env.alarms.transactionLogsMiB * MIB,
      freeStorageBytes: env.alarms.freeStorageMiB * MIB,
    });

    const airbyteCredentials = new SecretsmanagerSecret(this, 'airbyte-api-credentials', {
      namePrefix: airbyteCredentialsSecretPrefix(env.name),
      description: env.hosting.mode === 'eks-helm'
        ? 'Airbyte instance-admin client id/secret, generated by Terraform and given to the Helm chart'
        : 'Airbyte application client id/secret, written by the host after abctl install',
      kmsKeyId: key.keyArn,
      recoveryWindowInDays: secretRecoveryWindowInDays,
    });
    this.airbyteCredentialsSecretArn = airbyteCredentials.arn;
    // Filled by an operator (the webhook URL carries a token): the orchestrator reads it at start.
    const alertWebhook = new SecretsmanagerSecret(this, 'alert-webhook', {
      namePrefix: alertWebhookSecretPrefix(env.name),
      description: 'Slack-compatible webhook URL for orchestrator alerts (plain string); set it with aws secretsmanager put-secret-value',
      kmsKeyId: key.keyArn,
      recoveryWindowInDays: secretRecoveryWindowInDays,
    });

    // Accounts set up by the bootstrap stack (S3 state) let deploy roles create roles only with it.
    const roleBoundaryArn =
      env.backend.type === 's3'
        ? `arn:${partition.partition}:iam::${caller.accountId}:policy/${roleBoundaryPolicyName(deployGithubEnvironment(env.name, env.ephemeral))}`
        : undefined;
    if (env.hosting.mode === 'eks-helm') {
      // No host: Airbyte runs on EKS and the orchestrator as a Deployment (<env>-kubernetes).
      this.orchestratorConfigParameterName = orchestratorConfigParameterName(env.name);
      this.eks = defineEksHosting(this, {
        env: { ...env, hosting: env.hosting },
        vpcId: network.vpcId,
        clusterSubnetIds: network.privateSubnetIds ?? [...(env.hosting.clusterSubnetIds ?? [])],
        databaseSubnetIds: network.databaseSubnetIds,
        kmsKeyArn: key.keyArn,
        partition: partition.partition,
        accountId: caller.accountId,
        sourceDatabase: this.database,
        airbyteCredentialsSecretId: airbyteCredentials.id,
        orchestratorConfigParameterArn: `arn:${partition.partition}:ssm:${env.aws.region}:${caller.accountId}:parameter${this.orchestratorConfigParameterName}`,
        permissionsBoundaryArn: roleBoundaryArn,
      });
      this.alertWebhookSecretArn = alertWebhook.arn;
      new TerraformOutput(this, 'source_db_address', { value: this.database.address });
      return;
    }
    this.alertWebhookSecretArn = alertWebhook.arn;

    const assets = new PrivateBucket(this, 'assets', {
      namePrefix: assetsBucketPrefix(env.name),
      kmsKeyArn: key.keyArn,
      forceDestroy: env.ephemeral,
    });
    const ship = (id: string, file: string) =>
      new OrchestratorBundle(this, id, { bundlePath: file, bucketName: assets.bucketName, bucketArn: assets.bucketArn, kmsKeyArn: key.keyArn });
    // The release: the bundle and the host tools. The host installs what the parameter lists, so a
    // new bundle reaches a running host with a restart of its unit, never a replacement.
    const release = [
      { name: 'orchestrator.js', file: ship('orchestrator-bundle', options.orchestratorBundlePath ?? DEFAULT_ORCHESTRATOR_BUNDLE) },
      ...HOST_TOOLS.map((name) => ({ name, file: ship(`host-tool-${name.replace(/\.js$/, '')}`, hostFilePath(name)) })),
    ];
    const releaseParameter = new SsmParameter(this, 'host-release', {
      name: hostReleaseParameterName(env.name),
      description: 'Orchestrator release for the Airbyte host: <sha256> <file> s3://<bucket>/<key> per line',
      type: 'String',
      value: release.map(({ name, file }) => `${file.sha256} ${name} s3://${assets.bucketName}/${file.objectKey}`).join('\n'),
      dependsOn: release.map(({ file }) => file.object),
    });

    // What the deploy's "prepare the source" step does on the host, known before any Airbyte
    // connection exists: the configured streams, the logins' secrets and, for an ephemeral
    // environment, its seed.
    const seed = db.seedSqlFile ? ship('source-seed', db.seedSqlFile) : undefined;
    const adminSecretArn = this.sourceAdminSecretArn;
    const plan = sourcePreparationPlan(env);
    const preparationParameter = new SsmParameter(this, 'source-preparation', {
      name: sourcePreparationParameterName(env.name),
      description: 'What scripts/stack.sh deploy prepares on the source database (read by cdc-prepare-source on the host)',
      type: 'String',
      value: Fn.jsonencode({
        environment: plan.environment,
        tables: plan.tables.join(','),
        replicationSlot: plan.replicationSlot,
        publication: plan.publication,
        databaseSecretArn: this.database.credentialsSecretArn,
        adminSecretArn: adminSecretArn ?? '',
        seed: seed ? `${seed.sha256} s3://${assets.bucketName}/${seed.objectKey}` : '',
      }),
      dependsOn: seed ? [seed.object] : undefined,
    });
    const dataVolume = new AirbyteDataVolume(this, 'airbyte-data', {
      namePrefix: prefix,
      subnetId: network.hostSubnetId,
      sizeGiB: env.host.dataVolumeGiB,
      kmsKeyArn: key.keyArn,
      retain: env.host.retainDataVolume,
      tags,
    });

    this.orchestratorConfigParameterName = orchestratorConfigParameterName(env.name);
    const configParameterArn = `arn:${partition.partition}:ssm:${env.aws.region}:${caller.accountId}:parameter${this.orchestratorConfigParameterName}`;

    this.host = new AirbyteHost(this, 'airbyte-host', {
      namePrefix: prefix,
      vpcId: network.vpcId,
      subnetId: network.hostSubnetId,
      instanceType: env.host.instanceType,
      rootVolumeGiB: env.host.rootVolumeGiB,
      kmsKeyArn: key.keyArn,
      permissionsBoundaryArn: roleBoundaryArn,
      userData: buildHostUserData({
        env,
        airbyteCredentialsSecretArn: airbyteCredentials.arn,
        databaseSecretArn: this.database.credentialsSecretArn,
        alertWebhookSecretArn: alertWebhook.arn,
        orchestratorConfigParameter: this.orchestratorConfigParameterName,
        releaseParameter: releaseParameter.name,
        preparationParameter: preparationParameter.name,
        dataVolumeId: dataVolume.volumeId,
      }),
      dataVolumeId: dataVolume.volumeId,
      // The first boot installs packages through the NAT and reads the release.
      dependsOn: [...hostInternetAccess, releaseParameter, preparationParameter],
      grants: {
        readSecretArns: [
          this.database.credentialsSecretArn,
          alertWebhook.arn,
          ...(adminSecretArn ? [adminSecretArn] : []),
          ...(env.host.dockerHubSecretArn ? [env.host.dockerHubSecretArn] : []),
        ],
        writeSecretArns: [airbyteCredentials.arn],
        readParameterArns: [configParameterArn, releaseParameter.arn, preparationParameter.arn],
        readObjectArns: [...release.map(({ file }) => file.objectArn), ...(seed ? [seed.objectArn] : [])],
        kmsKeyArns: [key.keyArn],
      },
    });

    if (!this.database.allowClient('from-airbyte-host', this.host.securityGroupId)) {
      // Existing instance without a known security group: allow the host out to the VPC on the
      // DB port; the instance's own group must admit the host (README, "Existing database").
      new VpcSecurityGroupEgressRule(this, 'host-to-existing-db', {
        securityGroupId: this.host.securityGroupId,
        description: 'PostgreSQL to the existing source database inside the VPC',
        ipProtocol: 'tcp',
        fromPort: this.database.port,
        toPort: this.database.port,
        cidrIpv4: vpcCidr,
      });
    } else {
      this.host.allowEgressTo('egress-to-db', this.database.securityGroupId!, this.database.port, 'PostgreSQL to the CDC source database');
    }

    new TerraformOutput(this, 'airbyte_host_instance_id', {
      value: this.host.instanceId,
      description: 'EC2 instance to open the SSM tunnel to (scripts/tunnel.sh)',
    });
    new TerraformOutput(this, 'airbyte_data_volume_id', {
      value: dataVolume.volumeId,
      description: "EBS volume holding Airbyte's state (/root/.airbyte); it outlives the host",
    });
    new TerraformOutput(this, 'source_db_address', { value: this.database.address });
    new TerraformOutput(this, 'source_db_parameter_group', {
      value: this.database.parameterGroup.name,
      description: 'Attach to an existing instance and reboot it to enable logical replication',
    });
  }
}
