/**
 * One environment's configuration as one zod schema: what users write in config/environments/*.ts
 * (`EnvironmentConfig`, the schema's input), every default (written here once, or taken from the
 * construct that applies it), every check with its message, and what the stacks read
 * (`ResolvedEnvironment`, the schema's output). README's configuration reference is generated from
 * it (`npm run docs`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod';
import { AIRBYTE_CONFIG_DATABASE_DEFAULTS } from '../constructs/airbyte-config-database';
import { AIRBYTE_DATA_VOLUME_DEFAULTS } from '../constructs/airbyte-data-volume';
import { AIRBYTE_HOST_DEFAULTS } from '../constructs/airbyte-host';
import { CDC_DATABASE_DEFAULTS, CDC_PARAMETER_DEFAULTS } from '../constructs/cdc-database';
import { BIGQUERY_DESTINATION_DEFAULTS, POSTGRES_SOURCE_DEFAULTS } from '../constructs/connector-configuration';
import { EKS_NODE_GROUP_DEFAULTS } from '../constructs/eks-node-group';
import { CDC_NETWORK_DEFAULTS } from '../constructs/network';
import { WAL_RETENTION_ALARMS_DEFAULTS } from '../constructs/wal-retention-alarms';
import { HEARTBEAT_ACTION_QUERY } from '../orchestrator/src/probe/heartbeat';
import { AWS_REGIONS, BIGQUERY_LOCATIONS, INSTANCE_TYPE_SIZES } from './allowed-values';
import { gcpServiceAccountId, NAMING_CONSTANTS, publicationName, replicationSlotName, workspaceName } from './naming';
import { bool, doc, integer, list, matching, object, oneOf, oneOfList, oneOfNumbers, requiredMatching, shown, tagged } from './schema-kit';

/** EKS versions in standard support when this was written (late 2026); older ones cost extended-support fees. */
export const EKS_KUBERNETES_VERSIONS: readonly string[] = ['1.34', '1.35', '1.36'];

/** Kubernetes CPU quantity ("500m", "1", "1.5") in millicores, or undefined. */
export function cpuMillis(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(quantity));
  if (!match) return undefined;
  return match[2] === 'm' ? Number(match[1]) : Number(match[1]) * 1000;
}

/** Kubernetes memory quantity with a binary suffix ("512Mi", "4Gi") in MiB, or undefined. */
export function memoryMiB(quantity: string): number | undefined {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  if (!match) return undefined;
  return match[2] === 'Gi' ? Number(match[1]) * 1024 : Number(match[1]);
}

/** Parses an IPv4 CIDR; returns the prefix length or undefined when it does not parse. */
export function parseIpv4Cidr(cidr: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const hostBits = 32 - prefix;
  const hostMask = hostBits === 32 ? 0xffffffff : 2 ** hostBits - 1;
  if ((address & hostMask) !== 0) return undefined; // host bits set: not a network address
  return prefix;
}

/** A Quartz cron expression has 6 or 7 whitespace-separated fields (seconds first). */
function isQuartzCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  return (fields.length === 6 || fields.length === 7) && fields.every((f) => /^[0-9A-Za-z*?\/,\-#LW]+$/.test(f));
}

function parameterGroupFamilyFor(engineVersion: string): string {
  return `postgres${engineVersion.split('.')[0]}`;
}

const ENV_NAME = new RegExp(NAMING_CONSTANTS.ENVIRONMENT_NAME_PATTERN);
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/-]{1,512}$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const PG_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const SERVICE_ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** Both ts-jest (config/) and the esbuild bundle (dist/) sit one level below the repository root. */
const REPO_ROOT = path.resolve(__dirname, '..');
const INSTANCE_TYPES = Object.keys(INSTANCE_TYPE_SIZES);
const INSTANCE_TYPE_DOC = 'one of the instance types in config/allowed-values.ts';

/** Defaults of this project that no construct applies (the construct takes the value as required). */
export const ENVIRONMENT_DEFAULTS = {
  abctlVersion: 'v0.30.4',
  airbyteChartVersion: '2.2.0',
  airbytePort: 8000,
  backendKeyPrefix: 'cdc-bigquery',
  kubernetesVersion: '1.35',
  namespace: 'airbyte',
  configDatabaseEngineVersion: '16.4',
  sourceEngineVersion: '16',
  serverUrl: 'http://localhost:8000/api/public/v1',
  /** Shorter than the connector's 1200 s: a first sync of a quiet database should not wait 20 minutes. */
  initialWaitingSeconds: 300,
  streamNamespace: 'public',
  syncMode: 'incremental_deduped_history',
  cursorField: ['updated_at'],
  servicesNodes: { instanceType: 'm6i.xlarge', minSize: 2, desiredSize: 2, maxSize: 4 },
  jobNodes: { instanceType: 'm6i.xlarge', minSize: 1, desiredSize: 1, maxSize: 6 },
  scaling: {
    workerReplicas: 2, maxSyncWorkersPerWorker: 5, launcherReplicas: 2, launcherParallelism: 10,
    jobCpuRequest: '1', jobCpuLimit: '2', jobMemoryRequest: '2Gi', jobMemoryLimit: '4Gi',
  },
} as const;

/** Ephemeral environments keep one day of backups: they live for a pull request. */
const EPHEMERAL_BACKUP_RETENTION_DAYS = 1;

// ---------------------------------------------------------------- sections

const aws = object({
  region: doc(oneOfList(AWS_REGIONS, 'AWS region'), 'AWS region, e.g. `eu-west-1`.'),
  allowedAccountIds: doc(list(matching(/^\d{12}$/, 'a 12-digit AWS account id')).optional(), 'Refuse to run against any other account (Terraform\'s `allowed_account_ids`). Strongly recommended for `prod`.', { default: 'no restriction' }),
});

const gcp = object({
  projectId: doc(requiredMatching(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id (6–30 lowercase letters, digits, hyphens)'), 'GCP project that holds the BigQuery dataset.'),
  region: doc(matching(/^[a-z]+-[a-z]+\d+$/, 'a GCP region like europe-west1'), 'Region for regional GCP resources (the optional staging bucket).'),
  datasetId: doc(matching(/^[A-Za-z0-9_]{1,1024}$/, 'letters, digits and underscores'), 'BigQuery dataset id.'),
  datasetLocation: doc(oneOfList(BIGQUERY_LOCATIONS, 'BigQuery location'), 'BigQuery dataset location; one of the locations the Airbyte BigQuery destination accepts.'),
  loadingMethod: doc(oneOf(['standard', 'gcs-staging']).default('standard'), 'How Airbyte loads BigQuery. `gcs-staging` adds a GCS bucket and an HMAC key for it.'),
  serviceAccountId: doc(matching(SERVICE_ACCOUNT_ID, 'a service account id (6–30 lowercase letters, digits, hyphens, starting with a letter)').optional(), 'Id of the service account Airbyte writes with.', { default: '`airbyte-<env name>`' }),
});

const backend = tagged('type', [
  object({ type: z.literal('local') }),
  object({
    type: z.literal('s3'),
    bucket: doc(matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'), 'Existing, versioned state bucket.'),
    region: doc(oneOfList(AWS_REGIONS, 'AWS region'), 'Region of the state bucket.'),
    kmsKeyArn: doc(
      matching(/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-f-]{32,36}$/, 'the ARN of the state key (bootstrap output state_kms_key_arn): arn:aws:kms:<region>:<account>:key/<key id>'),
      'ARN of the KMS key that encrypts the state. Terraform sends it with every upload; without it the upload is SSE-S3, which the bucket policy refuses.',
    ),
    keyPrefix: doc(z.string().default(ENVIRONMENT_DEFAULTS.backendKeyPrefix), 'Key prefix under which each stack writes `<prefix>/<stack>.tfstate`.'),
  }),
]);

const vpcCidr = z.string({ error: (issue) => `${shown(issue.input)} does not parse; expected an IPv4 network CIDR such as 10.42.0.0/16` }).superRefine((cidr, ctx) => {
  const prefix = parseIpv4Cidr(cidr);
  if (prefix === undefined) ctx.addIssue({ code: 'custom', input: cidr, message: `${shown(cidr)} does not parse; expected an IPv4 network CIDR such as 10.42.0.0/16` });
  else if (prefix < 16 || prefix > 24) ctx.addIssue({ code: 'custom', input: cidr, message: `/${prefix} is not allowed; expected a prefix from /16 to /24` });
});

const network = tagged(
  'mode',
  [
    object({
      mode: z.literal('create'),
      vpcCidr: doc(vpcCidr, 'IPv4 CIDR of the VPC.', { type: 'IPv4 CIDR, /16 to /24' }),
      availabilityZoneCount: doc(integer(2, 3).default(CDC_NETWORK_DEFAULTS.availabilityZoneCount), 'Number of availability zones for the private subnets (RDS needs ≥ 2).'),
    }),
    object({
      mode: z.literal('existing'),
      vpcId: doc(matching(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id like vpc-0123456789abcdef0'), 'Id of the existing VPC.'),
      hostSubnetId: doc(matching(SUBNET_ID, 'a subnet id like subnet-0123456789abcdef0'), 'Subnet for the Airbyte host; it needs outbound internet (NAT) for Docker images.'),
      databaseSubnetIds: doc(list(matching(SUBNET_ID, 'a subnet id')).default([]), 'Private subnets (≥ 2, different AZs) for a created RDS instance.'),
    }),
  ],
  'quoted',
);

const host = object({
  instanceType: doc(oneOfList(INSTANCE_TYPES, INSTANCE_TYPE_DOC).default(AIRBYTE_HOST_DEFAULTS.instanceType), 'EC2 instance type (4 vCPU / 16 GiB is Airbyte\'s recommended size; smaller hosts run abctl\'s low-resource mode).'),
  rootVolumeGiB: doc(integer(50, 16384).default(AIRBYTE_HOST_DEFAULTS.rootVolumeGiB), 'Encrypted gp3 root volume size in GiB (Airbyte needs ≥ 50).'),
  abctlVersion: doc(matching(/^v\d+\.\d+\.\d+$/, 'a pinned abctl release tag like v0.30.4').default(ENVIRONMENT_DEFAULTS.abctlVersion), 'Pinned abctl release tag.'),
  airbyteChartVersion: doc(
    matching(/^\d+\.\d+\.\d+$/, 'an Airbyte Helm chart version like 2.2.0').default(ENVIRONMENT_DEFAULTS.airbyteChartVersion),
    'Airbyte Helm chart version abctl installs (`--chart-version`; chart 2.2.0 is Airbyte 2.2.0). Without a pin abctl installs the newest chart at boot. Upgrading is a change of this value (README, "Upgrading").',
  ),
  dataVolumeGiB: doc(
    integer(20, 16384).default(AIRBYTE_DATA_VOLUME_DEFAULTS.sizeGiB),
    'Size of the separate encrypted gp3 volume mounted at /root/.airbyte, where abctl keeps Airbyte\'s database and state. It outlives the instance, so replacing the host keeps connections, job history and CDC positions.',
  ),
  retainDataVolume: doc(bool().optional(), 'Keep the data volume from being destroyed (`prevent_destroy`). To tear a persistent environment down, set it to false first.', {
    default: `${AIRBYTE_DATA_VOLUME_DEFAULTS.retain} (ephemeral: false)`,
  }),
  dockerHubSecretArn: doc(
    matching(SECRET_ARN, 'a Secrets Manager secret ARN').optional(),
    'Existing Secrets Manager secret with Docker Hub credentials (JSON `{"username": "...", "password": "<access token>"}`), so abctl\'s image pulls do not hit Docker Hub\'s anonymous limit. Name it `cdc-<env>/…`: the host role\'s permissions boundary admits only the environment\'s own secrets.',
    { default: 'none (anonymous pulls)' },
  ),
});

const nodeGroup = (defaults: { readonly instanceType: string; readonly minSize: number; readonly desiredSize: number; readonly maxSize: number }) =>
  object({
    instanceType: doc(oneOfList(INSTANCE_TYPES, INSTANCE_TYPE_DOC).default(defaults.instanceType), 'EC2 instance type.'),
    minSize: doc(integer(0, 100).default(defaults.minSize), 'Fewest nodes.'),
    desiredSize: doc(z.number({ error: (issue) => `${shown(issue.input)} is invalid; expected a number` }).optional(), 'Nodes to start with.', { default: `${defaults.desiredSize}, at least minSize` }),
    maxSize: doc(integer(1, 100).optional(), 'Most nodes.', { default: `${defaults.maxSize}, at least desiredSize` }),
    diskGiB: doc(integer(20, 16384).default(EKS_NODE_GROUP_DEFAULTS.diskGiB), 'Encrypted gp3 root volume per node in GiB.'),
  });

const cpuQuantity = (fallback: string) =>
  z
    .string({ error: (issue) => `${shown(issue.input)} is not a CPU quantity; expected e.g. "500m" or "2"` })
    .refine((v) => (cpuMillis(v) ?? 0) > 0, { error: (issue) => `${shown(issue.input)} is not a CPU quantity; expected e.g. "500m" or "2"` })
    .meta({ type: 'Kubernetes CPU quantity' })
    .default(fallback);
const memoryQuantity = (fallback: string) =>
  z
    .string({ error: (issue) => `${shown(issue.input)} is not a memory quantity; expected e.g. "512Mi" or "4Gi"` })
    .refine((v) => (memoryMiB(v) ?? 0) > 0, { error: (issue) => `${shown(issue.input)} is not a memory quantity; expected e.g. "512Mi" or "4Gi"` })
    .meta({ type: 'Kubernetes memory quantity (Mi/Gi)' })
    .default(fallback);

const roleArns = (description: string) =>
  doc(list(matching(ROLE_ARN, 'an IAM role ARN like arn:aws:iam::123456789012:role/cdc-github-deploy-prod')).default([]), description);

const eksHosting = object({
  mode: z.literal('eks-helm'),
  kubernetesVersion: doc(oneOfList(EKS_KUBERNETES_VERSIONS, `one of ${EKS_KUBERNETES_VERSIONS.join(', ')}`).default(ENVIRONMENT_DEFAULTS.kubernetesVersion), 'EKS Kubernetes version (one of the versions in standard support).'),
  endpointPublicAccessCidrs: doc(
    list(
      z.string().superRefine((cidr, ctx) => {
        const prefix = parseIpv4Cidr(cidr);
        if (prefix === undefined) ctx.addIssue({ code: 'custom', input: cidr, message: `${shown(cidr)} does not parse; expected an IPv4 network CIDR such as 203.0.113.0/24` });
        else if (prefix < 8) {
          ctx.addIssue({ code: 'custom', input: cidr, message: `${shown(cidr)} opens the cluster API to (nearly) the whole internet; expected your office or runner ranges (/8 or narrower), or none for a private endpoint` });
        }
      }),
    ).default([]),
    'CIDRs allowed to reach the cluster\'s public API endpoint. Empty: the endpoint is private only (reached from inside the VPC). Never 0.0.0.0/0.',
    { type: 'list of IPv4 CIDRs, /8 or narrower' },
  ),
  clusterAdminRoleArns: roleArns('IAM role ARNs given cluster admin through EKS access entries (the bootstrap deploy roles). The principal that applies `<env>-aws` always gets one as well.'),
  clusterViewerRoleArns: roleArns('IAM role ARNs given read-only cluster access (the plan role, so `diff` can refresh).'),
  clusterSubnetIds: doc(list(matching(SUBNET_ID, 'a subnet id')).optional(), 'Private subnets (≥ 2, different AZs, outbound through NAT) for the cluster and its nodes, when `network.mode` is "existing". A created network uses its own private subnets.', {
    default: 'none (required with network.mode "existing")',
  }),
  servicesNodes: doc(nodeGroup(ENVIRONMENT_DEFAULTS.servicesNodes).prefault({}), "Nodes for Airbyte's services (server, worker, launcher, temporal, ...) and the orchestrator."),
  jobNodes: doc(nodeGroup(ENVIRONMENT_DEFAULTS.jobNodes).prefault({}), 'Nodes for job pods (connector syncs, checks, discovers); tainted so nothing else lands there.'),
  configDatabase: doc(
    object({
      engineVersion: doc(
        z
          .string({ error: (issue) => `${shown(issue.input)} is not allowed; expected "<major>.<minor>" with major 13–17 (what chart 2.2.0 supports)` })
          .refine((v) => /^\d+\.\d+$/.test(v) && Number(v.split('.')[0]) >= 13 && Number(v.split('.')[0]) <= 17, {
            error: (issue) => `${shown(issue.input)} is not allowed; expected "<major>.<minor>" with major 13–17 (what chart 2.2.0 supports)`,
          })
          .meta({ type: '"<major>.<minor>", major 13–17' })
          .default(ENVIRONMENT_DEFAULTS.configDatabaseEngineVersion),
        'PostgreSQL version of Airbyte\'s config database (the chart supports 13–17).',
      ),
      instanceClass: doc(matching(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class like db.t4g.medium').default(AIRBYTE_CONFIG_DATABASE_DEFAULTS.instanceClass), 'RDS instance class.'),
      allocatedStorageGiB: doc(integer(20, 65536).default(AIRBYTE_CONFIG_DATABASE_DEFAULTS.allocatedStorageGiB), 'Storage in GiB.'),
      maxAllocatedStorageGiB: doc(z.number().optional(), 'Storage autoscaling ceiling in GiB.', {
        type: 'integer, allocatedStorageGiB–65536',
        default: `${AIRBYTE_CONFIG_DATABASE_DEFAULTS.maxAllocatedStorageGiB}, at least allocatedStorageGiB`,
      }),
      multiAz: doc(bool().default(AIRBYTE_CONFIG_DATABASE_DEFAULTS.multiAz), 'Multi-AZ deployment.'),
      backupRetentionDays: doc(integer(1, 35).optional(), 'Days of automated backups.', {
        default: `${AIRBYTE_CONFIG_DATABASE_DEFAULTS.backupRetentionDays} (ephemeral: ${EPHEMERAL_BACKUP_RETENTION_DAYS})`,
      }),
    }).prefault({}),
    "Airbyte's own config database (RDS PostgreSQL), separate from the source.",
  ),
  scaling: doc(
    object({
      workerReplicas: doc(integer(1, 50).default(ENVIRONMENT_DEFAULTS.scaling.workerReplicas), '`worker.replicaCount`.'),
      maxSyncWorkersPerWorker: doc(integer(1, 100).default(ENVIRONMENT_DEFAULTS.scaling.maxSyncWorkersPerWorker), '`worker.maxSyncWorkers`: syncs one worker runs at once (chart default).'),
      launcherReplicas: doc(integer(1, 20).default(ENVIRONMENT_DEFAULTS.scaling.launcherReplicas), '`workloadLauncher.replicaCount`.'),
      launcherParallelism: doc(integer(1, 200).default(ENVIRONMENT_DEFAULTS.scaling.launcherParallelism), '`workloadLauncher.parallelism`: pods one launcher starts at once.'),
      jobCpuRequest: doc(cpuQuantity(ENVIRONMENT_DEFAULTS.scaling.jobCpuRequest), 'Job pod main container CPU request.'),
      jobCpuLimit: doc(cpuQuantity(ENVIRONMENT_DEFAULTS.scaling.jobCpuLimit), 'Job pod main container CPU limit.'),
      jobMemoryRequest: doc(memoryQuantity(ENVIRONMENT_DEFAULTS.scaling.jobMemoryRequest), 'Job pod main container memory request.'),
      jobMemoryLimit: doc(memoryQuantity(ENVIRONMENT_DEFAULTS.scaling.jobMemoryLimit), 'Job pod main container memory limit.'),
    }).prefault({}),
    'How many syncs run at once and how big each job pod is.',
  ),
  namespace: doc(matching(K8S_NAME, 'a Kubernetes namespace name (lowercase letters, digits, hyphens, ≤ 63)').default(ENVIRONMENT_DEFAULTS.namespace), 'Kubernetes namespace of the release and the orchestrator.'),
});

const hosting = tagged('mode', [object({ mode: z.literal('ec2-abctl') }), eksHosting]);

const cdcParameters = object({
  maxReplicationSlots: doc(integer(1, 100).default(CDC_PARAMETER_DEFAULTS.maxReplicationSlots), '`max_replication_slots`.'),
  maxWalSenders: doc(integer(1, 100).default(CDC_PARAMETER_DEFAULTS.maxWalSenders), '`max_wal_senders`; must be ≥ maxReplicationSlots.'),
  walSenderTimeoutMs: doc(integer(0, 3600000).default(CDC_PARAMETER_DEFAULTS.walSenderTimeoutMs), '`wal_sender_timeout` in milliseconds.'),
  maxSlotWalKeepSizeMb: doc(integer(1024, 1048576).default(CDC_PARAMETER_DEFAULTS.maxSlotWalKeepSizeMb), '`max_slot_wal_keep_size`: cap on WAL a lagging slot may retain, in MB, so an abandoned slot cannot fill the disk.'),
});

const databaseCommon = {
  databaseName: doc(matching(IDENTIFIER, 'a lowercase Postgres identifier (letters, digits, _)'), 'Database the pipeline reads.'),
  replicationUsername: doc(
    matching(IDENTIFIER, 'a lowercase Postgres identifier')
      .refine((v) => !v.startsWith('rds'), { error: 'may not start with "rds" (reserved by RDS)' })
      .default(CDC_DATABASE_DEFAULTS.replicationUsername),
    'Login Airbyte and the orchestrator use (its password is generated and kept in Secrets Manager).',
  ),
  cdc: doc(cdcParameters.prefault({}), 'CDC-related server parameters written to the custom parameter group.'),
  seedSqlFile: doc(
    z.string().optional(),
    'SQL file (path from the repository root, e.g. `config/seed/dev.sql`) that source preparation runs as the admin login before its checks, only in ephemeral environments, whose new database is empty. It must be idempotent (`CREATE TABLE IF NOT EXISTS ...`). Ignored for dev/prod.',
    { default: 'none' },
  ),
};

const database = tagged(
  'mode',
  [
    object({
      mode: z.literal('create'),
      ...databaseCommon,
      engineVersion: doc(
        z
          .string({ error: (issue) => `${shown(issue.input)} is not allowed; expected a major version like "16" (or "<major>.<minor>" to pin a minor version) with major ≥ 13 (max_slot_wal_keep_size)` })
          .refine((v) => /^\d+(\.\d+)?$/.test(v) && Number(v.split('.')[0]) >= 13, {
            error: (issue) => `${shown(issue.input)} is not allowed; expected a major version like "16" (or "<major>.<minor>" to pin a minor version) with major ≥ 13 (max_slot_wal_keep_size)`,
          })
          .meta({ type: '"<major>" or "<major>.<minor>", major ≥ 13' })
          .default(ENVIRONMENT_DEFAULTS.sourceEngineVersion),
        'PostgreSQL version. A major version ("16") lets RDS apply minor upgrades automatically; "major.minor" ("16.4") pins that minor version and turns automatic minor upgrades off.',
      ),
      logRetentionDays: doc(oneOfNumbers(LOG_RETENTION_DAYS).default(CDC_DATABASE_DEFAULTS.logRetentionDays), 'Days CloudWatch keeps the instance\'s exported logs (postgresql, upgrade).'),
      instanceClass: doc(matching(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class like db.t4g.medium').default(CDC_DATABASE_DEFAULTS.instanceClass), 'RDS instance class.'),
      allocatedStorageGiB: doc(integer(20, 65536).default(CDC_DATABASE_DEFAULTS.allocatedStorageGiB), 'Storage in GiB.'),
      maxAllocatedStorageGiB: doc(z.number().default(CDC_DATABASE_DEFAULTS.maxAllocatedStorageGiB), 'Storage autoscaling ceiling in GiB.', { type: 'integer, allocatedStorageGiB–65536' }),
      backupRetentionDays: doc(integer(1, 35).optional(), 'Days of automated backups.', {
        default: `${CDC_DATABASE_DEFAULTS.backupRetentionDays} (ephemeral: ${EPHEMERAL_BACKUP_RETENTION_DAYS})`,
      }),
      multiAz: doc(bool().default(CDC_DATABASE_DEFAULTS.multiAz), 'Multi-AZ deployment.'),
    }),
    object({
      mode: z.literal('existing'),
      ...databaseCommon,
      instanceIdentifier: doc(matching(/^[a-z][a-z0-9-]{0,62}$/, 'an RDS instance identifier'), 'RDS instance identifier; the stack creates the CDC parameter group for you to attach to it.'),
      address: doc(requiredMatching(undefined, 'a host name'), 'Endpoint host name of the instance.'),
      port: doc(integer(1, 65535).default(CDC_DATABASE_DEFAULTS.port), 'Port of the instance.'),
      parameterGroupFamily: doc(matching(/^postgres(1[3-9]|[2-9]\d)$/, 'a Postgres parameter group family ≥ postgres13, e.g. postgres16'), 'Parameter group family of the instance, e.g. "postgres16".'),
      securityGroupId: doc(matching(/^sg-[0-9a-f]{8,17}$/, 'a security group id').optional(), 'Security group of the existing instance; when given, 5432 from the host is allowed on it.', { default: 'none' }),
      adminSecretArn: doc(
        matching(SECRET_ARN, 'a Secrets Manager secret ARN').optional(),
        'Secret holding an admin login of the instance (JSON with `username` and `password`), which `scripts/stack.sh deploy` uses to prepare the source.',
        { default: 'none: the deploy stops before the Airbyte stack; prepare the source by hand and rerun with --skip-prepare-source' },
      ),
    }),
  ],
  'quoted',
);

const subscription = tagged('protocol', [
  object({ protocol: z.literal('email'), endpoint: doc(matching(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address'), 'The address; it must confirm the subscription from the message AWS sends it.') }),
  object({ protocol: z.literal('https'), endpoint: doc(matching(/^https:\/\/\S+$/, 'an https:// URL'), "A URL that answers SNS's SubscriptionConfirmation.") }),
]);

const alarms = object({
  snsTopicArn: doc(matching(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN').optional(), 'Existing SNS topic for alarm notifications.', {
    default: 'a KMS-encrypted topic `cdc-<env>-alerts` is created',
  }),
  subscriptions: doc(list(subscription).default([]), 'Who receives the alarms: subscriptions added to the topic. A created topic without any subscription delivers nothing, and synth warns about it (policy rule CDC-SNS-1).', {
    type: 'list of { protocol: "email" | "https", endpoint }',
  }),
  slotLagMiB: doc(integer(1, 1048576).default(WAL_RETENTION_ALARMS_DEFAULTS.slotLagMiB), 'OldestReplicationSlotLag threshold in MiB.'),
  transactionLogsMiB: doc(integer(1, 1048576).default(WAL_RETENTION_ALARMS_DEFAULTS.transactionLogsMiB), 'TransactionLogsDiskUsage threshold in MiB.'),
  freeStorageMiB: doc(integer(1, 1048576).default(WAL_RETENTION_ALARMS_DEFAULTS.freeStorageMiB), 'FreeStorageSpace threshold in MiB (alarm below it).'),
});

const cdcReplication = object({
  method: z.literal('cdc'),
  replicationSlot: doc(
    z.string({ error: (issue) => `${shown(issue.input)} is invalid; expected lowercase letters, digits and underscores (a replication slot name, ≤ 63 chars)` }).optional(),
    'Logical replication slot (pgoutput); may not start with "rds".',
    { type: 'string: lowercase letters, digits and underscores, ≤ 63 chars', default: '`airbyte_<env>_slot` (config/naming.ts)' },
  ),
  publication: doc(matching(IDENTIFIER, 'a lowercase Postgres identifier').optional(), 'Publication covering the streamed tables.', { default: '`airbyte_<env>_publication` (config/naming.ts)' }),
  initialWaitingSeconds: doc(integer(120, 2400).default(ENVIRONMENT_DEFAULTS.initialWaitingSeconds), 'Seconds Airbyte waits for the first change.'),
  invalidCdcCursorPositionBehavior: doc(oneOf(['Fail sync', 'Re-sync data']).default(POSTGRES_SOURCE_DEFAULTS.invalidCdcCursorPositionBehavior), 'What to do when the saved LSN is gone from the WAL.'),
  lsnCommitBehaviour: doc(oneOf(['While reading Data', 'After loading Data in the destination']).default(POSTGRES_SOURCE_DEFAULTS.lsnCommitBehaviour), 'When Airbyte acknowledges the LSN.'),
  initialLoadTimeoutHours: doc(integer(4, 24).default(POSTGRES_SOURCE_DEFAULTS.initialLoadTimeoutHours), 'Hours allowed for the initial snapshot.'),
  heartbeatActionQuery: doc(
    z
      .string()
      .refine((v) => v.trim() !== '', {
        error:
          "is empty; with CDC a quiet database then never advances the replication slot and WAL piles up on the source. Expected an upsert into the heartbeat table (leave it out for the default, which prepare-source's table matches)",
      })
      .default(HEARTBEAT_ACTION_QUERY),
    'SQL Airbyte runs to make the slot advance on quiet databases; must not be empty with CDC.',
    { default: 'HEARTBEAT_ACTION_QUERY (orchestrator/src/probe/heartbeat.ts): an upsert into the heartbeat table prepare-source creates and publishes' },
  ),
});

const source = object({
  schemas: doc(
    list(matching(PG_NAME, 'a Postgres schema name'))
      .refine((v) => v.length > 0, { error: 'is empty; expected at least one schema' })
      .default([...POSTGRES_SOURCE_DEFAULTS.schemas]),
    'Schemas Airbyte discovers.',
  ),
  replication: doc(
    tagged('method', [
      cdcReplication,
      object({ method: z.literal('xmin') }).meta({ description: 'xmin-based incremental sync: no slot, suits databases under ~500 GB, does not see deletes.' }),
      object({ method: z.literal('cursor') }).meta({ description: 'User-defined cursor (per-stream `cursorField`); does not see deletes.' }),
    ]).prefault({ method: 'cdc' }),
    'How Airbyte reads changes: `cdc` (logical replication), `xmin` or `cursor`.',
  ),
  sslMode: doc(oneOf(['require', 'verify-ca', 'verify-full']).default(POSTGRES_SOURCE_DEFAULTS.sslMode), 'Postgres SSL mode; `require` or stricter.'),
  caCertificate: doc(z.string().optional(), 'PEM CA bundle, required for verify-ca / verify-full (public certificate, not a secret).', { default: 'none' }),
});

const stream = object({
  namespace: doc(z.string().default(ENVIRONMENT_DEFAULTS.streamNamespace), 'Source schema; one of airbyte.source.schemas.'),
  name: doc(matching(PG_NAME, 'a Postgres table name'), 'Table name.'),
  syncMode: doc(oneOf(['full_refresh_overwrite', 'full_refresh_append', 'incremental_append', 'incremental_deduped_history']).default(ENVIRONMENT_DEFAULTS.syncMode), 'Airbyte sync mode of the stream.'),
  cursorField: doc(list(z.string()).optional(), 'Cursor column path; needed for the `cursor` replication method.', { default: `${JSON.stringify(ENVIRONMENT_DEFAULTS.cursorField)} for cursor replication, none otherwise` }),
  primaryKey: doc(list(list(z.string())).optional(), 'Primary key as a list of column paths, e.g. [["id"]]. Required for deduped sync.', { default: 'none' }),
}).superRefine((s, ctx) => {
  if (s.syncMode === 'incremental_deduped_history' && (!s.primaryKey || s.primaryKey.length === 0)) {
    ctx.addIssue({ code: 'custom', path: ['primaryKey'], message: 'is required for incremental_deduped_history; expected e.g. [["id"]]' });
  }
});

const schedule = tagged('type', [
  object({
    type: z.literal('orchestrator'),
    freshnessTargetSeconds: doc(integer(30, 604800).optional(), 'Freshness objective per table: a change should reach BigQuery within this many seconds; the orchestrator alerts past it.', {
      default: "the orchestrator's own (FRESHNESS_TARGET_SECONDS)",
    }),
    minSyncIntervalSeconds: doc(integer(0, 86400).optional(), 'Cost cap: at least this many seconds between the starts of two syncs of the connection (0 = sync as soon as changes are seen).', { default: '0' }),
  }),
  object({
    type: z.literal('cron'),
    cronExpression: doc(
      z
        .string({ error: (issue) => `${shown(issue.input)} is not a Quartz cron expression; expected 6 or 7 fields, e.g. "0 0/15 * * * ?"` })
        .refine(isQuartzCron, { error: (issue) => `${shown(issue.input)} is not a Quartz cron expression; expected 6 or 7 fields, e.g. "0 0/15 * * * ?"` }),
      'Quartz cron expression (6 or 7 fields), e.g. "0 0/15 * * * ?".',
    ),
  }),
]);

const airbyte = object({
  serverUrl: doc(
    z
      .string({ error: (issue) => `${shown(issue.input)} is not an http(s) URL; expected e.g. http://localhost:8000/api/public/v1` })
      .refine(isHttpUrl, { error: (issue) => `${shown(issue.input)} is not an http(s) URL; expected e.g. http://localhost:8000/api/public/v1` })
      .meta({ type: 'http(s) URL' })
      .default(ENVIRONMENT_DEFAULTS.serverUrl),
    'Airbyte public API base the Terraform provider talks to (through the SSM tunnel); its `token_url` is `<serverUrl>/applications/token`.',
  ),
  workspaceName: doc(requiredMatching(undefined, 'a workspace name').optional(), 'Airbyte workspace.', { default: '`cdc-<env name>` (config/naming.ts)' }),
  source: doc(source, 'The Postgres source.'),
  destination: doc(
    object({
      cdcDeletionMode: doc(oneOf(['Hard delete', 'Soft delete']).default(BIGQUERY_DESTINATION_DEFAULTS.cdcDeletionMode), 'How CDC deletes land in BigQuery.'),
      rawDataDataset: doc(matching(/^[A-Za-z0-9_]{1,1024}$/, 'a BigQuery dataset id').default(BIGQUERY_DESTINATION_DEFAULTS.rawDataDataset), "Dataset for Airbyte's raw tables (connector default), created by the GCP stack; an ephemeral environment gets its own (`<dataset>_<env>`)."),
      disableTypeDedupe: doc(bool().default(BIGQUERY_DESTINATION_DEFAULTS.disableTypeDedupe), 'Skip typing and deduplication (raw tables only).'),
    }).prefault({}),
    'The BigQuery destination.',
  ),
  streams: doc(list(stream).refine((v) => v.length > 0, { error: 'is empty; expected at least one stream (table) to replicate' }), 'Tables to replicate; at least one. The orchestrator\'s configuration parameter (Intelligent-Tiering, 8 KB) holds roughly 180 tables of short names; synth fails above 8 KB naming the table count.', {
    type: 'list of streams',
  }),
  schedule: doc(schedule.prefault({ type: 'orchestrator' }), 'Who starts syncs. `orchestrator`: the connection\'s schedule is `manual` and the orchestrator triggers syncs when the source changes. `cron`: Airbyte\'s own Quartz cron schedule.'),
});

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

const tags = z
  .record(z.string(), z.string({ error: 'is invalid; expected a key of ≤ 127 and a string value of ≤ 255 characters' }))
  .superRefine((record, ctx) => {
    for (const [key, value] of Object.entries(record)) {
      if (!/^[A-Za-z0-9_.:/=+@ -]{1,127}$/.test(key) || typeof value !== 'string' || value.length > 255) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'is invalid; expected a key of ≤ 127 and a string value of ≤ 255 characters' });
      }
    }
  })
  .meta({ type: 'map of string to string' })
  .default({});

// ---------------------------------------------------------------- the environment

const environmentFields = object({
  name: doc(matching(ENV_NAME, 'lowercase letters, digits and hyphens, 2–20 chars, starting with a letter'), 'Environment name, used in stack names, resource names and tags.'),
  ephemeral: doc(bool().default(false), 'A short-lived test environment (for a pull request; `EPHEMERAL_ENV=pr-<n>` makes one from dev): no deletion protection, no final snapshot, buckets and datasets deletable with their contents.'),
  aws: doc(aws, 'The AWS account side.'),
  gcp: doc(gcp, 'The GCP project side.'),
  backend: doc(backend.prefault({ type: 'local' }), 'Terraform state: `local` (`terraform.<stack>.tfstate` at the project root), or `s3` (the bootstrap target\'s state bucket and key; uses `use_lockfile`).'),
  network: doc(network, 'The VPC: `create` a new one, or use an `existing` one.'),
  hosting: doc(hosting.prefault({ mode: 'ec2-abctl' }), 'Where Airbyte runs: `ec2-abctl` (one EC2 host with abctl) or `eks-helm` (Amazon EKS with Airbyte\'s Helm chart V2, adding the `<env>-kubernetes` stack).'),
  host: doc(host.prefault({}), 'The Airbyte host (`ec2-abctl` hosting only).'),
  database: doc(database, 'The source PostgreSQL: `create` an RDS instance, or use an `existing` one.'),
  airbyte: doc(airbyte, 'Airbyte source, destination, streams and schedule.'),
  alarms: doc(alarms.prefault({}), 'CloudWatch alarms on WAL retention of the source database.'),
  tags: doc(tags, 'Extra tags put on every AWS resource and label on every GCP resource.'),
});

type Fields = z.output<typeof environmentFields>;

/** Cross-field rules: each names the field to change. Runs even when single fields failed, so every problem is reported at once. */
function crossFieldRules(config: Fields, ctx: z.core.$RefinementCtx<Fields>): void {
  const problem = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const name = typeof config.name === 'string' ? config.name : '';
  const network = config.network as Partial<Fields['network']> | undefined;
  const databaseIn = config.database as Partial<Fields['database']> | undefined;

  if (network?.mode === 'existing' && databaseIn?.mode === 'create') {
    const subnets = Array.isArray(network.databaseSubnetIds) ? network.databaseSubnetIds : [];
    if (subnets.length < 2) problem(['network', 'databaseSubnetIds'], `has ${subnets.length} subnet(s); a created RDS instance needs at least 2 in different AZs`);
  }

  const cdc = databaseIn?.cdc;
  if (cdc && Number.isInteger(cdc.maxWalSenders) && Number.isInteger(cdc.maxReplicationSlots) && cdc.maxWalSenders < cdc.maxReplicationSlots) {
    problem(['database', 'cdc', 'maxWalSenders'], `${cdc.maxWalSenders} is below maxReplicationSlots (${cdc.maxReplicationSlots}); every slot needs a WAL sender`);
  }
  if (databaseIn?.mode === 'create') {
    const allocated = Number.isInteger(databaseIn.allocatedStorageGiB) ? (databaseIn.allocatedStorageGiB as number) : 20;
    const max = databaseIn.maxAllocatedStorageGiB;
    if (!(typeof max === 'number' && Number.isInteger(max) && max >= allocated && max <= 65536)) {
      problem(['database', 'maxAllocatedStorageGiB'], `${shown(max)} is out of range; expected an integer from ${allocated} to 65536`);
    }
  }
  if (typeof databaseIn?.seedSqlFile === 'string') {
    const absolute = path.resolve(REPO_ROOT, databaseIn.seedSqlFile);
    if (!/\.sql$/.test(databaseIn.seedSqlFile) || !fs.existsSync(absolute)) {
      problem(['database', 'seedSqlFile'], `${shown(databaseIn.seedSqlFile)} is not a .sql file under the repository root (looked for ${absolute})`);
    }
  }

  const hostingIn = config.hosting as Partial<Fields['hosting']> | undefined;
  if (hostingIn?.mode === 'eks-helm') eksRules(hostingIn as Extract<Fields['hosting'], { mode: 'eks-helm' }>, network, problem);

  const sourceIn = config.airbyte?.source;
  if ((sourceIn?.sslMode === 'verify-ca' || sourceIn?.sslMode === 'verify-full') && !sourceIn.caCertificate) {
    problem(['airbyte', 'source', 'caCertificate'], `is required when sslMode is "${sourceIn.sslMode}"; expected a PEM CA bundle (e.g. the RDS global bundle)`);
  }
  const replication = sourceIn?.replication;
  if (replication?.method === 'cdc' && typeof replication.replicationSlot === 'string') {
    const slot = replication.replicationSlot;
    if (slot.startsWith('rds')) {
      problem(['airbyte', 'source', 'replication', 'replicationSlot'], `${shown(slot)} starts with "rds", which RDS reserves; expected another name, e.g. ${shown(replicationSlotName(name))}`);
    } else if (!IDENTIFIER.test(slot)) {
      problem(['airbyte', 'source', 'replication', 'replicationSlot'], `${shown(slot)} is invalid; expected lowercase letters, digits and underscores (a replication slot name, ≤ 63 chars)`);
    }
  }

  const schemas = Array.isArray(sourceIn?.schemas) ? sourceIn.schemas : [];
  const streams = Array.isArray(config.airbyte?.streams) ? config.airbyte.streams : [];
  const seen = new Set<string>();
  streams.forEach((s, i) => {
    if (typeof s !== 'object' || s === null) return;
    const namespace = s.namespace ?? ENVIRONMENT_DEFAULTS.streamNamespace;
    if (schemas.length > 0 && !schemas.includes(namespace)) {
      problem(['airbyte', 'streams', i, 'namespace'], `${shown(namespace)} is not in airbyte.source.schemas (${schemas.join(', ')}); Airbyte would not discover it`);
    }
    const key = `${namespace}.${s.name}`;
    if (seen.has(key)) problem(['airbyte', 'streams', i], `duplicates stream ${key}`);
    seen.add(key);
  });
}

type EksFields = Extract<Fields['hosting'], { mode: 'eks-helm' }>;
type NodeGroupFields = EksFields['servicesNodes'];

/** Node counts with their derived defaults: desired at least min, max at least desired. */
function nodeCounts(input: Partial<NodeGroupFields> | undefined, defaults: { readonly minSize: number; readonly desiredSize: number; readonly maxSize: number }) {
  const minSize = typeof input?.minSize === 'number' ? input.minSize : defaults.minSize;
  const desiredSize = input?.desiredSize ?? Math.max(defaults.desiredSize, minSize);
  const maxSize = input?.maxSize ?? Math.max(defaults.maxSize, desiredSize);
  return { minSize, desiredSize, maxSize };
}

function eksRules(input: EksFields, network: Partial<Fields['network']> | undefined, problem: (path: PropertyKey[], message: string) => void): void {
  const roles = (field: 'clusterAdminRoleArns' | 'clusterViewerRoleArns') => {
    const list = Array.isArray(input[field]) ? input[field] : [];
    if (new Set(list).size !== list.length) problem(['hosting', field], 'lists a role twice; expected each role once');
    return list;
  };
  const admins = roles('clusterAdminRoleArns');
  for (const arn of roles('clusterViewerRoleArns')) {
    if (admins.includes(arn)) problem(['hosting', 'clusterViewerRoleArns'], `${arn} is also a cluster admin; an access entry per role, so list it once`);
  }

  if (network?.mode === 'existing') {
    const subnets = Array.isArray(input.clusterSubnetIds) ? input.clusterSubnetIds : [];
    if (subnets.length < 2) {
      problem(['hosting', 'clusterSubnetIds'], `has ${subnets.length} subnet(s); eks-helm on an existing network needs at least 2 private subnets in different availability zones`);
    }
    if (new Set(subnets).size !== subnets.length) problem(['hosting', 'clusterSubnetIds'], 'lists a subnet twice; expected distinct subnets in different availability zones');
  } else if (network?.mode === 'create') {
    if (typeof network.availabilityZoneCount === 'number' && network.availabilityZoneCount < 2) problem(['network', 'availabilityZoneCount'], 'eks-helm needs at least 2 availability zones');
    if (input.clusterSubnetIds !== undefined) problem(['hosting', 'clusterSubnetIds'], 'is only for network.mode "existing"; a created network uses its own private subnets');
  }

  for (const group of ['servicesNodes', 'jobNodes'] as const) {
    const { minSize, desiredSize, maxSize } = nodeCounts(input[group], ENVIRONMENT_DEFAULTS[group]);
    if (!(minSize <= desiredSize && desiredSize <= maxSize)) {
      problem(['hosting', group, 'desiredSize'], `${shown(desiredSize)} must lie between minSize (${minSize}) and maxSize (${maxSize})`);
    }
  }
  if (input.servicesNodes?.minSize === 0) problem(['hosting', 'servicesNodes', 'minSize'], "is 0; Airbyte's services need at least one node");

  const db = input.configDatabase;
  if (db && db.maxAllocatedStorageGiB !== undefined) {
    const allocated = Number.isInteger(db.allocatedStorageGiB) ? db.allocatedStorageGiB : AIRBYTE_CONFIG_DATABASE_DEFAULTS.allocatedStorageGiB;
    const max = db.maxAllocatedStorageGiB;
    if (!(Number.isInteger(max) && max >= allocated && max <= 65536)) {
      problem(['hosting', 'configDatabase', 'maxAllocatedStorageGiB'], `${shown(max)} is out of range; expected an integer from ${allocated} to 65536`);
    }
  }

  const scaling = input.scaling;
  if (!scaling) return;
  const cpuReq = cpuMillis(scaling.jobCpuRequest);
  const cpuLim = cpuMillis(scaling.jobCpuLimit);
  const memReq = memoryMiB(scaling.jobMemoryRequest);
  const memLim = memoryMiB(scaling.jobMemoryLimit);
  if (cpuReq !== undefined && cpuLim !== undefined && cpuReq > cpuLim) problem(['hosting', 'scaling', 'jobCpuRequest'], `${scaling.jobCpuRequest} exceeds jobCpuLimit ${scaling.jobCpuLimit}`);
  if (memReq !== undefined && memLim !== undefined && memReq > memLim) problem(['hosting', 'scaling', 'jobMemoryRequest'], `${scaling.jobMemoryRequest} exceeds jobMemoryLimit ${scaling.jobMemoryLimit}`);
  const jobType = input.jobNodes?.instanceType;
  const jobSize = typeof jobType === 'string' ? INSTANCE_TYPE_SIZES[jobType] : undefined;
  if (jobSize && cpuReq !== undefined && cpuReq > jobSize.vcpu * 1000) {
    problem(['hosting', 'scaling', 'jobCpuRequest'], `${scaling.jobCpuRequest} does not fit on a ${jobType} job node (${jobSize.vcpu} vCPU)`);
  }
  if (jobSize && memReq !== undefined && memReq > jobSize.memoryGiB * 1024) {
    problem(['hosting', 'scaling', 'jobMemoryRequest'], `${scaling.jobMemoryRequest} does not fit on a ${jobType} job node (${jobSize.memoryGiB} GiB)`);
  }
}

/** Defaults that depend on other fields (the environment's name, ephemeral, instance sizes), and values derived for the stacks. */
function resolve(config: Fields) {
  const { name, ephemeral } = config;
  const backupRetentionDays = (given: number | undefined, persistent: number) => given ?? (ephemeral ? EPHEMERAL_BACKUP_RETENTION_DAYS : persistent);
  const size = (instanceType: string) => INSTANCE_TYPE_SIZES[instanceType];

  const resolveHosting = () => {
    const h = config.hosting;
    if (h.mode !== 'eks-helm') return { mode: 'ec2-abctl' as const };
    const nodes = (group: 'servicesNodes' | 'jobNodes') => ({
      instanceType: h[group].instanceType,
      ...size(h[group].instanceType),
      ...nodeCounts(h[group], ENVIRONMENT_DEFAULTS[group]),
      diskGiB: h[group].diskGiB,
    });
    const db = h.configDatabase;
    return {
      mode: 'eks-helm' as const,
      kubernetesVersion: h.kubernetesVersion,
      endpointPublicAccessCidrs: h.endpointPublicAccessCidrs,
      clusterAdminRoleArns: h.clusterAdminRoleArns,
      clusterViewerRoleArns: h.clusterViewerRoleArns,
      /** Existing network only; a created network supplies its own. */
      clusterSubnetIds: config.network.mode === 'existing' ? [...(h.clusterSubnetIds ?? [])] : undefined,
      servicesNodes: nodes('servicesNodes'),
      jobNodes: nodes('jobNodes'),
      configDatabase: {
        engineVersion: db.engineVersion,
        parameterGroupFamily: parameterGroupFamilyFor(db.engineVersion),
        instanceClass: db.instanceClass,
        allocatedStorageGiB: db.allocatedStorageGiB,
        maxAllocatedStorageGiB: db.maxAllocatedStorageGiB ?? Math.max(AIRBYTE_CONFIG_DATABASE_DEFAULTS.maxAllocatedStorageGiB, db.allocatedStorageGiB),
        multiAz: db.multiAz,
        backupRetentionDays: backupRetentionDays(db.backupRetentionDays, AIRBYTE_CONFIG_DATABASE_DEFAULTS.backupRetentionDays),
      },
      scaling: h.scaling,
      namespace: h.namespace,
    };
  };

  const resolveDatabase = () => {
    const db = config.database;
    /** Absolute path of the seed SQL file, set only for ephemeral environments that name one. */
    const seedSqlFile = ephemeral && db.seedSqlFile !== undefined ? path.resolve(REPO_ROOT, db.seedSqlFile) : undefined;
    const common = { databaseName: db.databaseName, replicationUsername: db.replicationUsername, cdc: db.cdc, seedSqlFile };
    if (db.mode === 'create') {
      return {
        ...common,
        mode: 'create' as const,
        engineVersion: db.engineVersion,
        parameterGroupFamily: parameterGroupFamilyFor(db.engineVersion),
        instanceClass: db.instanceClass,
        allocatedStorageGiB: db.allocatedStorageGiB,
        maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
        backupRetentionDays: backupRetentionDays(db.backupRetentionDays, CDC_DATABASE_DEFAULTS.backupRetentionDays),
        multiAz: db.multiAz,
        port: CDC_DATABASE_DEFAULTS.port,
        logRetentionDays: db.logRetentionDays,
      };
    }
    return {
      ...common,
      mode: 'existing' as const,
      instanceIdentifier: db.instanceIdentifier,
      address: db.address,
      port: db.port,
      parameterGroupFamily: db.parameterGroupFamily,
      securityGroupId: db.securityGroupId,
      adminSecretArn: db.adminSecretArn,
    };
  };

  const source = config.airbyte.source;
  const r = source.replication;
  const replication =
    r.method === 'cdc'
      ? {
          ...r,
          replicationSlot: r.replicationSlot ?? replicationSlotName(name),
          publication: r.publication ?? publicationName(name),
        }
      : r;

  return {
    name,
    ephemeral,
    tags: config.tags,
    aws: { region: config.aws.region, allowedAccountIds: config.aws.allowedAccountIds },
    backend: config.backend,
    network: config.network,
    hosting: resolveHosting(),
    host: {
      ...config.host,
      ...size(config.host.instanceType),
      retainDataVolume: config.host.retainDataVolume ?? (ephemeral ? false : AIRBYTE_DATA_VOLUME_DEFAULTS.retain),
      airbytePort: ENVIRONMENT_DEFAULTS.airbytePort,
    },
    database: resolveDatabase(),
    alarms: config.alarms,
    gcp: { ...config.gcp, serviceAccountId: config.gcp.serviceAccountId ?? gcpServiceAccountId(name) },
    airbyte: {
      serverUrl: config.airbyte.serverUrl,
      workspaceName: config.airbyte.workspaceName ?? workspaceName(name),
      source: { schemas: source.schemas, replication, sslMode: source.sslMode, caCertificate: source.caCertificate },
      destination: config.airbyte.destination,
      streams: config.airbyte.streams.map((s) => ({
        ...s,
        cursorField: s.cursorField ?? (replication.method === 'cursor' && s.syncMode.startsWith('incremental') ? [...ENVIRONMENT_DEFAULTS.cursorField] : undefined),
      })),
      schedule: config.airbyte.schedule,
    },
  };
}

/** The environment schema: parse an `EnvironmentConfig`, get a `ResolvedEnvironment`. */
export const environmentSchema = environmentFields.superRefine(crossFieldRules, { when: () => true }).transform(resolve);

/** What users write in config/environments/*.ts. */
export type EnvironmentConfig = z.input<typeof environmentSchema>;
/** An environment with every default applied: what the stacks read. */
export type ResolvedEnvironment = z.output<typeof environmentSchema>;
export type ResolvedHosting = ResolvedEnvironment['hosting'];
export type ResolvedEksHosting = Extract<ResolvedHosting, { mode: 'eks-helm' }>;
export type ResolvedNodeGroup = ResolvedEksHosting['servicesNodes'];
export type ResolvedDatabase = ResolvedEnvironment['database'];
export type ResolvedStream = ResolvedEnvironment['airbyte']['streams'][number];
export type ResolvedCdc = Extract<ResolvedEnvironment['airbyte']['source']['replication'], { method: 'cdc' }>;
