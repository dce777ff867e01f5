import { PolicyRule, Violation } from '../types';
import { blocks, firstBlock } from '../helpers/attributes';
import { companionsOf } from '../helpers/s3-bucket-links';

const ACCEPTED_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'];

/**
 * Mirrors checkov CKV_AWS_145 in part: the bucket must declare default encryption. Unlike
 * CKV_AWS_145 we accept SSE-S3 (AES256): the bucket holds the orchestrator bundle, not secrets,
 * and a KMS key would add a key policy the host role must also be granted. Declaring it
 * explicitly keeps the setting visible and under review.
 */
export const s3Encrypted: PolicyRule = {
  id: 'CDC-S3-2',
  checkov: ['CKV_AWS_145'],
  level: 'error',
  title: 'Every S3 bucket declares default encryption (aws_s3_bucket_server_side_encryption_configuration)',
  appliesTo: ['aws_s3_bucket'],
  fix: 'add an S3BucketServerSideEncryptionConfigurationA with bucket: bucket.id and rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" or "aws:kms" } }]',
  check(bucket, stack): Violation[] {
    const configurations = companionsOf(bucket, stack, 'aws_s3_bucket_server_side_encryption_configuration');
    // The deprecated inline block still works on provider 6.x; accept it rather than demand a rewrite.
    const inline = blocks(firstBlock(bucket.config.server_side_encryption_configuration)?.rule);
    const rules = [...configurations.flatMap((configuration) => blocks(configuration.config.rule)), ...inline];
    if (configurations.length === 0 && inline.length === 0) {
      return [{ problem: 'no aws_s3_bucket_server_side_encryption_configuration refers to this bucket' }];
    }
    const encrypted = rules.some((rule) => {
      const algorithm = firstBlock(rule.apply_server_side_encryption_by_default)?.sse_algorithm;
      return typeof algorithm === 'string' && ACCEPTED_ALGORITHMS.includes(algorithm);
    });
    if (encrypted) return [];
    return [{ problem: `the encryption configuration sets no sse_algorithm among ${ACCEPTED_ALGORITHMS.join(', ')}` }];
  },
};
