import { PolicyRule } from '../types';
import { requireLiteralTrue } from '../helpers/checks';

/** Mirrors checkov CKV_AWS_3: standalone EBS volumes are encrypted at rest. */
export const ebsVolumeEncrypted: PolicyRule = {
  id: 'CDC-EBS-2',
  checkov: ['CKV_AWS_3'],
  level: 'error',
  title: 'Standalone EBS volumes (aws_ebs_volume) are encrypted',
  appliesTo: ['aws_ebs_volume'],
  fix: 'set encrypted: true (optionally kmsKeyId for a customer managed key)',
  check: requireLiteralTrue('encrypted'),
};
