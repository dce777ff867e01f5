import { InvalidPropsError } from './errors';
import { checkInteger, checkNamePrefix, checkRdsStorage } from './prop-checks';
import { Construct } from 'constructs';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

/** What AirbyteConfigDatabase uses when a prop is omitted; the environment schema (config/schema.ts) takes its defaults from here. */
export const AIRBYTE_CONFIG_DATABASE_DEFAULTS = {
  instanceClass: 'db.t4g.medium',
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 100,
  multiAz: false,
  backupRetentionDays: 7,
} as const;

export interface AirbyteConfigDatabaseProps {
  /** Prefix for identifiers and names (lowercase, hyphens). */
  readonly namePrefix: string;
  readonly vpcId: string;
  /** Private subnets in ≥ 2 AZs. */
  readonly subnetIds: string[];
  /** The only security group admitted on 5432 (the EKS cluster's). */
  readonly clientSecurityGroupId: string;
  /** KMS key for storage, Performance Insights and the RDS-managed master secret. */
  readonly kmsKeyArn: string;
  /** "<major>.<minor>", 13–17 (what Airbyte's chart 2.2.0 supports). */
  readonly engineVersion: string;
  /** @default AIRBYTE_CONFIG_DATABASE_DEFAULTS.instanceClass */
  readonly instanceClass?: string;
  /** @default AIRBYTE_CONFIG_DATABASE_DEFAULTS.allocatedStorageGiB */
  readonly allocatedStorageGiB?: number;
  /** @default AIRBYTE_CONFIG_DATABASE_DEFAULTS.maxAllocatedStorageGiB */
  readonly maxAllocatedStorageGiB?: number;
  /** @default false */
  readonly multiAz?: boolean;
  /** @default 7 */
  readonly backupRetentionDays?: number;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** Skip the final snapshot on destroy (ephemeral environments). @default false */
  readonly skipFinalSnapshot?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** Database name Airbyte's server and workers use; Temporal creates its own two beside it. */
export const AIRBYTE_CONFIG_DATABASE_NAME = 'airbyte';

/**
 * Airbyte's own database (configuration, jobs, Temporal) on RDS PostgreSQL, separate from the
 * CDC source: encrypted, private, SSL forced, reachable on 5432 from one security group only.
 * The master password is RDS-managed in Secrets Manager (`masterUserSecretArn`), never in
 * Terraform; the kubernetes stack hands it to the chart as a Kubernetes secret.
 */
export class AirbyteConfigDatabase extends Construct {
  readonly instance: DbInstance;
  readonly address: string;
  readonly port = 5432;
  readonly databaseName = AIRBYTE_CONFIG_DATABASE_NAME;
  /** RDS-managed secret JSON {username, password}. */
  readonly masterUserSecretArn: string;
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: AirbyteConfigDatabaseProps) {
    super(scope, id);
    const where = `AirbyteConfigDatabase ${this.node.path}`;
    const major = Number(props.engineVersion.split('.')[0]);
    if (!/^\d+\.\d+$/.test(props.engineVersion) || major < 13 || major > 17) {
      throw new InvalidPropsError(`${where}: engineVersion ${JSON.stringify(props.engineVersion)} must be "<major>.<minor>" with major 13–17`);
    }
    if (props.subnetIds.length < 2) {
      throw new InvalidPropsError(`${where}: subnetIds needs at least 2 subnets in different AZs, got ${props.subnetIds.length}`);
    }
    checkNamePrefix(where, props.namePrefix);
    // Resolved once because the two limits are checked against each other.
    const storage = {
      allocated: props.allocatedStorageGiB ?? AIRBYTE_CONFIG_DATABASE_DEFAULTS.allocatedStorageGiB,
      max: props.maxAllocatedStorageGiB ?? AIRBYTE_CONFIG_DATABASE_DEFAULTS.maxAllocatedStorageGiB,
    };
    checkRdsStorage(where, '', storage.allocated, storage.max);
    checkInteger(where, 'backupRetentionDays', props.backupRetentionDays, 1, 35);
    const sg = new SecurityGroup(this, 'sg', {
      namePrefix: `${props.namePrefix}-airbyte-db-`,
      description: "Airbyte's config database: PostgreSQL from the EKS cluster only",
      vpcId: props.vpcId,
      tags: props.tags,
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = sg.id;
    new VpcSecurityGroupIngressRule(this, 'from-cluster', {
      securityGroupId: sg.id,
      description: 'PostgreSQL from the EKS cluster security group (Airbyte pods)',
      ipProtocol: 'tcp',
      fromPort: this.port,
      toPort: this.port,
      referencedSecurityGroupId: props.clientSecurityGroupId,
    });
    const subnets = new DbSubnetGroup(this, 'subnets', { namePrefix: `${props.namePrefix}-airbyte-db-`, subnetIds: props.subnetIds, tags: props.tags });
    const parameters = new DbParameterGroup(this, 'parameters', {
      namePrefix: `${props.namePrefix}-airbyte-db-`,
      family: `postgres${major}`,
      description: "Airbyte's config database: SSL required",
      parameter: [{ name: 'rds.force_ssl', value: '1', applyMethod: 'immediate' }],
      lifecycle: { createBeforeDestroy: true },
      tags: props.tags,
    });
    const skipFinalSnapshot = props.skipFinalSnapshot ?? false;
    this.instance = new DbInstance(this, 'instance', {
      identifier: `${props.namePrefix}-airbyte`,
      engine: 'postgres',
      // The major only: with auto minor upgrades a pinned minor would fight AWS (facts.md).
      engineVersion: String(major),
      port: this.port,
      instanceClass: props.instanceClass ?? AIRBYTE_CONFIG_DATABASE_DEFAULTS.instanceClass,
      allocatedStorage: storage.allocated,
      maxAllocatedStorage: storage.max,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      dbName: AIRBYTE_CONFIG_DATABASE_NAME,
      username: 'airbyte_admin',
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [sg.id],
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      multiAz: props.multiAz ?? AIRBYTE_CONFIG_DATABASE_DEFAULTS.multiAz,
      backupRetentionPeriod: props.backupRetentionDays ?? AIRBYTE_CONFIG_DATABASE_DEFAULTS.backupRetentionDays,
      deletionProtection: props.deletionProtection ?? true,
      skipFinalSnapshot,
      // Timestamped by Terraform so a second teardown does not collide with the first snapshot.
      finalSnapshotIdentifier: skipFinalSnapshot ? undefined : `${props.namePrefix}-airbyte-final`,
      copyTagsToSnapshot: true,
      deleteAutomatedBackups: skipFinalSnapshot,
      autoMinorVersionUpgrade: true,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: props.kmsKeyArn,
      caCertIdentifier: 'rds-ca-rsa2048-g1',
      tags: props.tags,
    });
    this.address = this.instance.address;
    this.masterUserSecretArn = this.instance.masterUserSecret.get(0).secretArn;
  }
}
