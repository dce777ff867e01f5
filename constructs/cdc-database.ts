import { InvalidPropsError } from './errors';
import { checkInteger, checkNamePrefix, checkPattern, checkRdsStorage } from './prop-checks';
import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Password } from '@cdktf/provider-random/lib/password';
import { Id as RandomId } from '@cdktf/provider-random/lib/id';

/** What CdcDatabase uses when a prop is omitted; the environment schema (config/schema.ts) takes its defaults from here. */
export const CDC_DATABASE_DEFAULTS = {
  logRetentionDays: 30,
  instanceClass: 'db.t4g.medium',
  allocatedStorageGiB: 50,
  maxAllocatedStorageGiB: 200,
  backupRetentionDays: 7,
  multiAz: false,
  port: 5432,
  replicationUsername: 'airbyte',
} as const;

/** CDC server parameters when omitted (CdcParameters). */
export const CDC_PARAMETER_DEFAULTS = {
  maxReplicationSlots: 10,
  maxWalSenders: 10,
  walSenderTimeoutMs: 60000,
  /** Caps the WAL an abandoned slot can pin, so it cannot fill the disk. */
  maxSlotWalKeepSizeMb: 10240,
} as const;

/** Log types the instance exports to CloudWatch Logs. */
const EXPORTED_LOG_TYPES = ['postgresql', 'upgrade'] as const;

/** Server settings for logical replication (CDC). */
export interface CdcParameters {
  /** `max_replication_slots`. @default CDC_PARAMETER_DEFAULTS.maxReplicationSlots */
  readonly maxReplicationSlots?: number;
  /** `max_wal_senders`, at least maxReplicationSlots. @default CDC_PARAMETER_DEFAULTS.maxWalSenders */
  readonly maxWalSenders?: number;
  /** `wal_sender_timeout` in ms. @default CDC_PARAMETER_DEFAULTS.walSenderTimeoutMs */
  readonly walSenderTimeoutMs?: number;
  /** `max_slot_wal_keep_size` in MB: caps WAL an abandoned slot can pin. @default CDC_PARAMETER_DEFAULTS.maxSlotWalKeepSizeMb */
  readonly maxSlotWalKeepSizeMb?: number;
}

/** A new RDS instance for the source. */
export interface CreatedInstanceProps {
  readonly vpcId: string;
  /** Private subnets in ≥ 2 AZs. */
  readonly subnetIds: string[];
  /**
   * A major version ("16"): RDS applies minor upgrades itself and Terraform accepts them. A
   * "major.minor" value ("16.4") pins the minor version and turns `auto_minor_version_upgrade`
   * off, since the provider would otherwise plan a downgrade after AWS upgrades the instance.
   */
  readonly engineVersion: string;
  /** Days CloudWatch keeps the exported logs (postgresql, upgrade). @default CDC_DATABASE_DEFAULTS.logRetentionDays */
  readonly logRetentionDays?: number;
  /** @default CDC_DATABASE_DEFAULTS.instanceClass */
  readonly instanceClass?: string;
  /** @default CDC_DATABASE_DEFAULTS.allocatedStorageGiB */
  readonly allocatedStorageGiB?: number;
  /** @default CDC_DATABASE_DEFAULTS.maxAllocatedStorageGiB */
  readonly maxAllocatedStorageGiB?: number;
  /** @default CDC_DATABASE_DEFAULTS.backupRetentionDays */
  readonly backupRetentionDays?: number;
  /** @default CDC_DATABASE_DEFAULTS.multiAz */
  readonly multiAz?: boolean;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** Skip the final snapshot on destroy (ephemeral environments). @default false */
  readonly skipFinalSnapshot?: boolean;
}

/** An instance that exists already; the construct only prepares the parameter group and access. */
export interface ExistingInstanceProps {
  /** The instance's RDS identifier (its CloudWatch metrics are reported under it). */
  readonly instanceIdentifier: string;
  readonly address: string;
  /** @default 5432 */
  readonly port?: number;
  /** When given, 5432 from the client security group is allowed on it. */
  readonly securityGroupId?: string;
}

export interface CdcDatabaseProps {
  /** Prefix for identifiers and names (lowercase, hyphens). */
  readonly namePrefix: string;
  /** KMS key for storage, Performance Insights, the master secret and the credentials secret. */
  readonly kmsKeyArn: string;
  /** Parameter group family, e.g. "postgres16". */
  readonly parameterGroupFamily: string;
  /** @default the CdcParameters defaults */
  readonly cdc?: CdcParameters;
  /** Database Airbyte reads. */
  readonly databaseName: string;
  /** Login for Airbyte and the orchestrator; its generated password is stored in `credentialsSecretArn`. @default "airbyte" */
  readonly replicationUsername?: string;
  /** Exactly one of `instance` / `existing`. */
  readonly instance?: CreatedInstanceProps;
  readonly existing?: ExistingInstanceProps;
  /** Days Secrets Manager keeps a deleted secret (0 deletes at once, for ephemeral envs). @default 7 */
  readonly secretRecoveryWindowInDays?: number;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The CDC source database: a custom parameter group with logical replication and WAL-retention
 * guards, and either a private, encrypted RDS PostgreSQL instance reachable only from the
 * client security group, or an existing instance. A generated password for the replication
 * login is kept in Secrets Manager together with the connection details.
 */
export class CdcDatabase extends Construct {
  /**
   * The RDS instance identifier, created or existing: what the instance's CloudWatch metrics
   * are reported under, so alarms take it from here rather than rebuilding it.
   */
  readonly instanceIdentifier: string;
  readonly address: string;
  readonly port: number;
  readonly databaseName: string;
  readonly replicationUsername: string;
  readonly parameterGroup: DbParameterGroup;
  /** Secret JSON {username, password, host, port, dbname} for the replication login. */
  readonly credentialsSecretArn: string;
  /** Created mode only. */
  readonly instance?: DbInstance;
  /** Created mode only: the RDS-managed master secret (never in Terraform config). */
  readonly masterUserSecretArn?: string;
  /** The database's security group: created, or the existing one when given. */
  readonly securityGroupId?: string;

  constructor(scope: Construct, id: string, props: CdcDatabaseProps) {
    super(scope, id);
    const where = `CdcDatabase ${this.node.path}`;
    if ((props.instance === undefined) === (props.existing === undefined)) {
      throw new InvalidPropsError(`${where}: set exactly one of "instance" (create RDS) or "existing" (use an instance you have)`);
    }
    const cdc = {
      maxReplicationSlots: props.cdc?.maxReplicationSlots ?? CDC_PARAMETER_DEFAULTS.maxReplicationSlots,
      maxWalSenders: props.cdc?.maxWalSenders ?? CDC_PARAMETER_DEFAULTS.maxWalSenders,
      walSenderTimeoutMs: props.cdc?.walSenderTimeoutMs ?? CDC_PARAMETER_DEFAULTS.walSenderTimeoutMs,
      maxSlotWalKeepSizeMb: props.cdc?.maxSlotWalKeepSizeMb ?? CDC_PARAMETER_DEFAULTS.maxSlotWalKeepSizeMb,
    };
    checkNamePrefix(where, props.namePrefix);
    checkPattern(where, 'databaseName', props.databaseName, /^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase Postgres identifier (letters, digits, _)');
    checkInteger(where, 'cdc.maxReplicationSlots', cdc.maxReplicationSlots, 1);
    checkInteger(where, 'cdc.maxWalSenders', cdc.maxWalSenders, 1);
    checkInteger(where, 'cdc.walSenderTimeoutMs', cdc.walSenderTimeoutMs, 0);
    // -1 (PostgreSQL's "unlimited") would let an abandoned slot fill the disk: the cap is the point.
    checkInteger(where, 'cdc.maxSlotWalKeepSizeMb', cdc.maxSlotWalKeepSizeMb, 1);
    if (cdc.maxWalSenders < cdc.maxReplicationSlots) {
      throw new InvalidPropsError(`${where}: cdc.maxWalSenders (${cdc.maxWalSenders}) must be at least cdc.maxReplicationSlots (${cdc.maxReplicationSlots})`);
    }
    if (props.instance && props.instance.subnetIds.length < 2) {
      throw new InvalidPropsError(`${where}: instance.subnetIds needs at least 2 subnets in different AZs, got ${props.instance.subnetIds.length}`);
    }
    const recoveryWindow = props.secretRecoveryWindowInDays;
    if (recoveryWindow !== undefined && recoveryWindow !== 0 && !(Number.isInteger(recoveryWindow) && recoveryWindow >= 7 && recoveryWindow <= 30)) {
      throw new InvalidPropsError(`${where}: secretRecoveryWindowInDays must be 0 (delete at once) or an integer from 7 to 30, got ${recoveryWindow}`);
    }
    // Created mode only; resolved once because the two limits are checked against each other.
    const storage = {
      allocated: props.instance?.allocatedStorageGiB ?? CDC_DATABASE_DEFAULTS.allocatedStorageGiB,
      max: props.instance?.maxAllocatedStorageGiB ?? CDC_DATABASE_DEFAULTS.maxAllocatedStorageGiB,
    };
    if (props.instance) {
      const created = props.instance;
      checkPattern(where, 'instance.engineVersion', created.engineVersion, /^\d+(\.\d+)?$/, 'a major version like "16" or "<major>.<minor>"');
      checkRdsStorage(where, 'instance.', storage.allocated, storage.max);
      checkInteger(where, 'instance.backupRetentionDays', created.backupRetentionDays, 1, 35);
      checkInteger(where, 'instance.logRetentionDays', created.logRetentionDays, 1);
    }
    if (props.existing?.port !== undefined) checkInteger(where, 'existing.port', props.existing.port, 1, 65535);
    this.databaseName = props.databaseName;
    this.replicationUsername = props.replicationUsername ?? CDC_DATABASE_DEFAULTS.replicationUsername;

    this.parameterGroup = new DbParameterGroup(this, 'cdc-parameters', {
      namePrefix: `${props.namePrefix}-cdc-`,
      family: props.parameterGroupFamily,
      description: 'Logical replication for Airbyte CDC, with WAL retention capped',
      parameter: [
        // Static parameters only take effect after a reboot; RDS refuses "immediate" for them.
        { name: 'rds.logical_replication', value: '1', applyMethod: 'pending-reboot' },
        { name: 'max_replication_slots', value: String(cdc.maxReplicationSlots), applyMethod: 'pending-reboot' },
        { name: 'max_wal_senders', value: String(cdc.maxWalSenders), applyMethod: 'pending-reboot' },
        { name: 'wal_sender_timeout', value: String(cdc.walSenderTimeoutMs), applyMethod: 'immediate' },
        { name: 'rds.force_ssl', value: '1', applyMethod: 'immediate' },
        { name: 'max_slot_wal_keep_size', value: String(cdc.maxSlotWalKeepSizeMb), applyMethod: 'immediate' },
      ],
      lifecycle: { createBeforeDestroy: true },
      tags: props.tags,
    });

    if (props.instance) {
      const created = props.instance;
      const sg = new SecurityGroup(this, 'sg', {
        namePrefix: `${props.namePrefix}-db-`,
        description: 'CDC source database: PostgreSQL from the Airbyte host only',
        vpcId: created.vpcId,
        tags: props.tags,
        lifecycle: { createBeforeDestroy: true },
      });
      this.securityGroupId = sg.id;
      const subnets = new DbSubnetGroup(this, 'subnets', {
        namePrefix: `${props.namePrefix}-db-`,
        subnetIds: created.subnetIds,
        tags: props.tags,
      });
      const skipFinalSnapshot = created.skipFinalSnapshot ?? false;
      const identifier = `${props.namePrefix}-source`;
      this.instanceIdentifier = identifier;
      // RDS creates /aws/rds/instance/<id>/<type> on first export and never deletes it; created
      // here first, the groups get a retention and go away with the environment.
      const logGroups = EXPORTED_LOG_TYPES.map(
        (type) =>
          new CloudwatchLogGroup(this, `log-${type}`, {
            name: `/aws/rds/instance/${identifier}/${type}`,
            retentionInDays: created.logRetentionDays ?? CDC_DATABASE_DEFAULTS.logRetentionDays,
            kmsKeyId: props.kmsKeyArn,
            tags: props.tags,
          }),
      );
      // A fixed name would collide with the snapshot of an earlier incarnation of the same
      // environment on its second teardown; the suffix lives and dies with this instance's state.
      const snapshotSuffix = skipFinalSnapshot ? undefined : new RandomId(this, 'final-snapshot-suffix', { byteLength: 4 });
      const pinnedMinor = created.engineVersion.includes('.');
      this.instance = new DbInstance(this, 'instance', {
        identifier,
        engine: 'postgres',
        port: 5432,
        engineVersion: created.engineVersion,
        instanceClass: created.instanceClass ?? CDC_DATABASE_DEFAULTS.instanceClass,
        allocatedStorage: storage.allocated,
        maxAllocatedStorage: storage.max,
        storageType: 'gp3',
        storageEncrypted: true,
        kmsKeyId: props.kmsKeyArn,
        dbName: props.databaseName,
        username: 'cdc_admin',
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: props.kmsKeyArn,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [sg.id],
        parameterGroupName: this.parameterGroup.name,
        publiclyAccessible: false,
        multiAz: created.multiAz ?? CDC_DATABASE_DEFAULTS.multiAz,
        backupRetentionPeriod: created.backupRetentionDays ?? CDC_DATABASE_DEFAULTS.backupRetentionDays,
        deletionProtection: created.deletionProtection ?? true,
        skipFinalSnapshot,
        finalSnapshotIdentifier: snapshotSuffix ? `${identifier}-final-${snapshotSuffix.hex}` : undefined,
        copyTagsToSnapshot: true,
        deleteAutomatedBackups: skipFinalSnapshot,
        iamDatabaseAuthenticationEnabled: true,
        autoMinorVersionUpgrade: !pinnedMinor,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: props.kmsKeyArn,
        enabledCloudwatchLogsExports: [...EXPORTED_LOG_TYPES],
        caCertIdentifier: 'rds-ca-rsa2048-g1',
        tags: props.tags,
        dependsOn: logGroups,
      });
      this.address = this.instance.address;
      this.port = 5432;
      this.masterUserSecretArn = this.instance.masterUserSecret.get(0).secretArn;
    } else {
      const existing = props.existing!;
      this.instanceIdentifier = existing.instanceIdentifier;
      this.address = existing.address;
      this.port = existing.port ?? CDC_DATABASE_DEFAULTS.port;
      this.securityGroupId = existing.securityGroupId;
    }

    // Generated by Terraform: the value lives only in state and in the secret, never in config.
    const password = new Password(this, 'replication-password', {
      length: 40,
      special: true,
      overrideSpecial: '-_.~',
      minLower: 2,
      minUpper: 2,
      minNumeric: 2,
    });
    const secret = new SecretsmanagerSecret(this, 'credentials', {
      namePrefix: `${props.namePrefix}/source-db/${this.replicationUsername}-`,
      description: `Login for Airbyte and the orchestrator on ${props.databaseName}`,
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: props.secretRecoveryWindowInDays ?? 7,
      tags: props.tags,
    });
    new SecretsmanagerSecretVersion(this, 'credentials-value', {
      secretId: secret.id,
      secretString: Fn.jsonencode({
        username: this.replicationUsername,
        password: password.result,
        host: this.address,
        port: this.port,
        dbname: props.databaseName,
      }),
    });
    this.credentialsSecretArn = secret.arn;
  }

  /**
   * Allows one client security group (the Airbyte host) on the database port. Without a
   * database security group (existing instance, none given) there is nothing to change here:
   * the rule must be added where that instance's group is managed.
   */
  allowClient(id: string, clientSecurityGroupId: string): boolean {
    if (!this.securityGroupId) return false;
    new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: this.securityGroupId,
      description: 'PostgreSQL from the Airbyte host security group',
      ipProtocol: 'tcp',
      fromPort: this.port,
      toPort: this.port,
      referencedSecurityGroupId: clientSecurityGroupId,
    });
    return true;
  }
}
