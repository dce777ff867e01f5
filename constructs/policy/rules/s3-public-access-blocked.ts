import { PolicyRule, Violation } from '../types';
import { isLiteralTrue } from '../helpers/attributes';
import { companionsOf } from '../helpers/s3-bucket-links';

const FLAGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'] as const;

/**
 * Mirrors checkov CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56 and CKV2_AWS_6. The buckets here
 * hold the orchestrator bundle the host executes: a public policy or ACL would let anyone read it,
 * and all four switches keep a later change from making it public.
 */
export const s3PublicAccessBlocked: PolicyRule = {
  id: 'CDC-S3-1',
  checkov: ['CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56', 'CKV2_AWS_6'],
  level: 'error',
  title: 'Every S3 bucket has an aws_s3_bucket_public_access_block with all four settings true',
  appliesTo: ['aws_s3_bucket'],
  fix: 'add an S3BucketPublicAccessBlock with bucket: bucket.id and blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets all true',
  check(bucket, stack): Violation[] {
    const blocks = companionsOf(bucket, stack, 'aws_s3_bucket_public_access_block');
    if (blocks.length === 0) {
      return [{ problem: 'no aws_s3_bucket_public_access_block refers to this bucket' }];
    }
    const fullyBlocked = blocks.find((block) => FLAGS.every((flag) => isLiteralTrue(block.config[flag])));
    if (fullyBlocked) return [];
    return blocks.map((block) => ({
      problem: `${block.address} leaves ${FLAGS.filter((flag) => !isLiteralTrue(block.config[flag])).join(', ')} not true`,
    }));
  },
};
