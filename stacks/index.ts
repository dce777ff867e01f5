import { App } from 'cdktf';
import { ResolvedEnvironment } from '../config';
import { AirbyteStack } from './airbyte-stack';
import { AwsStack, AwsStackOptions } from './aws-stack';
import { GcpStack } from './gcp-stack';

export { AirbyteStack } from './airbyte-stack';
export { AwsStack, DEFAULT_ORCHESTRATOR_BUNDLE } from './aws-stack';
export type { AwsStackOptions } from './aws-stack';
export { GcpStack } from './gcp-stack';
export * from './naming';

export interface EnvironmentStacks {
  readonly aws: AwsStack;
  readonly gcp: GcpStack;
  readonly airbyte: AirbyteStack;
}

/** Defines one environment's three stacks (`<env>-aws`, `<env>-gcp`, `<env>-airbyte`) in `app`. */
export function defineEnvironmentStacks(app: App, env: ResolvedEnvironment, options: AwsStackOptions = {}): EnvironmentStacks {
  const aws = new AwsStack(app, env, options);
  const gcp = new GcpStack(app, env);
  const airbyte = new AirbyteStack(app, env, aws, gcp);
  return { aws, gcp, airbyte };
}
