import { PolicyRule, Violation } from '../types';
import { nonEmptyString } from '../helpers/attributes';

/**
 * Mirrors checkov CKV_AWS_149. Secrets Manager always encrypts, with the AWS-managed
 * aws/secretsmanager key when kms_key_id is unset; a customer managed key adds a key policy of its
 * own, auditable key usage, and is needed to share a secret across accounts. A warning rather
 * than an error: the managed key still keeps the value encrypted at rest and out of reach of any
 * principal without secretsmanager:GetSecretValue on the secret.
 */
export const secretsManagerKms: PolicyRule = {
  id: 'CDC-SM-1',
  checkov: ['CKV_AWS_149'],
  level: 'warning',
  title: 'Secrets Manager secrets name a KMS key (kms_key_id); the AWS-managed key only warns',
  appliesTo: ['aws_secretsmanager_secret'],
  fix: 'set kmsKeyId to a customer managed key (aws_kms_key with rotation enabled), or suppress CDC-SM-1 with the reason the AWS-managed key suffices',
  check(element): Violation[] {
    if (nonEmptyString(element.config.kms_key_id)) return [];
    return [{ problem: 'kms_key_id is not set, so the secret uses the AWS-managed aws/secretsmanager key' }];
  },
};
