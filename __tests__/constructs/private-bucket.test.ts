import { PrivateBucket, PrivateBucketProps } from '../../constructs/private-bucket';
import { expectPropsError, Json, single, synthConstruct } from '../support/construct';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/x';

function synthBucket(props: PrivateBucketProps): Json {
  return synthConstruct((stack) => new PrivateBucket(stack, 'b', props));
}

describe('PrivateBucket defaults (props omitted)', () => {
  test('a generated name, destroyable, not force-destroyed', () => {
    const bucket = single(synthBucket({ namePrefix: 'assets', kmsKeyArn: KEY }), 'aws_s3_bucket');
    expect(bucket).toMatchObject({ bucket_prefix: 'assets-', force_destroy: false });
    expect(bucket).not.toHaveProperty('lifecycle');
    expect(bucket).not.toHaveProperty('bucket');
  });

  test('never public: all four access blocks, SSE-KMS with a bucket key, versioning, no ACLs, TLS only', () => {
    const json = synthBucket({ namePrefix: 'assets', kmsKeyArn: KEY });
    expect(single(json, 'aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(single(json, 'aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KEY }, bucket_key_enabled: true },
    ]);
    expect(single(json, 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(single(json, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    const statements = single(json, 'aws_iam_policy_document', 'data').statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ sid: 'DenyInsecureTransport', effect: 'Deny', condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }] });
  });
});

describe('PrivateBucket props given', () => {
  test('a fixed name with prevent_destroy, for state buckets', () => {
    const json = synthBucket({ bucketName: 'team-terraform-state', kmsKeyArn: KEY, preventDestroy: true, forceDestroy: true });
    const bucket = single(json, 'aws_s3_bucket');
    expect(bucket).toMatchObject({ bucket: 'team-terraform-state', force_destroy: true, lifecycle: { prevent_destroy: true } });
    expect(bucket).not.toHaveProperty('bucket_prefix');
  });

  test('policyStatements join the TLS-only denial in the one bucket policy', () => {
    const extra = { sid: 'DenyOther', effect: 'Deny', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::team-terraform-state/*'], principals: [{ type: '*', identifiers: ['*'] }] };
    const json = synthBucket({ bucketName: 'team-terraform-state', kmsKeyArn: KEY, policyStatements: [extra] });
    expect(Object.keys(json.resource.aws_s3_bucket_policy)).toHaveLength(1);
    expect(single(json, 'aws_iam_policy_document', 'data').statement.map((st: { sid: string }) => st.sid)).toEqual(['DenyInsecureTransport', 'DenyOther']);
  });
});

describe('PrivateBucket refuses props it cannot work with, naming the prop', () => {
  const where = 'PrivateBucket test/b';
  const exactlyOne = `${where}: set exactly one of namePrefix (generated unique name) or bucketName (exact name)`;
  test.each<[string, PrivateBucketProps, string]>([
    ['no name at all', { kmsKeyArn: KEY }, exactlyOne],
    ['both a prefix and a name', { namePrefix: 'a', bucketName: 'b-bucket', kmsKeyArn: KEY }, exactlyOne],
    ['an empty prefix', { namePrefix: '', kmsKeyArn: KEY }, `${where}: namePrefix "" must be 1–37 lowercase letters, digits or hyphens`],
    ['a prefix with capitals', { namePrefix: 'Assets', kmsKeyArn: KEY }, `${where}: namePrefix "Assets" must be 1–37 lowercase letters, digits or hyphens`],
    ['a name with dots and capitals', { bucketName: 'My.Bucket', kmsKeyArn: KEY }, `${where}: bucketName "My.Bucket" must be 3–63 lowercase letters, digits or hyphens (no dots: TLS breaks on them)`],
    ['a two-letter name', { bucketName: 'ab', kmsKeyArn: KEY }, `${where}: bucketName "ab" must be 3–63 lowercase letters, digits or hyphens (no dots: TLS breaks on them)`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => synthBucket(props), message);
  });
});
