import { Construct } from 'constructs';
import { Fn, TerraformOutput } from 'cdktf';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Password } from '@cdktf/provider-random/lib/password';
import { Uuid } from '@cdktf/provider-random/lib/uuid';
import { ResolvedEksHosting, ResolvedEnvironment } from '../config';
import { AirbyteConfigDatabase } from '../constructs/airbyte-config-database';
import { CdcDatabase } from '../constructs/cdc-database';
import { EksCluster } from '../constructs/eks-cluster';
import { EksNodeGroup, POOL_LABEL } from '../constructs/eks-node-group';
import { PodIdentityRole } from '../constructs/pod-identity-role';
import { suppressRule } from '../constructs/policy';
import { PrivateBucket } from '../constructs/private-bucket';
import { airbyteStorageBucketPrefix, awsNamePrefix, eksClusterName } from '../config/naming';

/** Kubernetes names shared by `<env>-aws` (Pod Identity) and `<env>-kubernetes` (chart, Deployment). */
export const AIRBYTE_SERVICE_ACCOUNT = 'airbyte-admin';
export const ORCHESTRATOR_SERVICE_ACCOUNT = 'cdc-orchestrator';
/** Job pods tolerate this taint and select this pool; nothing else lands on the job nodes. */
export const JOB_POOL = 'jobs';
export const SERVICES_POOL = 'services';
export const JOB_TAINT = { key: POOL_LABEL, value: JOB_POOL, effect: 'NO_SCHEDULE' } as const;
/** Tag Airbyte puts on the secrets it creates; the pod role may only touch secrets carrying it. */
export const AIRBYTE_SECRET_TAG_KEY = 'cdc-environment';

export interface EksHostingInputs {
  readonly env: ResolvedEnvironment & { readonly hosting: ResolvedEksHosting };
  readonly vpcId: string;
  /** Private subnets (≥ 2 AZs) for the cluster and nodes. */
  readonly clusterSubnetIds: string[];
  /** Subnets for Airbyte's config database. */
  readonly databaseSubnetIds: string[];
  readonly kmsKeyArn: string;
  readonly partition: string;
  readonly accountId: string;
  readonly sourceDatabase: CdcDatabase;
  /** The secret `<env>-airbyte` reads the Airbyte API credentials from. */
  readonly airbyteCredentialsSecretId: string;
  readonly orchestratorConfigParameterArn: string;
  /** Permissions boundary for the roles created here (as for the host role). */
  readonly permissionsBoundaryArn?: string;
}

/** What `<env>-kubernetes` needs from the AWS side of an eks-helm environment. */
export interface EksHosting {
  readonly cluster: EksCluster;
  readonly servicesNodes: EksNodeGroup;
  readonly jobNodes: EksNodeGroup;
  readonly storageBucketName: string;
  readonly configDatabase: AirbyteConfigDatabase;
  readonly airbyteRole: PodIdentityRole;
  readonly orchestratorRole: PodIdentityRole;
}

/**
 * The AWS side of eks-helm hosting, inside `<env>-aws`: cluster, node groups, add-ons, Airbyte's
 * storage bucket and config database, Pod Identity for Airbyte and the orchestrator, and the
 * instance-admin API credentials generated here (the chart is told them, `<env>-airbyte` reads
 * them from the same secret the host fills in ec2-abctl mode).
 */
export function defineEksHosting(scope: Construct, inputs: EksHostingInputs): EksHosting {
  const { env } = inputs;
  const hosting = env.hosting;
  const prefix = awsNamePrefix(env.name);

  const cluster = new EksCluster(scope, 'eks', {
    clusterName: eksClusterName(env.name),
    kubernetesVersion: hosting.kubernetesVersion,
    subnetIds: inputs.clusterSubnetIds,
    kmsKeyArn: inputs.kmsKeyArn,
    endpointPublicAccessCidrs: [...hosting.endpointPublicAccessCidrs],
    adminRoleArns: [...hosting.clusterAdminRoleArns],
    viewerRoleArns: [...hosting.clusterViewerRoleArns],
    deletionProtection: !env.ephemeral,
    permissionsBoundaryArn: inputs.permissionsBoundaryArn,
  });
  const nodeGroup = (pool: string, settings: ResolvedEksHosting['servicesNodes'], taints: EksNodeGroup['taints']) =>
    new EksNodeGroup(scope, `eks-${pool}-nodes`, {
      namePrefix: prefix,
      clusterName: cluster.clusterName,
      pool,
      subnetIds: inputs.clusterSubnetIds,
      instanceType: settings.instanceType,
      minSize: settings.minSize,
      desiredSize: settings.desiredSize,
      maxSize: settings.maxSize,
      diskGiB: settings.diskGiB,
      taints: [...taints],
      dependsOn: cluster.nodeAddons,
      permissionsBoundaryArn: inputs.permissionsBoundaryArn,
    });
  const servicesNodes = nodeGroup(SERVICES_POOL, hosting.servicesNodes, []);
  const jobNodes = nodeGroup(JOB_POOL, hosting.jobNodes, [JOB_TAINT]);
  cluster.installCoreDns([servicesNodes.nodeGroup]);

  // Pods (Airbyte, its job pods, the orchestrator) use the cluster security group: the source
  // database admits it like it admits the host.
  inputs.sourceDatabase.allowClient('from-eks-cluster', cluster.clusterSecurityGroupId);

  const storage = new PrivateBucket(scope, 'airbyte-storage', {
    namePrefix: airbyteStorageBucketPrefix(env.name),
    kmsKeyArn: inputs.kmsKeyArn,
    forceDestroy: env.ephemeral,
  });
  const configDatabase = new AirbyteConfigDatabase(scope, 'airbyte-db', {
    namePrefix: prefix,
    vpcId: inputs.vpcId,
    subnetIds: inputs.databaseSubnetIds,
    clientSecurityGroupId: cluster.clusterSecurityGroupId,
    kmsKeyArn: inputs.kmsKeyArn,
    engineVersion: hosting.configDatabase.engineVersion,
    instanceClass: hosting.configDatabase.instanceClass,
    allocatedStorageGiB: hosting.configDatabase.allocatedStorageGiB,
    maxAllocatedStorageGiB: hosting.configDatabase.maxAllocatedStorageGiB,
    multiAz: hosting.configDatabase.multiAz,
    backupRetentionDays: hosting.configDatabase.backupRetentionDays,
    deletionProtection: !env.ephemeral,
    skipFinalSnapshot: env.ephemeral,
  });

  if (env.ephemeral) {
    suppressRule(
      configDatabase.instance,
      'CDC-RDS-4',
      `ephemeral environment ${env.name} is destroyed when its pull request closes; deletion protection would block that teardown`,
    );
  }

  const airbyteSecretsArn = `arn:${inputs.partition}:secretsmanager:${env.aws.region}:${inputs.accountId}:secret:airbyte_*`;
  const airbyteRole = new PodIdentityRole(scope, 'airbyte-pod-identity', {
    clusterName: cluster.clusterName,
    namespace: hosting.namespace,
    serviceAccount: AIRBYTE_SERVICE_ACCOUNT,
    name: `${env.name}-airbyte`,
    permissionsBoundaryArn: inputs.permissionsBoundaryArn,
    statements: [
      { sid: 'ListStorageBucket', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [storage.bucketArn] },
      { sid: 'ReadWriteStorage', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [`${storage.bucketArn}/*`] },
      {
        sid: 'CreateOwnSecrets',
        actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
        resources: [airbyteSecretsArn],
        condition: [{ test: 'StringEquals', variable: `aws:RequestTag/${AIRBYTE_SECRET_TAG_KEY}`, values: [env.name] }],
      },
      {
        sid: 'UseOwnSecrets',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:DeleteSecret'],
        resources: [airbyteSecretsArn],
        condition: [{ test: 'StringEquals', variable: `secretsmanager:ResourceTag/${AIRBYTE_SECRET_TAG_KEY}`, values: [env.name] }],
      },
      { sid: 'UseEnvironmentKey', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [inputs.kmsKeyArn] },
    ],
  });
  const orchestratorRole = new PodIdentityRole(scope, 'orchestrator-pod-identity', {
    clusterName: cluster.clusterName,
    namespace: hosting.namespace,
    serviceAccount: ORCHESTRATOR_SERVICE_ACCOUNT,
    name: `${env.name}-orchestrator`,
    permissionsBoundaryArn: inputs.permissionsBoundaryArn,
    statements: [{ sid: 'ReadOrchestratorConfig', actions: ['ssm:GetParameter'], resources: [inputs.orchestratorConfigParameterArn] }],
  });

  // Fixed instance-admin API credentials: generated here, given to the chart, read by <env>-airbyte.
  const clientId = new Uuid(scope, 'airbyte-api-client-id');
  const clientSecret = new Password(scope, 'airbyte-api-client-secret', { length: 48, special: false });
  new SecretsmanagerSecretVersion(scope, 'airbyte-api-credentials-value', {
    secretId: inputs.airbyteCredentialsSecretId,
    secretString: Fn.jsonencode({ client_id: clientId.result, client_secret: clientSecret.result }),
  });

  new TerraformOutput(scope, 'eks_cluster_name', { value: cluster.clusterName, description: 'aws eks update-kubeconfig --name <this>' });
  new TerraformOutput(scope, 'airbyte_storage_bucket', { value: storage.bucketName });
  new TerraformOutput(scope, 'airbyte_config_db_address', { value: configDatabase.address });
  return { cluster, servicesNodes, jobNodes, storageBucketName: storage.bucketName, configDatabase, airbyteRole, orchestratorRole };
}
