import { PolicyRule, Violation } from '../types';
import { blocks, firstBlock, nonEmptyString, stringList } from '../helpers/attributes';

/**
 * Mirrors checkov CKV_AWS_58. Kubernetes secrets (Airbyte's database login, the orchestrator's
 * credentials) sit in etcd; envelope encryption with a customer key makes reading them need
 * that key too, and lets access be revoked in one place. It cannot be removed once enabled.
 */
export const eksSecretsEncrypted: PolicyRule = {
  id: 'CDC-EKS-2',
  checkov: ['CKV_AWS_58'],
  level: 'error',
  title: 'EKS cluster envelope-encrypts Kubernetes secrets with a KMS key',
  appliesTo: ['aws_eks_cluster'],
  fix: 'set encryptionConfig: { resources: ["secrets"], provider: { keyArn: <the environment key> } }',
  check(element): Violation[] {
    const configs = blocks(element.config.encryption_config);
    const covering = configs.find((config) => stringList(config.resources).includes('secrets'));
    if (!covering) return [{ problem: 'no encryption_config covers "secrets"' }];
    if (!nonEmptyString(firstBlock(covering.provider)?.key_arn)) return [{ problem: 'the encryption_config for secrets names no provider.key_arn' }];
    return [];
  },
};
