import { environmentPatterns, gcpDeployRoleConditions, planStatements, roleBoundaryStatements, unscopedDeployStatements } from '../../stacks/deploy-permissions';
import { AccountArns, allow, when } from '../../stacks/iam-statement';

const arns = new AccountArns('eu-west-1', '123456789012');
const state = { bucketArn: 'arn:aws:s3:::state', keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k', keyPrefix: 'cdc-bigquery' };

describe('the deploy permission list (data; the whole roles are checked in bootstrap-stack.test.ts)', () => {
  test('allow() and when() build the statement and condition shapes of every grant', () => {
    expect(allow('Sid', ['s3:GetObject'], ['arn:aws:s3:::b/*'], [when('StringEquals', 'k', ['v'])])).toEqual({
      sid: 'Sid', effect: 'Allow', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'], condition: [{ test: 'StringEquals', variable: 'k', values: ['v'] }],
    });
    expect(allow('Sid', ['s3:GetObject'], ['*']).condition).toBeUndefined();
  });

  test('ARNs: regional, global (IAM) and AWS-owned (no account)', () => {
    expect(arns.ec2('vpc/*')).toBe('arn:aws:ec2:eu-west-1:123456789012:vpc/*');
    expect(arns.iam('role/cdc-dev-*')).toBe('arn:aws:iam::123456789012:role/cdc-dev-*');
    expect(arns.publicImages()).toBe('arn:aws:ec2:eu-west-1::image/*');
    expect(arns.eks('cluster/cdc-dev')).toBe('arn:aws:eks:eu-west-1:123456789012:cluster/cdc-dev');
  });

  test('the ephemeral GitHub environment deploys pull request and test environments; others their namesake', () => {
    expect(environmentPatterns('ephemeral')).toEqual(['pr-*', 'test-*']);
    expect(environmentPatterns('prod')).toEqual(['prod']);
  });

  test('ephemeral grants also require the Ephemeral tag', () => {
    const [createKey] = unscopedDeployStatements({ patterns: ['pr-*'], ephemeral: true });
    expect(createKey.condition).toEqual([
      { test: 'StringLike', variable: 'aws:RequestTag/Environment', values: ['pr-*'] },
      { test: 'StringEquals', variable: 'aws:RequestTag/Ephemeral', values: ['true'] },
    ]);
    expect(unscopedDeployStatements({ patterns: ['dev'], ephemeral: false })[0].condition).toHaveLength(1);
  });

  test('names follow config/naming.ts: cdc-<env> resources, airbyte-<env> service accounts', () => {
    const secrets = roleBoundaryStatements(arns, { patterns: ['pr-*'], ephemeral: true }).find((s) => s.sid === 'EnvironmentSecrets')!;
    expect(secrets.resources).toEqual(['arn:aws:secretsmanager:eu-west-1:123456789012:secret:cdc-pr-*/*', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!*']);
    const own = gcpDeployRoleConditions(['pr-*', 'test-*'])['roles/iam.serviceAccountAdmin'].expression;
    expect(own).toBe('resource.name.extract("serviceAccounts/{account}").startsWith("airbyte-pr-") || resource.name.extract("serviceAccounts/{account}").startsWith("airbyte-test-")');
  });

  test('plans read state and write only lock files', () => {
    const statements = planStatements(arns, ['dev'], state);
    expect(statements.find((s) => s.sid === 'StateObjects')).toMatchObject({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::state/cdc-bigquery/dev/*'] });
    expect(statements.find((s) => s.sid === 'StateLockFiles')!.resources).toEqual(['arn:aws:s3:::state/cdc-bigquery/dev/*.tflock']);
  });
});
