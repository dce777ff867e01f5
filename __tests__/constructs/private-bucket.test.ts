import { Testing, TerraformStack } from 'cdktf';
import { PrivateBucket } from '../../constructs/private-bucket';
import { InvalidPropsError } from '../../constructs/errors';

function synthBucket(props: ConstructorParameters<typeof PrivateBucket>[2]) {
  const stack = new TerraformStack(Testing.app(), 'test');
  new PrivateBucket(stack, 'b', props);
  return JSON.parse(Testing.synth(stack));
}

describe('PrivateBucket', () => {
  test('a fixed name with prevent_destroy, for state buckets', () => {
    const json = synthBucket({ bucketName: 'team-terraform-state', kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/x', preventDestroy: true });
    const [bucket] = Object.values(json.resource.aws_s3_bucket) as Array<Record<string, any>>;
    expect(bucket.bucket).toBe('team-terraform-state');
    expect(bucket).not.toHaveProperty('bucket_prefix');
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
    expect(Object.keys(json.resource.aws_s3_bucket_public_access_block)).toHaveLength(1);
  });

  test('a generated name by default, destroyable', () => {
    const json = synthBucket({ namePrefix: 'assets', kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/x' });
    const [bucket] = Object.values(json.resource.aws_s3_bucket) as Array<Record<string, any>>;
    expect(bucket.bucket_prefix).toBe('assets-');
    expect(bucket).not.toHaveProperty('lifecycle');
  });

  test('policyStatements join the TLS-only denial in the one bucket policy', () => {
    const extra = { sid: 'DenyOther', effect: 'Deny', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::team-terraform-state/*'], principals: [{ type: '*', identifiers: ['*'] }] };
    const json = synthBucket({ bucketName: 'team-terraform-state', kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/x', policyStatements: [extra] });
    expect(Object.keys(json.resource.aws_s3_bucket_policy)).toHaveLength(1);
    const [document] = Object.values(json.data.aws_iam_policy_document) as Array<Record<string, any>>;
    expect(document.statement.map((st: { sid: string }) => st.sid)).toEqual(['DenyInsecureTransport', 'DenyOther']);
    const plain = synthBucket({ bucketName: 'team-terraform-state', kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/x' });
    expect((Object.values(plain.data.aws_iam_policy_document) as Array<Record<string, any>>)[0].statement).toHaveLength(1);
  });

  test('exactly one naming option, and valid names', () => {
    expect(() => synthBucket({ kmsKeyArn: 'k' })).toThrow(InvalidPropsError);
    expect(() => synthBucket({ namePrefix: 'a', bucketName: 'b-bucket', kmsKeyArn: 'k' })).toThrow('set exactly one of namePrefix');
    expect(() => synthBucket({ bucketName: 'My.Bucket', kmsKeyArn: 'k' })).toThrow('bucketName "My.Bucket" must be 3–63 lowercase');
  });
});
