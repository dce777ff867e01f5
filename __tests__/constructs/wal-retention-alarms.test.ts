import { WalRetentionAlarms, WalRetentionAlarmsProps } from '../../constructs/wal-retention-alarms';
import { all, buildConstruct, expectPropsError, Json, single } from '../support/construct';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/x';
const GIB = 1024 ** 3;
/** Only the required props: thresholds, topic and subscriptions take their defaults. */
const base: WalRetentionAlarmsProps = { dbInstanceIdentifier: 'cdc-test-source', topicName: 'cdc-test-alerts', kmsKeyArn: KEY };

function build(props: Partial<WalRetentionAlarmsProps> = {}) {
  return buildConstruct((stack) => new WalRetentionAlarms(stack, 'wal', { ...base, ...props }));
}

/** Alarm metric → [comparison, threshold]. */
function thresholds(json: Json): Record<string, [string, number]> {
  return Object.fromEntries(all(json, 'aws_cloudwatch_metric_alarm').map((a) => [a.metric_name, [a.comparison_operator, a.threshold]]));
}

describe('WalRetentionAlarms defaults (props omitted)', () => {
  test('slot lag and WAL on disk above 5 GiB, free storage below 10 GiB', () => {
    expect(thresholds(build().json)).toEqual({
      OldestReplicationSlotLag: ['GreaterThanThreshold', 5 * GIB],
      TransactionLogsDiskUsage: ['GreaterThanThreshold', 5 * GIB],
      FreeStorageSpace: ['LessThanThreshold', 10 * GIB],
    });
  });

  test('a KMS-encrypted topic of its own, no subscriptions, alarm and recovery both notified', () => {
    const { json } = build();
    expect(single(json, 'aws_sns_topic')).toMatchObject({ name: 'cdc-test-alerts', kms_master_key_id: KEY });
    expect(json.resource.aws_sns_topic_subscription).toBeUndefined();
    const topicArn = expect.stringMatching(/^\$\{aws_sns_topic\.wal_topic_.+\.arn\}$/);
    for (const alarm of all(json, 'aws_cloudwatch_metric_alarm')) {
      expect(alarm.alarm_actions).toEqual([topicArn]);
      expect(alarm.ok_actions).toEqual([topicArn]);
    }
  });

  test('each alarm watches the named instance over two 5-minute periods, silent when data is missing', () => {
    const { json, construct: alarms } = build();
    expect(alarms.alarmNames).toEqual(['cdc-test-source-OldestReplicationSlotLag', 'cdc-test-source-TransactionLogsDiskUsage', 'cdc-test-source-FreeStorageSpace']);
    for (const alarm of all(json, 'aws_cloudwatch_metric_alarm')) {
      expect(alarm).toMatchObject({
        namespace: 'AWS/RDS', dimensions: { DBInstanceIdentifier: 'cdc-test-source' }, period: 300, evaluation_periods: 2,
        datapoints_to_alarm: 2, treat_missing_data: 'notBreaching', statistic: alarm.metric_name === 'FreeStorageSpace' ? 'Minimum' : 'Maximum',
      });
    }
  });
});

describe('WalRetentionAlarms props given', () => {
  test('a given topic is used as is, with the subscriptions added to it', () => {
    const topic = 'arn:aws:sns:eu-west-1:111111111111:existing';
    const { json } = build({ snsTopicArn: topic, subscriptions: [{ protocol: 'email', endpoint: 'ops@example.com' }] });
    expect(json.resource.aws_sns_topic).toBeUndefined();
    expect(single(json, 'aws_sns_topic_subscription')).toEqual({ topic_arn: topic, protocol: 'email', endpoint: 'ops@example.com' });
    expect(all(json, 'aws_cloudwatch_metric_alarm').map((a) => a.alarm_actions)).toEqual([[topic], [topic], [topic]]);
  });

  test('thresholds reach the alarms', () => {
    expect(thresholds(build({ slotLagBytes: 1, transactionLogsBytes: 2, freeStorageBytes: 3 }).json)).toEqual({
      OldestReplicationSlotLag: ['GreaterThanThreshold', 1], TransactionLogsDiskUsage: ['GreaterThanThreshold', 2], FreeStorageSpace: ['LessThanThreshold', 3],
    });
  });
});

describe('WalRetentionAlarms refuses props it cannot work with, naming the prop', () => {
  const where = 'WalRetentionAlarms test/wal';
  test.each<[string, Partial<WalRetentionAlarmsProps>, string]>([
    ['a zero slot lag', { slotLagBytes: 0 }, `${where}: slotLagBytes must be a positive number of bytes, got 0`],
    ['a negative WAL size', { transactionLogsBytes: -1 }, `${where}: transactionLogsBytes must be a positive number of bytes, got -1`],
    ['an infinite free storage', { freeStorageBytes: Infinity }, `${where}: freeStorageBytes must be a positive number of bytes, got Infinity`],
    ['an unknown subscription protocol', { subscriptions: [{ protocol: 'sms' as never, endpoint: '+1555' }] }, `${where}: subscriptions[0].protocol must be "email" or "https", got "sms"`],
    ['an empty instance identifier', { dbInstanceIdentifier: '' }, `${where}: dbInstanceIdentifier "" must be an RDS instance identifier`],
    ['an empty topic name for the topic it creates', { topicName: '' }, `${where}: topicName "" must be an SNS topic name (letters, digits, - or _)`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => build(props), message);
  });

  test('the topic name is not needed when a topic is given', () => {
    expect(() => build({ topicName: '', snsTopicArn: 'arn:aws:sns:eu-west-1:111111111111:existing' })).not.toThrow();
  });
});
