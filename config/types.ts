/**
 * One environment's settings: everything `cdktf synth` needs to build its three stacks
 * (`<name>-aws`, `<name>-gcp`, `<name>-airbyte`). Every value is validated by
 * `validateEnvironment` before any construct is built.
 */
export interface EnvironmentConfig {
  /** Environment name, used in stack names, resource names and tags: lowercase letters, digits, hyphens (2–20 chars). */
  readonly name: string;
  /**
   * A short-lived test environment (for a pull request). Ephemeral environments get
   * teardown-friendly settings: no deletion protection, no final snapshot, buckets and
   * datasets deletable with their contents.
   * @default false
   */
  readonly ephemeral?: boolean;
  readonly aws: AwsSettings;
  readonly gcp: GcpSettings;
  /** @default { type: "local" } */
  readonly backend?: BackendSettings;
  readonly network: NetworkSettings;
  /**
   * Where Airbyte runs: one EC2 host with abctl, or Amazon EKS with Airbyte's Helm chart V2.
   * @default { mode: "ec2-abctl" }
   */
  readonly hosting?: HostingSettings;
  /** Used in `ec2-abctl` hosting only. @default the AirbyteHostSettings defaults */
  readonly host?: AirbyteHostSettings;
  readonly database: DatabaseSettings;
  readonly airbyte: AirbyteSettings;
  /** CloudWatch alarms on WAL retention of the source database. @default the AlarmSettings defaults */
  readonly alarms?: AlarmSettings;
  /** Extra tags put on every AWS resource and label on every GCP resource (keys/values as given). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface AlarmSettings {
  /** Existing SNS topic for alarm notifications. @default a KMS-encrypted topic `cdc-<env>-alerts` is created */
  readonly snsTopicArn?: string;
  /**
   * Who receives the alarms: subscriptions added to the topic. An e-mail address must confirm
   * the subscription from the message AWS sends it; an https endpoint must answer SNS's
   * SubscriptionConfirmation. A created topic without any subscription delivers nothing, and
   * synth warns about it (policy rule CDC-SNS-1).
   * @default []
   */
  readonly subscriptions?: readonly AlarmSubscription[];
  /** OldestReplicationSlotLag threshold in MiB. @default 5120 */
  readonly slotLagMiB?: number;
  /** TransactionLogsDiskUsage threshold in MiB. @default 5120 */
  readonly transactionLogsMiB?: number;
  /** FreeStorageSpace threshold in MiB (alarm below it). @default 10240 */
  readonly freeStorageMiB?: number;
}

export interface AlarmSubscription {
  /** `email` (an address) or `https` (a URL that confirms SNS subscriptions). */
  readonly protocol: 'email' | 'https';
  readonly endpoint: string;
}

export interface AwsSettings {
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * Refuse to run against any other account (Terraform's `allowed_account_ids`). Strongly
   * recommended for `prod`.
   * @default no restriction
   */
  readonly allowedAccountIds?: readonly string[];
}

export interface GcpSettings {
  /** GCP project that holds the BigQuery dataset. */
  readonly projectId: string;
  /** Region for regional GCP resources (the optional staging bucket). */
  readonly region: string;
  /** BigQuery dataset id: letters, digits, underscores, ≤ 1024 chars. */
  readonly datasetId: string;
  /** BigQuery dataset location; one of the locations the Airbyte BigQuery destination accepts. */
  readonly datasetLocation: string;
  /**
   * How Airbyte loads BigQuery. `gcs-staging` adds a GCS bucket and an HMAC key for it.
   * @default "standard"
   */
  readonly loadingMethod?: 'standard' | 'gcs-staging';
  /**
   * Id of the service account Airbyte writes with (6–30 chars, starts with a letter).
   * @default `airbyte-<env name>`
   */
  readonly serviceAccountId?: string;
}

export type BackendSettings = LocalBackendSettings | S3BackendSettings;

export interface LocalBackendSettings {
  readonly type: 'local';
}

export interface S3BackendSettings {
  readonly type: 's3';
  /** Existing, versioned state bucket. */
  readonly bucket: string;
  /** Region of the state bucket. */
  readonly region: string;
  /**
   * ARN of the KMS key that encrypts the state (bootstrap output `state_kms_key_arn`). Terraform
   * sends it with every upload; without it the upload is SSE-S3, which the bucket policy refuses.
   */
  readonly kmsKeyArn: string;
  /** Key prefix under which each stack writes `<prefix>/<stack>.tfstate`. @default "cdc-bigquery" */
  readonly keyPrefix?: string;
}

export type NetworkSettings = CreatedNetworkSettings | ExistingNetworkSettings;

export interface CreatedNetworkSettings {
  readonly mode: 'create';
  /** IPv4 CIDR of the VPC, /16 to /24. */
  readonly vpcCidr: string;
  /** Number of availability zones for the private subnets (RDS needs ≥ 2). @default 2 */
  readonly availabilityZoneCount?: number;
}

export interface ExistingNetworkSettings {
  readonly mode: 'existing';
  /** Id of the existing VPC (`vpc-…`). */
  readonly vpcId: string;
  /** Subnet for the Airbyte host; it needs outbound internet (NAT) for Docker images. */
  readonly hostSubnetId: string;
  /** Private subnets (≥ 2, different AZs) for a created RDS instance. */
  readonly databaseSubnetIds: readonly string[];
}

export type HostingSettings = Ec2AbctlHostingSettings | EksHelmHostingSettings;

/** Today's behaviour: one EC2 host runs abctl (Airbyte in kind) and the orchestrator as a systemd unit. */
export interface Ec2AbctlHostingSettings {
  readonly mode: 'ec2-abctl';
}

/**
 * Airbyte on Amazon EKS with Airbyte's Helm chart V2: its database on its own RDS instance, its
 * logs and state in S3, job pods on their own node group, the orchestrator as a Deployment.
 * Adds the `<env>-kubernetes` stack.
 */
export interface EksHelmHostingSettings {
  readonly mode: 'eks-helm';
  /** EKS Kubernetes version (one of the versions in standard support). @default "1.35" */
  readonly kubernetesVersion?: string;
  /**
   * CIDRs allowed to reach the cluster's public API endpoint. Empty: the endpoint is private only
   * (reached from inside the VPC, e.g. a runner or bastion there). Never 0.0.0.0/0.
   * @default []
   */
  readonly endpointPublicAccessCidrs?: readonly string[];
  /**
   * IAM role ARNs given cluster admin through EKS access entries (the bootstrap deploy roles).
   * The principal that applies `<env>-aws` always gets one as well.
   * @default []
   */
  readonly clusterAdminRoleArns?: readonly string[];
  /** IAM role ARNs given read-only cluster access (the plan role, so `diff` can refresh). @default [] */
  readonly clusterViewerRoleArns?: readonly string[];
  /**
   * Private subnets (≥ 2, different AZs, outbound through NAT) for the cluster and its nodes, when
   * `network.mode` is "existing". A created network uses its own private subnets.
   */
  readonly clusterSubnetIds?: readonly string[];
  /** Nodes for Airbyte's services (server, worker, launcher, temporal, ...) and the orchestrator. @default m6i.xlarge, 2–4 nodes */
  readonly servicesNodes?: NodeGroupSettings;
  /** Nodes for job pods (connector syncs, checks, discovers); tainted so nothing else lands there. @default m6i.xlarge, 1–6 nodes */
  readonly jobNodes?: NodeGroupSettings;
  /** Airbyte's own config database (RDS PostgreSQL), separate from the source. */
  readonly configDatabase?: AirbyteConfigDatabaseSettings;
  /** How many syncs run at once and how big each job pod is. */
  readonly scaling?: AirbyteScalingSettings;
  /** Kubernetes namespace of the release and the orchestrator. @default "airbyte" */
  readonly namespace?: string;
}

export interface NodeGroupSettings {
  /** EC2 instance type (known sizes only). */
  readonly instanceType?: string;
  readonly minSize?: number;
  readonly desiredSize?: number;
  readonly maxSize?: number;
  /** Encrypted gp3 root volume per node in GiB. @default 100 */
  readonly diskGiB?: number;
}

export interface AirbyteConfigDatabaseSettings {
  /** PostgreSQL "<major>.<minor>" (the chart supports 13–17). @default "16.4" */
  readonly engineVersion?: string;
  /** @default "db.t4g.medium" */
  readonly instanceClass?: string;
  /** @default 20 */
  readonly allocatedStorageGiB?: number;
  /** @default 100 */
  readonly maxAllocatedStorageGiB?: number;
  /** @default false */
  readonly multiAz?: boolean;
  /** @default 7 (ephemeral: 1) */
  readonly backupRetentionDays?: number;
}

export interface AirbyteScalingSettings {
  /** `worker.replicaCount`. @default 2 */
  readonly workerReplicas?: number;
  /** `worker.maxSyncWorkers`: syncs one worker runs at once. @default 5 (chart default) */
  readonly maxSyncWorkersPerWorker?: number;
  /** `workloadLauncher.replicaCount`. @default 2 */
  readonly launcherReplicas?: number;
  /** `workloadLauncher.parallelism`: pods one launcher starts at once. @default 10 */
  readonly launcherParallelism?: number;
  /** Job pod main container CPU request/limit (Kubernetes quantities). @default "1" / "2" */
  readonly jobCpuRequest?: string;
  readonly jobCpuLimit?: string;
  /** Job pod main container memory request/limit. @default "2Gi" / "4Gi" */
  readonly jobMemoryRequest?: string;
  readonly jobMemoryLimit?: string;
}

export interface AirbyteHostSettings {
  /** EC2 instance type. @default "m6i.xlarge" (4 vCPU / 16 GiB, Airbyte's recommended size) */
  readonly instanceType?: string;
  /** Encrypted gp3 root volume size in GiB (Airbyte needs ≥ 50). @default 100 */
  readonly rootVolumeGiB?: number;
  /** Pinned abctl release tag. @default "v0.30.4" */
  readonly abctlVersion?: string;
  /**
   * Airbyte Helm chart version abctl installs (`--chart-version`); chart 2.2.0 is Airbyte 2.2.0.
   * Without a pin abctl installs the newest chart at boot, so two hosts of one environment could
   * run different Airbyte versions. Upgrading is a change of this value (README, "Upgrading").
   * @default "2.2.0"
   */
  readonly airbyteChartVersion?: string;
  /**
   * Size of the separate encrypted gp3 volume mounted at /root/.airbyte, where abctl keeps
   * Airbyte's database and state. It outlives the instance, so replacing the host keeps
   * connections, job history and CDC positions.
   * @default 50
   */
  readonly dataVolumeGiB?: number;
  /**
   * Keep the data volume from being destroyed (`prevent_destroy`): a plan that would delete
   * Airbyte's state fails instead. To tear a persistent environment down, set it to false first.
   * @default true (ephemeral: false)
   */
  readonly retainDataVolume?: boolean;
  /**
   * Existing Secrets Manager secret with Docker Hub credentials, JSON `{"username": "...",
   * "password": "<access token>"}`, encrypted with the environment key or the AWS-managed key.
   * The host logs in with it and abctl gets it as an image pull secret, so its ~17 image pulls do
   * not hit Docker Hub's anonymous limit (10 pulls per hour per address, shared by the NAT).
   * Name it `cdc-<env>/…`: the host role's permissions boundary (bootstrap stack) admits only the
   * environment's own secrets.
   * @default none (anonymous pulls)
   */
  readonly dockerHubSecretArn?: string;
}

export type DatabaseSettings = CreatedDatabaseSettings | ExistingDatabaseSettings;

interface CommonDatabaseSettings {
  /** Database the pipeline reads. */
  readonly databaseName: string;
  /** Login Airbyte and the orchestrator use (its password is generated and kept in Secrets Manager). @default "airbyte" */
  readonly replicationUsername?: string;
  /** CDC-related server parameters written to the custom parameter group. */
  readonly cdc?: CdcParameterSettings;
  /**
   * SQL file (path from the repository root, e.g. `config/seed/dev.sql`) that source preparation
   * runs as the admin login before its checks, **only in ephemeral environments**, whose new
   * database is empty: it creates the watched tables. It must be idempotent (`CREATE TABLE IF
   * NOT EXISTS ...`). Ignored for dev/prod, whose tables belong to the application.
   * @default none
   */
  readonly seedSqlFile?: string;
}

export interface CreatedDatabaseSettings extends CommonDatabaseSettings {
  readonly mode: 'create';
  /**
   * PostgreSQL version (≥ 13: max_slot_wal_keep_size). A major version ("16") lets RDS apply
   * minor upgrades automatically and Terraform follows them. A "major.minor" value ("16.4") pins
   * that minor version and turns automatic minor upgrades off (otherwise the next plan would try
   * to downgrade the instance AWS upgraded); upgrade by changing the value.
   * @default "16"
   */
  readonly engineVersion?: string;
  /** Days CloudWatch keeps the instance's exported logs (postgresql, upgrade). @default 30 */
  readonly logRetentionDays?: number;
  /** @default "db.t4g.medium" */
  readonly instanceClass?: string;
  /** @default 50 */
  readonly allocatedStorageGiB?: number;
  /** Storage autoscaling ceiling. @default 200 */
  readonly maxAllocatedStorageGiB?: number;
  /** @default 7 (ephemeral: 1) */
  readonly backupRetentionDays?: number;
  /** @default false */
  readonly multiAz?: boolean;
}

export interface ExistingDatabaseSettings extends CommonDatabaseSettings {
  readonly mode: 'existing';
  /** RDS instance identifier; the stack creates the CDC parameter group for you to attach to it. */
  readonly instanceIdentifier: string;
  /** Endpoint host name of the instance. */
  readonly address: string;
  /** @default 5432 */
  readonly port?: number;
  /** Parameter group family of the instance, e.g. "postgres16". */
  readonly parameterGroupFamily: string;
  /** Security group of the existing instance; when given, 5432 from the host is allowed on it. */
  readonly securityGroupId?: string;
  /**
   * Secret holding an admin login of the instance (JSON with `username` and `password`, like the
   * RDS-managed master secret), which `scripts/stack.sh deploy` uses on the host to prepare the
   * source. The host role may read it.
   * @default none: the deploy stops before the Airbyte stack; prepare the source by hand and rerun with --skip-prepare-source
   */
  readonly adminSecretArn?: string;
}

export interface CdcParameterSettings {
  /** @default 10 */
  readonly maxReplicationSlots?: number;
  /** Must be ≥ maxReplicationSlots. @default 10 */
  readonly maxWalSenders?: number;
  /** Milliseconds. @default 60000 */
  readonly walSenderTimeoutMs?: number;
  /** Cap on WAL a lagging slot may retain, in MB, so an abandoned slot cannot fill the disk. @default 10240 */
  readonly maxSlotWalKeepSizeMb?: number;
}

export interface AirbyteSettings {
  /** Airbyte public API base the Terraform provider talks to (through the SSM tunnel). @default "http://localhost:8000/api/public/v1" */
  readonly serverUrl?: string;
  /** @default `cdc-<env name>` */
  readonly workspaceName?: string;
  readonly source: PostgresSourceSettings;
  /** @default the BigQueryDestinationSettings defaults */
  readonly destination?: BigQueryDestinationSettings;
  /** At least one stream. */
  readonly streams: readonly StreamSettings[];
  /**
   * Who starts syncs. `orchestrator`: the connection's schedule is `manual` and the orchestrator
   * triggers syncs when the source changes. `cron`: Airbyte's own Quartz cron schedule.
   * @default { type: "orchestrator" }
   */
  readonly schedule?: OrchestratorSchedule | CronSchedule;
}

export interface OrchestratorSchedule {
  readonly type: 'orchestrator';
  /**
   * Freshness objective per table: a change should reach BigQuery within this many seconds; the
   * orchestrator alerts past it and shows it on its status page (integer, 30–604800).
   * @default the orchestrator's own default (FRESHNESS_TARGET_SECONDS, 600)
   */
  readonly freshnessTargetSeconds?: number;
  /**
   * Cost cap: at least this many seconds between the starts of two syncs of the connection
   * (integer, 0–86400; 0 = sync as soon as changes are seen).
   * @default 0
   */
  readonly minSyncIntervalSeconds?: number;
}

export interface CronSchedule {
  readonly type: 'cron';
  /** Quartz cron expression (6 or 7 fields), e.g. "0 0/15 * * * ?". */
  readonly cronExpression: string;
}

export interface PostgresSourceSettings {
  /** Schemas Airbyte discovers. @default ["public"] */
  readonly schemas?: readonly string[];
  /** @default { method: "cdc", ... defaults } */
  readonly replication?: CdcReplication | XminReplication | CursorReplication;
  /** Postgres SSL mode; `require` or stricter. @default "require" */
  readonly sslMode?: 'require' | 'verify-ca' | 'verify-full';
  /** PEM CA bundle, required for verify-ca / verify-full (public certificate, not a secret). */
  readonly caCertificate?: string;
}

export interface CdcReplication {
  readonly method: 'cdc';
  /** Logical replication slot (pgoutput); may not start with "rds". @default `airbyte_<env>_slot` */
  readonly replicationSlot?: string;
  /** Publication covering the streamed tables. @default `airbyte_<env>_publication` */
  readonly publication?: string;
  /** Seconds Airbyte waits for the first change, 120–2400. @default 300 */
  readonly initialWaitingSeconds?: number;
  /** What to do when the saved LSN is gone from the WAL. @default "Fail sync" */
  readonly invalidCdcCursorPositionBehavior?: 'Fail sync' | 'Re-sync data';
  /** @default "After loading Data in the destination" */
  readonly lsnCommitBehaviour?: 'While reading Data' | 'After loading Data in the destination';
  /** Hours allowed for the initial snapshot, 4–24. @default 8 */
  readonly initialLoadTimeoutHours?: number;
  /**
   * SQL Airbyte runs to make the slot advance on quiet databases.
   * Must not be empty with CDC. @default HEARTBEAT_ACTION_QUERY (orchestrator/src/heartbeat.ts): an upsert into the
   * heartbeat table prepare-source creates and publishes
   */
  readonly heartbeatActionQuery?: string;
}

/** xmin-based incremental sync: no slot, suits databases under ~500 GB, does not see deletes. */
export interface XminReplication {
  readonly method: 'xmin';
}

/** User-defined cursor (per-stream `cursorField`); does not see deletes. */
export interface CursorReplication {
  readonly method: 'cursor';
}

export interface BigQueryDestinationSettings {
  /** How CDC deletes land in BigQuery. @default "Hard delete" */
  readonly cdcDeletionMode?: 'Hard delete' | 'Soft delete';
  /** Dataset for Airbyte's raw tables. @default "airbyte_internal" (connector default) */
  readonly rawDataDataset?: string;
  /** @default false */
  readonly disableTypeDedupe?: boolean;
}

export type StreamSyncMode =
  | 'full_refresh_overwrite'
  | 'full_refresh_append'
  | 'incremental_append'
  | 'incremental_deduped_history';

export interface StreamSettings {
  /** Source schema. @default "public" */
  readonly namespace?: string;
  /** Table name. */
  readonly name: string;
  /** @default "incremental_deduped_history" */
  readonly syncMode?: StreamSyncMode;
  /** Cursor column path; needed for the `cursor` replication method. @default ["updated_at"] for cursor replication, none otherwise */
  readonly cursorField?: readonly string[];
  /** Primary key as a list of column paths, e.g. [["id"]]. Required for deduped sync. */
  readonly primaryKey?: ReadonlyArray<readonly string[]>;
}
