import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import { ResolvedEnvironment } from '../config';
import { stateKey } from '../config/naming';

/**
 * Local state by default (nothing to set up); S3 when the environment names a bucket. S3 uses
 * Terraform's native lockfile (`use_lockfile`, Terraform ≥ 1.10) instead of DynamoDB, which is
 * deprecated upstream; cdktf 0.21 has no prop for it, hence the override.
 */
export function configureBackend(stack: TerraformStack, env: ResolvedEnvironment, name: string): void {
  if (env.backend.type === 's3') {
    new S3Backend(stack, {
      bucket: env.backend.bucket,
      region: env.backend.region,
      key: stateKey(env.backend.keyPrefix, env.name, name),
      encrypt: true,
      // Without it Terraform uploads with SSE-S3, whatever the bucket's default says.
      kmsKeyId: env.backend.kmsKeyArn,
    });
    stack.addOverride('terraform.backend.s3.use_lockfile', true);
  } else {
    // Terraform runs in cdktf.out/stacks/<name>; three levels up is the project root, where
    // cdktf keeps local state by default. Relative, so the JSON is the same on every machine
    // and sibling stacks' remote-state lookups resolve to the same file.
    new LocalBackend(stack, { path: `../../../terraform.${name}.tfstate` });
  }
}
