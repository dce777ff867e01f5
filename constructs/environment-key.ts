import { InvalidPropsError } from './errors';
import { Construct } from 'constructs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';

export interface EnvironmentKeyProps {
  /** Alias name without the `alias/` prefix. */
  readonly alias: string;
  /** Days AWS waits before deleting the key after destroy (7–30). @default 30 */
  readonly deletionWindowInDays?: number;
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
    const window = props.deletionWindowInDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      throw new InvalidPropsError(`EnvironmentKey ${this.node.path}: deletionWindowInDays must be an integer from 7 to 30, got ${window}`);
    }
    const key = new KmsKey(this, 'key', {
      description: `CDC pipeline data key (${props.alias})`,
      enableKeyRotation: true,
      deletionWindowInDays: window,
      tags: props.tags,
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.alias}`, targetKeyId: key.keyId });
    this.keyArn = key.arn;
    this.keyId = key.keyId;
  }
}
