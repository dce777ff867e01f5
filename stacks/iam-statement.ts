import { DataAwsIamPolicyDocumentStatement, DataAwsIamPolicyDocumentStatementCondition } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';

/** One IAM policy statement, as `DataAwsIamPolicyDocument` takes it. */
export type Statement = DataAwsIamPolicyDocumentStatement;
/** The conditions of one statement; all must hold. */
export type Conditions = DataAwsIamPolicyDocumentStatementCondition[];

/**
 * An Allow statement: the shape of nearly every grant of the deploy, plan and boundary policies.
 * `sid` names it in the synthesized document so a reviewer (and the tests) can find it.
 */
export function allow(sid: string, actions: readonly string[], resources: readonly string[], condition?: Conditions): Statement {
  return { sid, effect: 'Allow', actions: [...actions], resources: [...resources], condition };
}

/** One condition: `test` (`StringEquals`, `StringLike`, `ArnEquals`, `Null`, ...) of `variable` against `values`. */
export function when(test: string, variable: string, values: readonly string[]): DataAwsIamPolicyDocumentStatementCondition {
  return { test, variable, values: [...values] };
}

/** ARNs of one account and region (the partition is `aws`: the bootstrap targets are commercial regions). */
export class AccountArns {
  constructor(
    readonly region: string,
    readonly account: string,
  ) {}
  private arn(service: string, resource: string, regional = true, withAccount = true): string {
    return `arn:aws:${service}:${regional ? this.region : ''}:${withAccount ? this.account : ''}:${resource}`;
  }
  ec2(resource: string) { return this.arn('ec2', resource); }
  publicImages() { return this.arn('ec2', 'image/*', true, false); }
  rds(resource: string) { return this.arn('rds', resource); }
  iam(resource: string) { return this.arn('iam', resource, false); }
  kms(resource: string) { return this.arn('kms', resource); }
  secretsmanager(resource: string) { return this.arn('secretsmanager', resource); }
  ssm(resource: string) { return this.arn('ssm', resource); }
  publicParameters() { return this.arn('ssm', 'parameter/aws/service/*', true, false); }
  ssmDocument(name: string) { return this.arn('ssm', `document/${name}`, true, false); }
  sns(resource: string) { return this.arn('sns', resource); }
  cloudwatch(resource: string) { return this.arn('cloudwatch', resource); }
  logs(resource: string) { return this.arn('logs', resource); }
  eks(resource: string) { return this.arn('eks', resource); }
}
