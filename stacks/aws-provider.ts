import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack } from 'cdktf';
import { ResolvedEnvironment } from '../config';

/** The tags every AWS resource of an environment's stack carries (the deploy roles' conditions read `Environment`). */
export function environmentTags(env: ResolvedEnvironment, stackName: string): Record<string, string> {
  return { Environment: env.name, ManagedBy: 'cdktf', Stack: stackName, ...env.tags };
}

/** The AWS provider of an environment's stack: its region, the accounts it may touch, its tags. */
export function addEnvironmentAwsProvider(stack: TerraformStack, env: ResolvedEnvironment, stackName: string): AwsProvider {
  return new AwsProvider(stack, 'aws', {
    region: env.aws.region,
    allowedAccountIds: env.aws.allowedAccountIds ? [...env.aws.allowedAccountIds] : undefined,
    defaultTags: [{ tags: environmentTags(env, stackName) }],
  });
}
