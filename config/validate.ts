import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../constructs/user-error';
import { HEARTBEAT_ACTION_QUERY } from '../orchestrator/src/probe/heartbeat';
import { AWS_REGIONS, BIGQUERY_LOCATIONS, INSTANCE_TYPE_SIZES } from './allowed-values';
import {
  CdcReplication,
  CursorReplication,
  EnvironmentConfig,
  StreamSettings,
  StreamSyncMode,
  XminReplication,
} from './types';

/** Thrown when an environment's config is invalid; the message lists every problem found. */
export class ConfigValidationError extends UserError {
  constructor(
    readonly environment: string,
    readonly problems: readonly string[],
  ) {
    super(
      `environment "${environment}" has ${problems.length} invalid setting${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}

/** An environment with every default applied: what the stacks consume. */
export interface ResolvedEnvironment {
  readonly name: string;
  readonly ephemeral: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly aws: { readonly region: string; readonly allowedAccountIds?: readonly string[] };
  readonly backend:
    | { readonly type: 'local' }
    | { readonly type: 's3'; readonly bucket: string; readonly region: string; readonly keyPrefix: string; readonly kmsKeyArn: string };
  readonly network:
    | { readonly mode: 'create'; readonly vpcCidr: string; readonly availabilityZoneCount: number }
    | {
        readonly mode: 'existing';
        readonly vpcId: string;
        readonly hostSubnetId: string;
        readonly databaseSubnetIds: readonly string[];
      };
  readonly hosting: ResolvedHosting;
  readonly host: {
    readonly instanceType: string;
    readonly vcpu: number;
    readonly memoryGiB: number;
    readonly rootVolumeGiB: number;
    readonly abctlVersion: string;
    readonly airbyteChartVersion: string;
    readonly dataVolumeGiB: number;
    readonly retainDataVolume: boolean;
    readonly dockerHubSecretArn?: string;
    readonly airbytePort: number;
  };
  readonly database: ResolvedDatabase;
  readonly alarms: {
    readonly snsTopicArn?: string;
    readonly subscriptions: readonly { readonly protocol: 'email' | 'https'; readonly endpoint: string }[];
    readonly slotLagMiB: number;
    readonly transactionLogsMiB: number;
    readonly freeStorageMiB: number;
  };
  readonly gcp: {
    readonly projectId: string;
    readonly region: string;
    readonly datasetId: string;
    readonly datasetLocation: string;
    readonly loadingMethod: 'standard' | 'gcs-staging';
    readonly serviceAccountId: string;
  };
  readonly airbyte: {
    readonly serverUrl: string;
    readonly workspaceName: string;
    readonly source: {
      readonly schemas: readonly string[];
      readonly replication: ResolvedCdc | XminReplication | CursorReplication;
      readonly sslMode: 'require' | 'verify-ca' | 'verify-full';
      readonly caCertificate?: string;
    };
    readonly destination: {
      readonly cdcDeletionMode: 'Hard delete' | 'Soft delete';
      readonly rawDataDataset: string;
      readonly disableTypeDedupe: boolean;
    };
    readonly streams: readonly ResolvedStream[];
    readonly schedule:
      | { readonly type: 'orchestrator'; readonly freshnessTargetSeconds?: number; readonly minSyncIntervalSeconds?: number }
      | { readonly type: 'cron'; readonly cronExpression: string };
  };
}

export type ResolvedHosting = { readonly mode: 'ec2-abctl' } | ResolvedEksHosting;

export interface ResolvedNodeGroup {
  readonly instanceType: string;
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly diskGiB: number;
}

export interface ResolvedEksHosting {
  readonly mode: 'eks-helm';
  readonly kubernetesVersion: string;
  readonly endpointPublicAccessCidrs: readonly string[];
  readonly clusterAdminRoleArns: readonly string[];
  readonly clusterViewerRoleArns: readonly string[];
  /** Existing network only; a created network supplies its own. */
  readonly clusterSubnetIds?: readonly string[];
  readonly servicesNodes: ResolvedNodeGroup;
  readonly jobNodes: ResolvedNodeGroup;
  readonly configDatabase: {
    readonly engineVersion: string;
    readonly parameterGroupFamily: string;
    readonly instanceClass: string;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB: number;
    readonly multiAz: boolean;
    readonly backupRetentionDays: number;
  };
  readonly scaling: {
    readonly workerReplicas: number;
    readonly maxSyncWorkersPerWorker: number;
    readonly launcherReplicas: number;
    readonly launcherParallelism: number;
    readonly jobCpuRequest: string;
    readonly jobCpuLimit: string;
    readonly jobMemoryRequest: string;
    readonly jobMemoryLimit: string;
  };
  readonly namespace: string;
}

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

export type ResolvedDatabase =
  | (ResolvedDatabaseCommon & {
      readonly mode: 'create';
      readonly engineVersion: string;
      readonly parameterGroupFamily: string;
      readonly instanceClass: string;
      readonly allocatedStorageGiB: number;
      readonly maxAllocatedStorageGiB: number;
      readonly backupRetentionDays: number;
      readonly multiAz: boolean;
      readonly port: number;
      readonly logRetentionDays: number;
    })
  | (ResolvedDatabaseCommon & {
      readonly mode: 'existing';
      readonly instanceIdentifier: string;
      readonly address: string;
      readonly port: number;
      readonly parameterGroupFamily: string;
      readonly securityGroupId?: string;
      readonly adminSecretArn?: string;
    });

interface ResolvedDatabaseCommon {
  readonly databaseName: string;
  readonly replicationUsername: string;
  /** Absolute path of the seed SQL file, set only for ephemeral environments that name one. */
  readonly seedSqlFile?: string;
  readonly cdc: {
    readonly maxReplicationSlots: number;
    readonly maxWalSenders: number;
    readonly walSenderTimeoutMs: number;
    readonly maxSlotWalKeepSizeMb: number;
  };
}

export type ResolvedCdc = Required<Omit<CdcReplication, 'method'>> & { readonly method: 'cdc' };

export interface ResolvedStream {
  readonly namespace: string;
  readonly name: string;
  readonly syncMode: StreamSyncMode;
  readonly cursorField?: readonly string[];
  readonly primaryKey?: ReadonlyArray<readonly string[]>;
}

const ENV_NAME = /^[a-z][a-z0-9-]{1,19}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** Both ts-jest (config/) and the esbuild bundle (dist/) sit one level below the repository root. */
const REPO_ROOT = path.resolve(__dirname, '..');
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const SYNC_MODES: readonly StreamSyncMode[] = [
  'full_refresh_overwrite',
  'full_refresh_append',
  'incremental_append',
  'incremental_deduped_history',
];

/** Collects problems with their field paths so one synth reports all of them at once. */
class Problems {
  readonly list: string[] = [];
  add(field: string, message: string): void {
    this.list.push(`${field}: ${message}`);
  }
  oneOf<T>(field: string, value: unknown, allowed: readonly T[]): value is T {
    if (!allowed.includes(value as T)) {
      const shown = allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')}, … (${allowed.length} values)` : allowed.join(', ');
      this.add(field, `${JSON.stringify(value)} is not allowed; expected one of: ${shown}`);
      return false;
    }
    return true;
  }
  integer(field: string, value: number, min: number, max: number): void {
    if (!Number.isInteger(value) || value < min || value > max) {
      this.add(field, `${JSON.stringify(value)} is out of range; expected an integer from ${min} to ${max}`);
    }
  }
  nonEmpty(field: string, value: unknown): value is string {
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(field, 'is required; expected a non-empty string');
      return false;
    }
    return true;
  }
  matches(field: string, value: string | undefined, pattern: RegExp, expected: string): void {
    if (value === undefined || !pattern.test(value)) {
      this.add(field, `${JSON.stringify(value)} is invalid; expected ${expected}`);
    }
  }
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
  const hostMask = hostBits === 32 ? 0xffffffff : (2 ** hostBits - 1);
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

/**
 * Checks one environment and returns it with defaults applied. Throws ConfigValidationError
 * naming the environment and each bad field with what is allowed.
 */
export function validateEnvironment(config: EnvironmentConfig): ResolvedEnvironment {
  const envName = typeof config?.name === 'string' && config.name !== '' ? config.name : '<unnamed>';
  const p = new Problems();
  p.matches('name', config.name, ENV_NAME, 'lowercase letters, digits and hyphens, 2–20 chars, starting with a letter');
  const ephemeral = config.ephemeral ?? false;

  // AWS
  const aws = config.aws ?? ({} as EnvironmentConfig['aws']);
  p.oneOf('aws.region', aws.region, AWS_REGIONS);
  (aws.allowedAccountIds ?? []).forEach((id, i) =>
    p.matches(`aws.allowedAccountIds[${i}]`, id, /^\d{12}$/, 'a 12-digit AWS account id'),
  );

  // Backend
  const backendIn = config.backend ?? { type: 'local' as const };
  let backend: ResolvedEnvironment['backend'] = { type: 'local' };
  if (backendIn.type === 's3') {
    p.matches('backend.bucket', backendIn.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name');
    p.oneOf('backend.region', backendIn.region, AWS_REGIONS);
    p.matches('backend.kmsKeyArn', backendIn.kmsKeyArn, /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-f-]{32,36}$/, 'the ARN of the state key (bootstrap output state_kms_key_arn): arn:aws:kms:<region>:<account>:key/<key id>');
    backend = { type: 's3', bucket: backendIn.bucket, region: backendIn.region, keyPrefix: backendIn.keyPrefix ?? 'cdc-bigquery', kmsKeyArn: backendIn.kmsKeyArn };
  } else if (backendIn.type !== 'local') {
    p.oneOf('backend.type', (backendIn as { type: unknown }).type, ['local', 's3']);
  }

  // Network
  const networkIn = config.network;
  let network: ResolvedEnvironment['network'];
  if (networkIn?.mode === 'create') {
    const prefix = parseIpv4Cidr(networkIn.vpcCidr);
    if (prefix === undefined) {
      p.add('network.vpcCidr', `${JSON.stringify(networkIn.vpcCidr)} does not parse; expected an IPv4 network CIDR such as 10.42.0.0/16`);
    } else if (prefix < 16 || prefix > 24) {
      p.add('network.vpcCidr', `/${prefix} is not allowed; expected a prefix from /16 to /24`);
    }
    const azs = networkIn.availabilityZoneCount ?? 2;
    p.integer('network.availabilityZoneCount', azs, 2, 3);
    network = { mode: 'create', vpcCidr: networkIn.vpcCidr, availabilityZoneCount: azs };
  } else if (networkIn?.mode === 'existing') {
    p.matches('network.vpcId', networkIn.vpcId, /^vpc-[0-9a-f]{8,17}$/, 'a VPC id like vpc-0123456789abcdef0');
    p.matches('network.hostSubnetId', networkIn.hostSubnetId, /^subnet-[0-9a-f]{8,17}$/, 'a subnet id like subnet-0123456789abcdef0');
    const dbSubnets = networkIn.databaseSubnetIds ?? [];
    if (config.database?.mode === 'create' && dbSubnets.length < 2) {
      p.add('network.databaseSubnetIds', `has ${dbSubnets.length} subnet(s); a created RDS instance needs at least 2 in different AZs`);
    }
    dbSubnets.forEach((id, i) => p.matches(`network.databaseSubnetIds[${i}]`, id, /^subnet-[0-9a-f]{8,17}$/, 'a subnet id'));
    network = { mode: 'existing', vpcId: networkIn.vpcId, hostSubnetId: networkIn.hostSubnetId, databaseSubnetIds: dbSubnets };
  } else {
    p.add('network.mode', `${JSON.stringify((networkIn as { mode?: unknown } | undefined)?.mode)} is not allowed; expected "create" or "existing"`);
    network = { mode: 'create', vpcCidr: '10.0.0.0/16', availabilityZoneCount: 2 };
  }

  // Host
  const hostIn = config.host ?? {};
  const instanceType = hostIn.instanceType ?? 'm6i.xlarge';
  const size = INSTANCE_TYPE_SIZES[instanceType];
  if (!size) p.oneOf('host.instanceType', instanceType, Object.keys(INSTANCE_TYPE_SIZES));
  const rootVolumeGiB = hostIn.rootVolumeGiB ?? 100;
  p.integer('host.rootVolumeGiB', rootVolumeGiB, 50, 16384);
  const abctlVersion = hostIn.abctlVersion ?? 'v0.30.4';
  p.matches('host.abctlVersion', abctlVersion, /^v\d+\.\d+\.\d+$/, 'a pinned abctl release tag like v0.30.4');
  const airbyteChartVersion = hostIn.airbyteChartVersion ?? '2.2.0';
  p.matches('host.airbyteChartVersion', airbyteChartVersion, /^\d+\.\d+\.\d+$/, 'an Airbyte Helm chart version like 2.2.0');
  const dataVolumeGiB = hostIn.dataVolumeGiB ?? 50;
  p.integer('host.dataVolumeGiB', dataVolumeGiB, 20, 16384);
  if (hostIn.dockerHubSecretArn !== undefined) {
    p.matches('host.dockerHubSecretArn', hostIn.dockerHubSecretArn, SECRET_ARN, 'a Secrets Manager secret ARN');
  }

  const hosting = resolveHosting(config, p, network, ephemeral);

  // Database
  const dbIn = config.database;
  const cdcIn = dbIn?.cdc ?? {};
  const cdc = {
    maxReplicationSlots: cdcIn.maxReplicationSlots ?? 10,
    maxWalSenders: cdcIn.maxWalSenders ?? 10,
    walSenderTimeoutMs: cdcIn.walSenderTimeoutMs ?? 60000,
    maxSlotWalKeepSizeMb: cdcIn.maxSlotWalKeepSizeMb ?? 10240,
  };
  p.integer('database.cdc.maxReplicationSlots', cdc.maxReplicationSlots, 1, 100);
  p.integer('database.cdc.maxWalSenders', cdc.maxWalSenders, 1, 100);
  if (cdc.maxWalSenders < cdc.maxReplicationSlots) {
    p.add('database.cdc.maxWalSenders', `${cdc.maxWalSenders} is below maxReplicationSlots (${cdc.maxReplicationSlots}); every slot needs a WAL sender`);
  }
  p.integer('database.cdc.walSenderTimeoutMs', cdc.walSenderTimeoutMs, 0, 3600000);
  p.integer('database.cdc.maxSlotWalKeepSizeMb', cdc.maxSlotWalKeepSizeMb, 1024, 1048576);
  const replicationUsername = dbIn?.replicationUsername ?? 'airbyte';
  p.matches('database.replicationUsername', replicationUsername, IDENTIFIER, 'a lowercase Postgres identifier');
  if (replicationUsername.startsWith('rds')) p.add('database.replicationUsername', 'may not start with "rds" (reserved by RDS)');
  p.matches('database.databaseName', dbIn?.databaseName, IDENTIFIER, 'a lowercase Postgres identifier (letters, digits, _)');
  let database: ResolvedDatabase;
  let seedSqlFile: string | undefined;
  if (dbIn?.seedSqlFile !== undefined) {
    const absolute = path.resolve(REPO_ROOT, dbIn.seedSqlFile);
    if (!/\.sql$/.test(dbIn.seedSqlFile) || !fs.existsSync(absolute)) {
      p.add('database.seedSqlFile', `${JSON.stringify(dbIn.seedSqlFile)} is not a .sql file under the repository root (looked for ${absolute})`);
    } else if (ephemeral) {
      seedSqlFile = absolute;
    }
  }
  if (dbIn?.mode === 'create') {
    const engineVersion = dbIn.engineVersion ?? '16';
    const major = Number(engineVersion.split('.')[0]);
    if (!/^\d+(\.\d+)?$/.test(engineVersion) || major < 13) {
      p.add('database.engineVersion', `${JSON.stringify(engineVersion)} is not allowed; expected a major version like "16" (or "<major>.<minor>" to pin a minor version) with major ≥ 13 (max_slot_wal_keep_size)`);
    }
    const logRetentionDays = dbIn.logRetentionDays ?? 30;
    p.oneOf('database.logRetentionDays', logRetentionDays, LOG_RETENTION_DAYS);
    const instanceClass = dbIn.instanceClass ?? 'db.t4g.medium';
    p.matches('database.instanceClass', instanceClass, /^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class like db.t4g.medium');
    const allocated = dbIn.allocatedStorageGiB ?? 50;
    const maxAllocated = dbIn.maxAllocatedStorageGiB ?? 200;
    p.integer('database.allocatedStorageGiB', allocated, 20, 65536);
    p.integer('database.maxAllocatedStorageGiB', maxAllocated, allocated, 65536);
    const backupRetentionDays = dbIn.backupRetentionDays ?? (ephemeral ? 1 : 7);
    p.integer('database.backupRetentionDays', backupRetentionDays, 1, 35);
    database = {
      mode: 'create', engineVersion, parameterGroupFamily: parameterGroupFamilyFor(engineVersion), instanceClass,
      allocatedStorageGiB: allocated, maxAllocatedStorageGiB: maxAllocated, backupRetentionDays,
      multiAz: dbIn.multiAz ?? false, port: 5432, databaseName: dbIn.databaseName, replicationUsername, cdc,
      logRetentionDays, seedSqlFile,
    };
  } else if (dbIn?.mode === 'existing') {
    p.matches('database.instanceIdentifier', dbIn.instanceIdentifier, /^[a-z][a-z0-9-]{0,62}$/, 'an RDS instance identifier');
    p.nonEmpty('database.address', dbIn.address);
    const port = dbIn.port ?? 5432;
    p.integer('database.port', port, 1, 65535);
    p.matches('database.parameterGroupFamily', dbIn.parameterGroupFamily, /^postgres(1[3-9]|[2-9]\d)$/, 'a Postgres parameter group family ≥ postgres13, e.g. postgres16');
    if (dbIn.securityGroupId !== undefined) {
      p.matches('database.securityGroupId', dbIn.securityGroupId, /^sg-[0-9a-f]{8,17}$/, 'a security group id');
    }
    if (dbIn.adminSecretArn !== undefined) {
      p.matches('database.adminSecretArn', dbIn.adminSecretArn, SECRET_ARN, 'a Secrets Manager secret ARN');
    }
    database = {
      mode: 'existing', instanceIdentifier: dbIn.instanceIdentifier, address: dbIn.address, port,
      parameterGroupFamily: dbIn.parameterGroupFamily, securityGroupId: dbIn.securityGroupId,
      adminSecretArn: dbIn.adminSecretArn, databaseName: dbIn.databaseName, replicationUsername, cdc, seedSqlFile,
    };
  } else {
    p.add('database.mode', `${JSON.stringify((dbIn as { mode?: unknown } | undefined)?.mode)} is not allowed; expected "create" or "existing"`);
    database = { mode: 'existing', instanceIdentifier: '', address: '', port: 5432, parameterGroupFamily: '', databaseName: '', replicationUsername, cdc };
  }

  // Alarms
  const alarmsIn = config.alarms ?? {};
  const alarms = {
    snsTopicArn: alarmsIn.snsTopicArn,
    subscriptions: alarmsIn.subscriptions ?? [],
    slotLagMiB: alarmsIn.slotLagMiB ?? 5120,
    transactionLogsMiB: alarmsIn.transactionLogsMiB ?? 5120,
    freeStorageMiB: alarmsIn.freeStorageMiB ?? 10240,
  };
  if (alarms.snsTopicArn !== undefined) {
    p.matches('alarms.snsTopicArn', alarms.snsTopicArn, /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN');
  }
  alarms.subscriptions.forEach((subscription, i) => {
    const field = `alarms.subscriptions[${i}]`;
    if (subscription.protocol === 'email') {
      p.matches(`${field}.endpoint`, subscription.endpoint, /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address');
    } else if (subscription.protocol === 'https') {
      p.matches(`${field}.endpoint`, subscription.endpoint, /^https:\/\/\S+$/, 'an https:// URL');
    } else {
      p.oneOf(`${field}.protocol`, (subscription as { protocol: unknown }).protocol, ['email', 'https']);
    }
  });
  p.integer('alarms.slotLagMiB', alarms.slotLagMiB, 1, 1048576);
  p.integer('alarms.transactionLogsMiB', alarms.transactionLogsMiB, 1, 1048576);
  p.integer('alarms.freeStorageMiB', alarms.freeStorageMiB, 1, 1048576);

  // GCP
  const gcpIn = config.gcp ?? ({} as EnvironmentConfig['gcp']);
  if (p.nonEmpty('gcp.projectId', gcpIn.projectId)) {
    p.matches('gcp.projectId', gcpIn.projectId, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id (6–30 lowercase letters, digits, hyphens)');
  }
  p.matches('gcp.region', gcpIn.region, /^[a-z]+-[a-z]+\d+$/, 'a GCP region like europe-west1');
  p.matches('gcp.datasetId', gcpIn.datasetId, /^[A-Za-z0-9_]{1,1024}$/, 'letters, digits and underscores');
  p.oneOf('gcp.datasetLocation', gcpIn.datasetLocation, BIGQUERY_LOCATIONS);
  const loadingMethod = gcpIn.loadingMethod ?? 'standard';
  p.oneOf('gcp.loadingMethod', loadingMethod, ['standard', 'gcs-staging']);
  const serviceAccountId = gcpIn.serviceAccountId ?? `airbyte-${config.name}`;
  p.matches('gcp.serviceAccountId', serviceAccountId, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a service account id (6–30 lowercase letters, digits, hyphens, starting with a letter)');

  // Airbyte
  const airbyteIn = config.airbyte ?? ({} as EnvironmentConfig['airbyte']);
  const serverUrl = airbyteIn.serverUrl ?? 'http://localhost:8000/api/public/v1';
  let parsedUrl: URL | undefined;
  try {
    parsedUrl = new URL(serverUrl);
  } catch {
    parsedUrl = undefined;
  }
  if (!parsedUrl || !/^https?:$/.test(parsedUrl.protocol)) {
    p.add('airbyte.serverUrl', `${JSON.stringify(serverUrl)} is not an http(s) URL; expected e.g. http://localhost:8000/api/public/v1`);
  }
  const workspaceName = airbyteIn.workspaceName ?? `cdc-${config.name}`;
  p.nonEmpty('airbyte.workspaceName', workspaceName);

  const sourceIn = airbyteIn.source ?? {};
  const schemas = sourceIn.schemas ?? ['public'];
  if (schemas.length === 0) p.add('airbyte.source.schemas', 'is empty; expected at least one schema');
  schemas.forEach((s, i) => p.matches(`airbyte.source.schemas[${i}]`, s, /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'a Postgres schema name'));
  const sslMode = sourceIn.sslMode ?? 'require';
  p.oneOf('airbyte.source.sslMode', sslMode, ['require', 'verify-ca', 'verify-full']);
  if ((sslMode === 'verify-ca' || sslMode === 'verify-full') && !sourceIn.caCertificate) {
    p.add('airbyte.source.caCertificate', `is required when sslMode is "${sslMode}"; expected a PEM CA bundle (e.g. the RDS global bundle)`);
  }

  const replicationIn = sourceIn.replication ?? { method: 'cdc' as const };
  let replication: ResolvedCdc | XminReplication | CursorReplication;
  if (replicationIn.method === 'cdc') {
    const slotDefault = `airbyte_${config.name.replace(/-/g, '_')}_slot`;
    const replicationSlot = replicationIn.replicationSlot ?? slotDefault;
    if (replicationSlot.startsWith('rds')) {
      p.add('airbyte.source.replication.replicationSlot', `${JSON.stringify(replicationSlot)} starts with "rds", which RDS reserves; expected another name, e.g. ${JSON.stringify(slotDefault)}`);
    } else {
      p.matches('airbyte.source.replication.replicationSlot', replicationSlot, IDENTIFIER, 'lowercase letters, digits and underscores (a replication slot name, ≤ 63 chars)');
    }
    const publication = replicationIn.publication ?? `airbyte_${config.name.replace(/-/g, '_')}_publication`;
    p.matches('airbyte.source.replication.publication', publication, IDENTIFIER, 'a lowercase Postgres identifier');
    const initialWaitingSeconds = replicationIn.initialWaitingSeconds ?? 300;
    p.integer('airbyte.source.replication.initialWaitingSeconds', initialWaitingSeconds, 120, 2400);
    const initialLoadTimeoutHours = replicationIn.initialLoadTimeoutHours ?? 8;
    p.integer('airbyte.source.replication.initialLoadTimeoutHours', initialLoadTimeoutHours, 4, 24);
    const invalidCdcCursorPositionBehavior = replicationIn.invalidCdcCursorPositionBehavior ?? 'Fail sync';
    p.oneOf('airbyte.source.replication.invalidCdcCursorPositionBehavior', invalidCdcCursorPositionBehavior, ['Fail sync', 'Re-sync data']);
    const lsnCommitBehaviour = replicationIn.lsnCommitBehaviour ?? 'After loading Data in the destination';
    p.oneOf('airbyte.source.replication.lsnCommitBehaviour', lsnCommitBehaviour, ['While reading Data', 'After loading Data in the destination']);
    const heartbeatActionQuery = replicationIn.heartbeatActionQuery ?? HEARTBEAT_ACTION_QUERY;
    if (heartbeatActionQuery.trim() === '') {
      p.add(
        'airbyte.source.replication.heartbeatActionQuery',
        'is empty; with CDC a quiet database then never advances the replication slot and WAL piles up on the source. Expected an upsert into the heartbeat table (leave it out for the default, which prepare-source\'s table matches)',
      );
    }
    replication = {
      method: 'cdc', replicationSlot, publication, initialWaitingSeconds, initialLoadTimeoutHours,
      invalidCdcCursorPositionBehavior, lsnCommitBehaviour, heartbeatActionQuery,
    };
  } else if (replicationIn.method === 'xmin' || replicationIn.method === 'cursor') {
    replication = { method: replicationIn.method };
  } else {
    p.oneOf('airbyte.source.replication.method', (replicationIn as { method: unknown }).method, ['cdc', 'xmin', 'cursor']);
    replication = { method: 'xmin' };
  }

  const destIn = airbyteIn.destination ?? {};
  const destination = {
    cdcDeletionMode: destIn.cdcDeletionMode ?? ('Hard delete' as const),
    rawDataDataset: destIn.rawDataDataset ?? 'airbyte_internal',
    disableTypeDedupe: destIn.disableTypeDedupe ?? false,
  };
  p.oneOf('airbyte.destination.cdcDeletionMode', destination.cdcDeletionMode, ['Hard delete', 'Soft delete']);
  p.matches('airbyte.destination.rawDataDataset', destination.rawDataDataset, /^[A-Za-z0-9_]{1,1024}$/, 'a BigQuery dataset id');

  const streamsIn = airbyteIn.streams ?? [];
  if (streamsIn.length === 0) p.add('airbyte.streams', 'is empty; expected at least one stream (table) to replicate');
  const seen = new Set<string>();
  const streams = streamsIn.map((s: StreamSettings, i): ResolvedStream => {
    const field = `airbyte.streams[${i}]`;
    const namespace = s.namespace ?? 'public';
    p.matches(`${field}.name`, s.name, /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'a Postgres table name');
    if (!schemas.includes(namespace)) {
      p.add(`${field}.namespace`, `${JSON.stringify(namespace)} is not in airbyte.source.schemas (${schemas.join(', ')}); Airbyte would not discover it`);
    }
    const key = `${namespace}.${s.name}`;
    if (seen.has(key)) p.add(`${field}`, `duplicates stream ${key}`);
    seen.add(key);
    const syncMode = s.syncMode ?? 'incremental_deduped_history';
    p.oneOf(`${field}.syncMode`, syncMode, SYNC_MODES);
    if (syncMode === 'incremental_deduped_history' && (!s.primaryKey || s.primaryKey.length === 0)) {
      p.add(`${field}.primaryKey`, 'is required for incremental_deduped_history; expected e.g. [["id"]]');
    }
    let cursorField = s.cursorField;
    if (replication.method === 'cursor' && syncMode.startsWith('incremental') && !cursorField) cursorField = ['updated_at'];
    return { namespace, name: s.name, syncMode, cursorField, primaryKey: s.primaryKey };
  });

  const scheduleIn = airbyteIn.schedule ?? { type: 'orchestrator' as const };
  if (scheduleIn.type === 'cron' && !isQuartzCron(scheduleIn.cronExpression ?? '')) {
    p.add('airbyte.schedule.cronExpression', `${JSON.stringify(scheduleIn.cronExpression)} is not a Quartz cron expression; expected 6 or 7 fields, e.g. "0 0/15 * * * ?"`);
  } else if (scheduleIn.type !== 'cron' && scheduleIn.type !== 'orchestrator') {
    p.oneOf('airbyte.schedule.type', (scheduleIn as { type: unknown }).type, ['orchestrator', 'cron']);
  } else if (scheduleIn.type === 'orchestrator') {
    if (scheduleIn.freshnessTargetSeconds !== undefined) p.integer('airbyte.schedule.freshnessTargetSeconds', scheduleIn.freshnessTargetSeconds, 30, 604800);
    if (scheduleIn.minSyncIntervalSeconds !== undefined) p.integer('airbyte.schedule.minSyncIntervalSeconds', scheduleIn.minSyncIntervalSeconds, 0, 86400);
  }

  const tags = config.tags ?? {};
  for (const [key, value] of Object.entries(tags)) {
    if (!/^[A-Za-z0-9_.:/=+@ -]{1,127}$/.test(key) || typeof value !== 'string' || value.length > 255) {
      p.add(`tags.${key}`, 'is invalid; expected a key of ≤ 127 and a string value of ≤ 255 characters');
    }
  }

  if (p.list.length > 0) throw new ConfigValidationError(envName, p.list);

  return {
    name: config.name,
    ephemeral,
    tags,
    aws: { region: aws.region, allowedAccountIds: aws.allowedAccountIds },
    backend,
    network,
    hosting,
    host: {
      instanceType, vcpu: size.vcpu, memoryGiB: size.memoryGiB, rootVolumeGiB, abctlVersion, airbyteChartVersion,
      dataVolumeGiB, retainDataVolume: hostIn.retainDataVolume ?? !ephemeral, dockerHubSecretArn: hostIn.dockerHubSecretArn, airbytePort: 8000,
    },
    database,
    alarms,
    gcp: {
      projectId: gcpIn.projectId, region: gcpIn.region, datasetId: gcpIn.datasetId, datasetLocation: gcpIn.datasetLocation,
      loadingMethod, serviceAccountId,
    },
    airbyte: {
      serverUrl, workspaceName,
      source: { schemas, replication, sslMode, caCertificate: sourceIn.caCertificate },
      destination,
      streams,
      schedule: scheduleIn,
    },
  };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/-]{1,512}$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function resolveNodeGroup(
  p: Problems,
  field: string,
  input: import('./types').NodeGroupSettings | undefined,
  defaults: { instanceType: string; minSize: number; desiredSize: number; maxSize: number },
): ResolvedNodeGroup {
  const instanceType = input?.instanceType ?? defaults.instanceType;
  const size = INSTANCE_TYPE_SIZES[instanceType];
  if (!size) p.oneOf(`${field}.instanceType`, instanceType, Object.keys(INSTANCE_TYPE_SIZES));
  const minSize = input?.minSize ?? defaults.minSize;
  const desiredSize = input?.desiredSize ?? Math.max(defaults.desiredSize, minSize);
  const maxSize = input?.maxSize ?? Math.max(defaults.maxSize, desiredSize);
  p.integer(`${field}.minSize`, minSize, 0, 100);
  p.integer(`${field}.maxSize`, maxSize, 1, 100);
  if (!(minSize <= desiredSize && desiredSize <= maxSize)) {
    p.add(`${field}.desiredSize`, `${JSON.stringify(desiredSize)} must lie between minSize (${minSize}) and maxSize (${maxSize})`);
  }
  const diskGiB = input?.diskGiB ?? 100;
  p.integer(`${field}.diskGiB`, diskGiB, 20, 16384);
  return { instanceType, vcpu: size?.vcpu ?? 0, memoryGiB: size?.memoryGiB ?? 0, minSize, desiredSize, maxSize, diskGiB };
}

/** `hosting`: ec2-abctl (default) or eks-helm with its cluster, node groups, config database and scaling. */
function resolveHosting(
  config: EnvironmentConfig,
  p: Problems,
  network: ResolvedEnvironment['network'],
  ephemeral: boolean,
): ResolvedHosting {
  const input = config.hosting ?? { mode: 'ec2-abctl' as const };
  if (input.mode === 'ec2-abctl') return { mode: 'ec2-abctl' };
  if (input.mode !== 'eks-helm') {
    p.oneOf('hosting.mode', (input as { mode: unknown }).mode, ['ec2-abctl', 'eks-helm']);
    return { mode: 'ec2-abctl' };
  }
  const kubernetesVersion = input.kubernetesVersion ?? '1.35';
  p.oneOf('hosting.kubernetesVersion', kubernetesVersion, EKS_KUBERNETES_VERSIONS);

  const endpointPublicAccessCidrs = [...(input.endpointPublicAccessCidrs ?? [])];
  endpointPublicAccessCidrs.forEach((cidr, i) => {
    const prefix = parseIpv4Cidr(cidr);
    if (prefix === undefined) {
      p.add(`hosting.endpointPublicAccessCidrs[${i}]`, `${JSON.stringify(cidr)} does not parse; expected an IPv4 network CIDR such as 203.0.113.0/24`);
    } else if (prefix < 8) {
      p.add(`hosting.endpointPublicAccessCidrs[${i}]`, `${JSON.stringify(cidr)} opens the cluster API to (nearly) the whole internet; expected your office or runner ranges (/8 or narrower), or none for a private endpoint`);
    }
  });
  const roles = (field: 'clusterAdminRoleArns' | 'clusterViewerRoleArns') => {
    const list = [...(input[field] ?? [])];
    list.forEach((arn, i) => p.matches(`hosting.${field}[${i}]`, arn, ROLE_ARN, 'an IAM role ARN like arn:aws:iam::123456789012:role/cdc-github-deploy-prod'));
    if (new Set(list).size !== list.length) p.add(`hosting.${field}`, 'lists a role twice; expected each role once');
    return list;
  };
  const clusterAdminRoleArns = roles('clusterAdminRoleArns');
  const clusterViewerRoleArns = roles('clusterViewerRoleArns');
  for (const arn of clusterViewerRoleArns) {
    if (clusterAdminRoleArns.includes(arn)) p.add('hosting.clusterViewerRoleArns', `${arn} is also a cluster admin; an access entry per role, so list it once`);
  }

  let clusterSubnetIds: string[] | undefined;
  if (network.mode === 'existing') {
    clusterSubnetIds = [...(input.clusterSubnetIds ?? [])];
    if (clusterSubnetIds.length < 2) {
      p.add('hosting.clusterSubnetIds', `has ${clusterSubnetIds.length} subnet(s); eks-helm on an existing network needs at least 2 private subnets in different availability zones`);
    }
    clusterSubnetIds.forEach((id, i) => p.matches(`hosting.clusterSubnetIds[${i}]`, id, /^subnet-[0-9a-f]{8,17}$/, 'a subnet id'));
    if (new Set(clusterSubnetIds).size !== clusterSubnetIds.length) p.add('hosting.clusterSubnetIds', 'lists a subnet twice; expected distinct subnets in different availability zones');
  } else {
    if (network.availabilityZoneCount < 2) p.add('network.availabilityZoneCount', 'eks-helm needs at least 2 availability zones');
    if (input.clusterSubnetIds !== undefined) p.add('hosting.clusterSubnetIds', 'is only for network.mode "existing"; a created network uses its own private subnets');
  }

  const servicesNodes = resolveNodeGroup(p, 'hosting.servicesNodes', input.servicesNodes, { instanceType: 'm6i.xlarge', minSize: 2, desiredSize: 2, maxSize: 4 });
  const jobNodes = resolveNodeGroup(p, 'hosting.jobNodes', input.jobNodes, { instanceType: 'm6i.xlarge', minSize: 1, desiredSize: 1, maxSize: 6 });
  if (servicesNodes.minSize < 1) p.add('hosting.servicesNodes.minSize', "is 0; Airbyte's services need at least one node");

  const dbIn = input.configDatabase ?? {};
  const engineVersion = dbIn.engineVersion ?? '16.4';
  const major = Number(engineVersion.split('.')[0]);
  if (!/^\d+\.\d+$/.test(engineVersion) || major < 13 || major > 17) {
    p.add('hosting.configDatabase.engineVersion', `${JSON.stringify(engineVersion)} is not allowed; expected "<major>.<minor>" with major 13–17 (what chart 2.2.0 supports)`);
  }
  const instanceClass = dbIn.instanceClass ?? 'db.t4g.medium';
  p.matches('hosting.configDatabase.instanceClass', instanceClass, /^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class like db.t4g.medium');
  const allocatedStorageGiB = dbIn.allocatedStorageGiB ?? 20;
  const maxAllocatedStorageGiB = dbIn.maxAllocatedStorageGiB ?? Math.max(100, allocatedStorageGiB);
  p.integer('hosting.configDatabase.allocatedStorageGiB', allocatedStorageGiB, 20, 65536);
  p.integer('hosting.configDatabase.maxAllocatedStorageGiB', maxAllocatedStorageGiB, allocatedStorageGiB, 65536);
  const backupRetentionDays = dbIn.backupRetentionDays ?? (ephemeral ? 1 : 7);
  p.integer('hosting.configDatabase.backupRetentionDays', backupRetentionDays, 1, 35);

  const sc = input.scaling ?? {};
  const scaling = {
    workerReplicas: sc.workerReplicas ?? 2,
    maxSyncWorkersPerWorker: sc.maxSyncWorkersPerWorker ?? 5,
    launcherReplicas: sc.launcherReplicas ?? 2,
    launcherParallelism: sc.launcherParallelism ?? 10,
    jobCpuRequest: sc.jobCpuRequest ?? '1',
    jobCpuLimit: sc.jobCpuLimit ?? '2',
    jobMemoryRequest: sc.jobMemoryRequest ?? '2Gi',
    jobMemoryLimit: sc.jobMemoryLimit ?? '4Gi',
  };
  p.integer('hosting.scaling.workerReplicas', scaling.workerReplicas, 1, 50);
  p.integer('hosting.scaling.maxSyncWorkersPerWorker', scaling.maxSyncWorkersPerWorker, 1, 100);
  p.integer('hosting.scaling.launcherReplicas', scaling.launcherReplicas, 1, 20);
  p.integer('hosting.scaling.launcherParallelism', scaling.launcherParallelism, 1, 200);
  const cpu = (field: 'jobCpuRequest' | 'jobCpuLimit') => {
    const millis = cpuMillis(scaling[field]);
    if (millis === undefined || millis <= 0) p.add(`hosting.scaling.${field}`, `${JSON.stringify(scaling[field])} is not a CPU quantity; expected e.g. "500m" or "2"`);
    return millis;
  };
  const memory = (field: 'jobMemoryRequest' | 'jobMemoryLimit') => {
    const mib = memoryMiB(scaling[field]);
    if (mib === undefined || mib <= 0) p.add(`hosting.scaling.${field}`, `${JSON.stringify(scaling[field])} is not a memory quantity; expected e.g. "512Mi" or "4Gi"`);
    return mib;
  };
  const [cpuReq, cpuLim, memReq, memLim] = [cpu('jobCpuRequest'), cpu('jobCpuLimit'), memory('jobMemoryRequest'), memory('jobMemoryLimit')];
  if (cpuReq !== undefined && cpuLim !== undefined && cpuReq > cpuLim) p.add('hosting.scaling.jobCpuRequest', `${scaling.jobCpuRequest} exceeds jobCpuLimit ${scaling.jobCpuLimit}`);
  if (memReq !== undefined && memLim !== undefined && memReq > memLim) p.add('hosting.scaling.jobMemoryRequest', `${scaling.jobMemoryRequest} exceeds jobMemoryLimit ${scaling.jobMemoryLimit}`);
  if (jobNodes.vcpu > 0 && cpuReq !== undefined && cpuReq > jobNodes.vcpu * 1000) {
    p.add('hosting.scaling.jobCpuRequest', `${scaling.jobCpuRequest} does not fit on a ${jobNodes.instanceType} job node (${jobNodes.vcpu} vCPU)`);
  }
  if (jobNodes.memoryGiB > 0 && memReq !== undefined && memReq > jobNodes.memoryGiB * 1024) {
    p.add('hosting.scaling.jobMemoryRequest', `${scaling.jobMemoryRequest} does not fit on a ${jobNodes.instanceType} job node (${jobNodes.memoryGiB} GiB)`);
  }

  const namespace = input.namespace ?? 'airbyte';
  p.matches('hosting.namespace', namespace, K8S_NAME, 'a Kubernetes namespace name (lowercase letters, digits, hyphens, ≤ 63)');

  return {
    mode: 'eks-helm', kubernetesVersion, endpointPublicAccessCidrs, clusterAdminRoleArns, clusterViewerRoleArns, clusterSubnetIds,
    servicesNodes, jobNodes,
    configDatabase: {
      engineVersion, parameterGroupFamily: parameterGroupFamilyFor(engineVersion), instanceClass, allocatedStorageGiB,
      maxAllocatedStorageGiB, multiAz: dbIn.multiAz ?? false, backupRetentionDays,
    },
    scaling, namespace,
  };
}
