import { TerraformStack } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

const allBlocked = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

function privateBucket(stack: TerraformStack, id: string): S3Bucket {
  const bucket = new S3Bucket(stack, id, { bucketPrefix: `${id}-` });
  new S3BucketPublicAccessBlock(stack, `${id}-public-access`, { bucket: bucket.id, ...allBlocked });
  new S3BucketServerSideEncryptionConfigurationA(stack, `${id}-encryption`, {
    bucket: bucket.bucket,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  });
  return bucket;
}

describe('CDC-S3-1 public access blocked', () => {
  it('accepts a bucket whose public access block refers to it with all four settings', () => {
    const findings = findingsOf((stack) => privateBucket(stack, 'assets'));
    expect(pathsFlagged(findings, 'CDC-S3-1')).toEqual([]);
  });

  it('flags a bucket with no public access block, even when another bucket has one', () => {
    const findings = findingsOf((stack) => {
      privateBucket(stack, 'assets');
      new S3Bucket(stack, 'assets2', {});
    });
    expect(pathsFlagged(findings, 'CDC-S3-1')).toEqual(['test/assets2']);
  });

  it('names the settings left off', () => {
    const findings = findingsOf((stack) => {
      const bucket = new S3Bucket(stack, 'assets', {});
      new S3BucketPublicAccessBlock(stack, 'partial', { bucket: bucket.id, ...allBlocked, restrictPublicBuckets: false });
    });
    expect(pathsFlagged(findings, 'CDC-S3-1')).toEqual(['test/assets']);
    expect(findingsOfRule(findings, 'CDC-S3-1')[0].problem).toContain('restrict_public_buckets');
  });

  it('matches a public access block naming the bucket literally', () => {
    const findings = findingsOf((stack) => {
      new S3Bucket(stack, 'assets', { bucket: 'dev-assets' });
      new S3BucketPublicAccessBlock(stack, 'block', { bucket: 'dev-assets', ...allBlocked });
    });
    expect(pathsFlagged(findings, 'CDC-S3-1')).toEqual([]);
  });
});

describe('CDC-S3-2 default encryption', () => {
  it('accepts AES256 and aws:kms configurations', () => {
    const findings = findingsOf((stack) => {
      privateBucket(stack, 'sse-s3');
      const kms = new S3Bucket(stack, 'kms', {});
      new S3BucketServerSideEncryptionConfigurationA(stack, 'kms-encryption', {
        bucket: kms.id,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/assets' } }],
      });
    });
    expect(pathsFlagged(findings, 'CDC-S3-2')).toEqual([]);
  });

  it('flags a bucket with no encryption configuration', () => {
    const findings = findingsOf((stack) => {
      const bucket = new S3Bucket(stack, 'assets', {});
      new S3BucketPublicAccessBlock(stack, 'block', { bucket: bucket.id, ...allBlocked });
    });
    expect(pathsFlagged(findings, 'CDC-S3-2')).toEqual(['test/assets']);
    expect(findingsOfRule(findings, 'CDC-S3-2')[0].message).toContain('[CDC-S3-2/CKV_AWS_145] test/assets (aws_s3_bucket.assets)');
  });
});
