import { InvalidPropsError } from './errors';
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';

export interface PrivateBucketProps {
  /**
   * Bucket name prefix; Terraform appends a unique suffix so names never collide across accounts.
   * Exactly one of `namePrefix` / `bucketName`.
   */
  readonly namePrefix?: string;
  /** Exact bucket name, for buckets others must find by name (e.g. Terraform state). */
  readonly bucketName?: string;
  /**
   * Make `terraform destroy` of the bucket fail (lifecycle prevent_destroy): for buckets whose
   * loss loses everything else, such as Terraform state.
   * @default false
   */
  readonly preventDestroy?: boolean;
  /** KMS key (ARN) for SSE-KMS default encryption. */
  readonly kmsKeyArn: string;
  /**
   * Let `terraform destroy` delete the bucket with its objects (ephemeral environments).
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * More statements for the bucket policy, next to the TLS-only denial (a bucket has one policy).
   * @default none
   */
  readonly policyStatements?: DataAwsIamPolicyDocumentStatement[];
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * An S3 bucket nobody can make public: all four public-access blocks, SSE-KMS with a bucket
 * key, versioning, object ownership enforced (no ACLs) and a policy that refuses plain HTTP.
 */
export class PrivateBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    if ((props.namePrefix === undefined) === (props.bucketName === undefined)) {
      throw new InvalidPropsError(`PrivateBucket ${this.node.path}: set exactly one of namePrefix (generated unique name) or bucketName (exact name)`);
    }
    if (props.namePrefix !== undefined && !/^[a-z0-9][a-z0-9-]{0,36}$/.test(props.namePrefix)) {
      throw new InvalidPropsError(`PrivateBucket ${this.node.path}: namePrefix ${JSON.stringify(props.namePrefix)} must be 1–37 lowercase letters, digits or hyphens`);
    }
    if (props.bucketName !== undefined && !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
      throw new InvalidPropsError(`PrivateBucket ${this.node.path}: bucketName ${JSON.stringify(props.bucketName)} must be 3–63 lowercase letters, digits or hyphens (no dots: TLS breaks on them)`);
    }
    this.bucket = new S3Bucket(this, 'bucket', {
      bucketPrefix: props.namePrefix !== undefined ? `${props.namePrefix}-` : undefined,
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      tags: props.tags,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;

    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true }],
    });
    new S3BucketVersioningA(this, 'versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    const tlsOnly = new DataAwsIamPolicyDocument(this, 'tls-only', {
      statement: [
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
        ...(props.policyStatements ?? []),
      ],
    });
    new S3BucketPolicy(this, 'policy', { bucket: this.bucket.id, policy: tlsOnly.json });
  }
}
