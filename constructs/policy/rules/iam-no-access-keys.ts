import { PolicyRule, Violation } from '../types';

/**
 * Checkov's nearest is CKV_AWS_273 (no IAM users). A long-lived access key is a password that
 * never expires and ends up in state, CI variables and laptops. Everything here authenticates
 * with roles: OIDC for CI, instance profiles for the host, EKS Pod Identity for pods.
 */
export const iamNoAccessKeys: PolicyRule = {
  id: 'CDC-IAM-3',
  checkov: ['CKV_AWS_273'],
  level: 'error',
  title: 'No IAM access keys (aws_iam_access_key) anywhere',
  appliesTo: ['aws_iam_access_key'],
  fix: 'remove the key: give the workload a role (EKS Pod Identity for pods, an instance profile for EC2, OIDC for CI)',
  check(): Violation[] {
    return [{ problem: 'an IAM access key is a long-lived credential' }];
  },
};
