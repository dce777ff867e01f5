import { App } from 'cdktf';
import { ResolvedEnvironment } from '../config';
import { AirbyteStack } from './airbyte-stack';
import { AwsStack, AwsStackOptions } from './aws-stack';
import { GcpStack } from './gcp-stack';
import { KubernetesStack } from './kubernetes-stack';

export { AirbyteStack } from './airbyte-stack';
export { AwsStack, DEFAULT_ORCHESTRATOR_BUNDLE } from './aws-stack';
export type { AwsStackOptions } from './aws-stack';
export { GcpStack } from './gcp-stack';
export { KubernetesStack } from './kubernetes-stack';
export * from '../config/naming';

export interface EnvironmentStacks {
  readonly aws: AwsStack;
  readonly gcp: GcpStack;
  readonly airbyte: AirbyteStack;
  /** eks-helm hosting only. */
  readonly kubernetes?: KubernetesStack;
}

/**
 * Defines one environment's stacks in `app`: `<env>-aws`, `<env>-gcp`, `<env>-airbyte`, and
 * `<env>-kubernetes` (before `<env>-airbyte`) when Airbyte runs on EKS.
 */
export function defineEnvironmentStacks(app: App, env: ResolvedEnvironment, options: AwsStackOptions = {}): EnvironmentStacks {
  const aws = new AwsStack(app, env, options);
  const gcp = new GcpStack(app, env);
  const kubernetes = env.hosting.mode === 'eks-helm' ? new KubernetesStack(app, env, aws, gcp, options) : undefined;
  const airbyte = new AirbyteStack(app, env, aws, gcp);
  if (kubernetes) airbyte.addDependency(kubernetes);
  return { aws, gcp, airbyte, kubernetes };
}
