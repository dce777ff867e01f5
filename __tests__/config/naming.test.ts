import {
  bootstrapStackName, deployRoleName, deployServiceAccountId, PLAN_ROLE_NAME, PLAN_SERVICE_ACCOUNT_ID, stateKeyAliasName,
} from '../../config/naming';
import {
  AIRBYTE_HOST_ROLE, NAME_RULES, NAMING_CONSTANTS, airbyteCredentialsSecretPrefix, airbyteNamePrefix, airbyteStorageBucketPrefix,
  alertTopicName, alertWebhookSecretPrefix, assetsBucketPrefix, awsNamePrefix, datasetSuffix, deployGithubEnvironment,
  eksClusterName, ephemeralDatasetId, gcpServiceAccountId, hostReleaseParameterName, isEphemeralEnvironmentName, orchestratorConfigParameterName,
  orchestratorConnectionName, postgresStem, publicationName, pullRequestEnvironmentName, render, replicationSlotName,
  roleBoundaryPolicyName, ruleArguments, sourcePreparationParameterName, stackName, stateKey, workspaceName,
} from '../../config/naming';

describe('names derived from an environment name', () => {
  test.each([
    ['stackName', () => stackName('pr-12', 'kubernetes'), 'pr-12-kubernetes'],
    ['stateKey', () => stateKey('cdc', 'dev', 'dev-aws'), 'cdc/dev/dev-aws.tfstate'],
    ['orchestratorConfigParameterName', () => orchestratorConfigParameterName('dev'), '/dev/cdc/orchestrator-config'],
    ['hostReleaseParameterName', () => hostReleaseParameterName('dev'), '/dev/cdc/host-release'],
    ['sourcePreparationParameterName', () => sourcePreparationParameterName('pr-3'), '/pr-3/cdc/source-preparation'],
    ['awsNamePrefix', () => awsNamePrefix('prod'), 'cdc-prod'],
    ['eksClusterName', () => eksClusterName('prod'), 'cdc-prod'],
    ['alertTopicName', () => alertTopicName('dev'), 'cdc-dev-alerts'],
    ['assetsBucketPrefix', () => assetsBucketPrefix('dev'), 'cdc-dev-assets'],
    ['airbyteStorageBucketPrefix', () => airbyteStorageBucketPrefix('dev'), 'cdc-dev-airbyte-storage'],
    ['airbyteCredentialsSecretPrefix', () => airbyteCredentialsSecretPrefix('dev'), 'cdc-dev/airbyte/api-credentials-'],
    ['alertWebhookSecretPrefix', () => alertWebhookSecretPrefix('dev'), 'cdc-dev/alerts/webhook-url-'],
    ['roleBoundaryPolicyName', () => roleBoundaryPolicyName('ephemeral'), 'cdc-github-ephemeral-role-boundary'],
    ['replicationSlotName', () => replicationSlotName('pr-123'), 'airbyte_pr_123_slot'],
    ['publicationName', () => publicationName('test-Ab'), 'airbyte_test_ab_publication'],
    ['workspaceName', () => workspaceName('dev'), 'cdc-dev'],
    ['airbyteNamePrefix', () => airbyteNamePrefix('dev'), 'cdc-dev'],
    ['orchestratorConnectionName', () => orchestratorConnectionName('dev'), 'cdc-dev'],
    ['datasetSuffix', () => datasetSuffix('pr-123'), 'pr_123'],
    ['ephemeralDatasetId', () => ephemeralDatasetId('test-x1'), 'cdc_test_x1'],
    ['pullRequestEnvironmentName', () => pullRequestEnvironmentName(42), 'pr-42'],
    ['gcpServiceAccountId', () => gcpServiceAccountId('pr-42'), 'airbyte-pr-42'],
    ['postgresStem', () => postgresStem('A-b-C'), 'a_b_c'],
  ])('%s', (_, derive, expected) => {
    expect(derive()).toBe(expected);
  });

  test('deployGithubEnvironment: ephemeral environments share one GitHub environment', () => {
    expect(deployGithubEnvironment('pr-7', true)).toBe(NAMING_CONSTANTS.EPHEMERAL_GITHUB_ENVIRONMENT);
    expect(deployGithubEnvironment('prod', false)).toBe('prod');
  });

  test('isEphemeralEnvironmentName accepts pr-<number> and test-<word> only', () => {
    for (const name of ['pr-1', 'pr-123456', 'test-a', 'test-abc123']) expect(isEphemeralEnvironmentName(name)).toBe(true);
    for (const name of ['dev', 'prod', 'pr-', 'pr-1234567', 'pr-x', 'test-', 'test-A', 'test-a-b', 'xpr-1', 'pr-1x']) {
      expect(isEphemeralEnvironmentName(name)).toBe(false);
    }
  });

  test('the pull request pattern accepts what pullRequestEnvironmentName makes, and it is ephemeral', () => {
    const name = pullRequestEnvironmentName(99);
    expect(new RegExp(NAMING_CONSTANTS.PULL_REQUEST_ENVIRONMENT_PATTERN).test(name)).toBe(true);
    expect(isEphemeralEnvironmentName(name)).toBe(true);
    expect(new RegExp(NAMING_CONSTANTS.PULL_REQUEST_ENVIRONMENT_PATTERN).test('test-abc')).toBe(false);
  });

  test('ENVIRONMENT_NAME_PATTERN: lowercase letters, digits and hyphens, 2-20 chars, starting with a letter; ephemeral names fit it', () => {
    const valid = new RegExp(NAMING_CONSTANTS.ENVIRONMENT_NAME_PATTERN);
    for (const name of ['dev', 'pr-123456', 'test-abcdefghijklmn', 'a1']) expect(valid.test(name)).toBe(true);
    for (const name of ['d', 'Dev', '1dev', 'dev_1', 'a'.repeat(21)]) expect(valid.test(name)).toBe(false);
  });

  test('AIRBYTE_HOST_ROLE is the host tag the scripts look up', () => {
    expect(AIRBYTE_HOST_ROLE).toBe('airbyte-host');
  });

  test('ruleArguments lists the placeholders in order of first appearance', () => {
    expect(ruleArguments('stackName')).toEqual(['environment', 'role']);
    expect(ruleArguments('stateKey')).toEqual(['keyPrefix', 'environment', 'stack']);
    expect(ruleArguments('replicationSlotName')).toEqual(['environment']);
    expect(ruleArguments('roleBoundaryPolicyName')).toEqual(['githubEnvironment']);
  });

  test('render names a missing placeholder value', () => {
    expect(() => render('stackName', { environment: 'dev' })).toThrow('naming rule stackName needs a value for {role}');
  });

  test('every rule uses only known placeholders (a typo would leave a literal brace)', () => {
    for (const rule of Object.keys(NAME_RULES) as (keyof typeof NAME_RULES)[]) {
      const values = Object.fromEntries(ruleArguments(rule).map((a) => [a, 'x']));
      expect(render(rule, values)).not.toMatch(/[{}]/);
    }
  });
});

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
