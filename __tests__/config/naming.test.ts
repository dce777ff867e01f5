import {
  bootstrapStackName, deployRoleName, deployServiceAccountId, gcpServiceAccountId, PLAN_ROLE_NAME, PLAN_SERVICE_ACCOUNT_ID, roleBoundaryPolicyName, stateKeyAliasName,
} from '../../config/naming';

describe('bootstrap names (stacks/bootstrap-stack.ts; the README and the workflows\' variables name them)', () => {
  test('stack, state key alias', () => {
    expect(bootstrapStackName('nonprod')).toBe('bootstrap-nonprod');
    expect(stateKeyAliasName('prod')).toBe('alias/cdc-terraform-state-prod');
  });

  test('AWS roles and the boundary of the roles a deploy creates', () => {
    expect(deployRoleName('ephemeral')).toBe('cdc-github-deploy-ephemeral');
    expect(PLAN_ROLE_NAME).toBe('cdc-github-plan');
    expect(roleBoundaryPolicyName('dev')).toBe('cdc-github-dev-role-boundary');
  });

  test('GCP service accounts: ids are cut at GCP\'s 30 characters', () => {
    expect(deployServiceAccountId('dev')).toBe('cdc-deploy-dev');
    expect(deployServiceAccountId('a-very-long-github-environment')).toBe('cdc-deploy-a-very-long-github-');
    expect(deployServiceAccountId('a-very-long-github-environment')).toHaveLength(30);
    expect(PLAN_SERVICE_ACCOUNT_ID).toBe('cdc-plan');
    expect(gcpServiceAccountId('pr-12')).toBe('airbyte-pr-12');
  });
});
