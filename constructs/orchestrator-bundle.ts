import { InvalidPropsError } from './errors';
import { Construct } from 'constructs';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AssetType, TerraformAsset } from 'cdktf';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';

export interface OrchestratorBundleProps {
  /** Absolute path of the single-file bundle (dist/orchestrator.js, `npm run build:orchestrator`). */
  readonly bundlePath: string;
  /** Bucket (name) the bundle is uploaded to. */
  readonly bucketName: string;
  /** ARN of that bucket. */
  readonly bucketArn: string;
  /** KMS key for the object. */
  readonly kmsKeyArn: string;
}

/**
 * Ships one file of the orchestrator release (the bundle, a host tool, a seed) as a
 * TerraformAsset into the private asset bucket. The object key carries the content hash, so a
 * new file is a new object, and the host verifies the sha256 it is given before using it.
 */
export class OrchestratorBundle extends Construct {
  /** sha256 (hex) of the bundle file. */
  readonly sha256: string;
  readonly objectKey: string;
  readonly objectArn: string;
  /** The uploaded object, for resources that must wait for it. */
  readonly object: S3Object;

  constructor(scope: Construct, id: string, props: OrchestratorBundleProps) {
    super(scope, id);
    if (!fs.existsSync(props.bundlePath)) {
      throw new InvalidPropsError(
        `OrchestratorBundle ${this.node.path}: bundlePath ${props.bundlePath} does not exist; run \`npm run build:orchestrator\` (npm run synth does it for you)`,
      );
    }
    const content = fs.readFileSync(props.bundlePath);
    this.sha256 = crypto.createHash('sha256').update(content).digest('hex');
    const asset = new TerraformAsset(this, 'asset', { path: props.bundlePath, type: AssetType.FILE });
    this.objectKey = `orchestrator/${this.sha256.slice(0, 16)}/${path.basename(props.bundlePath)}`;
    this.object = new S3Object(this, 'object', {
      bucket: props.bucketName,
      key: this.objectKey,
      source: asset.path,
      sourceHash: asset.assetHash,
      kmsKeyId: props.kmsKeyArn,
      serverSideEncryption: 'aws:kms',
      contentType: 'application/javascript',
    });
    this.objectArn = `${props.bucketArn}/${this.objectKey}`;
  }
}
