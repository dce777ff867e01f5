import { InvalidPropsError } from './errors';
import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';

export interface EnvironmentKeyProps {
  /** Alias name without the `alias/` prefix. */
  readonly alias: string;
  /** Days AWS waits before deleting the key after destroy (7–30). @default 30 */
  readonly deletionWindowInDays?: number;
  /**
   * Let CloudWatch alarms use the key (kms:Decrypt, kms:GenerateDataKey*), for alarm actions that
   * publish to an SNS topic encrypted with it; without this nothing is ever delivered.
   * Scoped to this account with aws:SourceAccount.
   * @default false
   */
  readonly allowCloudWatchAlarms?: boolean;
  /**
   * Let CloudWatch Logs of this region encrypt log groups of this account with the key.
   * @default false
   */
  readonly allowCloudWatchLogs?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * One customer-managed KMS key per environment (rotation on) for the database, volumes, secrets
 * and the asset bucket, so access to any of them can be revoked in one place.
 */
export class EnvironmentKey extends Construct {
  readonly keyArn: string;
  readonly keyId: string;

  constructor(scope: Construct, id: string, props: EnvironmentKeyProps) {
    super(scope, id);
    // "aws/" aliases belong to AWS-managed keys; KMS refuses them for a customer key.
    if (!/^[A-Za-z0-9/_-]{1,250}$/.test(props.alias) || props.alias.startsWith('aws/')) {
      throw new InvalidPropsError(`EnvironmentKey ${this.node.path}: alias ${JSON.stringify(props.alias)} must be 1–250 letters, digits, "/", "_" or "-", without "alias/" and not under "aws/"`);
    }
    const window = props.deletionWindowInDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      throw new InvalidPropsError(`EnvironmentKey ${this.node.path}: deletionWindowInDays must be an integer from 7 to 30, got ${window}`);
    }
    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const partition = new DataAwsPartition(this, 'partition').partition;
    // The first statement is AWS's default key policy: the account (through IAM policies) keeps
    // control of the key. A key policy needs Resource "*" (it means this key), hence JSON on the
    // key rather than an IAM policy document.
    const statements: Array<Record<string, unknown>> = [
      {
        Sid: 'AccountAdministersThroughIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ];
    if (props.allowCloudWatchAlarms ?? false) {
      statements.push({
        Sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': account } },
      });
    }
    if (props.allowCloudWatchLogs ?? false) {
      const region = new DataAwsRegion(this, 'region').region;
      statements.push({
        Sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
      });
    }
    const key = new KmsKey(this, 'key', {
      description: `CDC pipeline data key (${props.alias})`,
      enableKeyRotation: true,
      deletionWindowInDays: window,
      policy: Fn.jsonencode({ Version: '2012-10-17', Statement: statements }),
      tags: props.tags,
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.alias}`, targetKeyId: key.keyId });
    this.keyArn = key.arn;
    this.keyId = key.keyId;
  }
}
