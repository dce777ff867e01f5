import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { InvalidPropsError } from './errors';
import { checkPattern } from './prop-checks';

/** Thresholds WalRetentionAlarms uses when a prop is omitted, in MiB; the environment schema (config/schema.ts) takes its defaults from here. */
export const WAL_RETENTION_ALARMS_DEFAULTS = {
  slotLagMiB: 5120,
  transactionLogsMiB: 5120,
  freeStorageMiB: 10240,
} as const;

const MIB = 1024 ** 2;

export interface WalRetentionAlarmsProps {
  /** RDS instance identifier the metrics are reported for. */
  readonly dbInstanceIdentifier: string;
  /** Topic that receives alarm and recovery notifications; when unset a KMS-encrypted topic is created. @default a new topic */
  readonly snsTopicArn?: string;
  /** Name of the topic created when `snsTopicArn` is unset. */
  readonly topicName: string;
  /**
   * KMS key for the created topic. Its key policy must let cloudwatch.amazonaws.com use it
   * (EnvironmentKey `allowCloudWatchAlarms`), or CloudWatch cannot publish to the topic.
   */
  readonly kmsKeyArn: string;
  /** Subscriptions added to the topic (created or given). @default [] */
  readonly subscriptions?: ReadonlyArray<{ readonly protocol: 'email' | 'https'; readonly endpoint: string }>;
  /** Alarm when the oldest replication slot lags more than this many bytes. @default WAL_RETENTION_ALARMS_DEFAULTS.slotLagMiB MiB */
  readonly slotLagBytes?: number;
  /** Alarm when WAL on disk exceeds this many bytes. @default WAL_RETENTION_ALARMS_DEFAULTS.transactionLogsMiB MiB */
  readonly transactionLogsBytes?: number;
  /** Alarm when free storage drops below this many bytes. @default WAL_RETENTION_ALARMS_DEFAULTS.freeStorageMiB MiB */
  readonly freeStorageBytes?: number;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * CloudWatch alarms for the failure Airbyte CDC on RDS is best known for: a lagging or
 * abandoned replication slot retaining WAL until the disk fills. Each alarm notifies when it
 * starts and when it clears (OK action), not on every period.
 */
export class WalRetentionAlarms extends Construct {
  readonly topicArn: string;
  readonly alarmNames: string[] = [];

  constructor(scope: Construct, id: string, props: WalRetentionAlarmsProps) {
    super(scope, id);
    const where = `WalRetentionAlarms ${this.node.path}`;
    checkPattern(where, 'dbInstanceIdentifier', props.dbInstanceIdentifier, /^[a-z][a-z0-9-]{0,62}$/, 'an RDS instance identifier');
    // A topic is only created without snsTopicArn, so only then does its name matter.
    if (props.snsTopicArn === undefined) checkPattern(where, 'topicName', props.topicName, /^[A-Za-z0-9_-]{1,256}$/, 'an SNS topic name (letters, digits, - or _)');
    const thresholds = {
      slotLagBytes: props.slotLagBytes ?? WAL_RETENTION_ALARMS_DEFAULTS.slotLagMiB * MIB,
      transactionLogsBytes: props.transactionLogsBytes ?? WAL_RETENTION_ALARMS_DEFAULTS.transactionLogsMiB * MIB,
      freeStorageBytes: props.freeStorageBytes ?? WAL_RETENTION_ALARMS_DEFAULTS.freeStorageMiB * MIB,
    };
    for (const [name, value] of Object.entries(thresholds)) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new InvalidPropsError(`WalRetentionAlarms ${this.node.path}: ${name} must be a positive number of bytes, got ${value}`);
      }
    }
    this.topicArn =
      props.snsTopicArn ??
      new SnsTopic(this, 'topic', { name: props.topicName, kmsMasterKeyId: props.kmsKeyArn, tags: props.tags }).arn;
    (props.subscriptions ?? []).forEach((subscription, i) => {
      if (!['email', 'https'].includes(subscription.protocol)) {
        throw new InvalidPropsError(`WalRetentionAlarms ${this.node.path}: subscriptions[${i}].protocol must be "email" or "https", got ${JSON.stringify(subscription.protocol)}`);
      }
      new SnsTopicSubscription(this, `subscription-${i}`, {
        topicArn: this.topicArn,
        protocol: subscription.protocol,
        endpoint: subscription.endpoint,
      });
    });

    const alarm = (metric: string, comparison: string, threshold: number, description: string) => {
      const alarmName = `${props.dbInstanceIdentifier}-${metric}`;
      new CloudwatchMetricAlarm(this, metric, {
        alarmName,
        alarmDescription: description,
        namespace: 'AWS/RDS',
        metricName: metric,
        dimensions: { DBInstanceIdentifier: props.dbInstanceIdentifier },
        statistic: metric === 'FreeStorageSpace' ? 'Minimum' : 'Maximum',
        period: 300,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        comparisonOperator: comparison,
        threshold,
        // No data means the instance stopped reporting; that is not a WAL problem by itself.
        treatMissingData: 'notBreaching',
        alarmActions: [this.topicArn],
        okActions: [this.topicArn],
        tags: props.tags,
      });
      this.alarmNames.push(alarmName);
    };
    alarm(
      'OldestReplicationSlotLag',
      'GreaterThanThreshold',
      thresholds.slotLagBytes,
      'A replication slot is retaining WAL: is the Airbyte connection syncing? Drop slots of retired sources (retire-source).',
    );
    alarm(
      'TransactionLogsDiskUsage',
      'GreaterThanThreshold',
      thresholds.transactionLogsBytes,
      'WAL on disk is growing: a lagging replication slot holds it (see OldestReplicationSlotLag).',
    );
    alarm(
      'FreeStorageSpace',
      'LessThanThreshold',
      thresholds.freeStorageBytes,
      'The CDC source is running out of storage; retained WAL is the usual cause.',
    );
  }
}
