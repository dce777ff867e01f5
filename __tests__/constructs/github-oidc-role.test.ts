import { Testing, TerraformStack } from 'cdktf';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { applyPolicyPack } from '../../constructs/policy';
import { GithubOidcRole, GithubOidcRoleProps, githubSubject } from '../../constructs/github-oidc-role';
import { InvalidPropsError } from '../../constructs/errors';
import { UserError } from '../../constructs/user-error';

type Json = Record<string, any>;

const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const base: GithubOidcRoleProps = {
  oidcProviderArn: PROVIDER_ARN,
  owner: 'acme',
  repository: 'cdc-stack',
  trustedJobs: { environment: 'dev' },
  roleName: 'cdc-github-deploy-dev',
  description: 'deploys of dev',
  policies: [
    { id: 'state', name: 'cdc-github-deploy-dev-state', description: 'state', statements: [{ sid: 'State', effect: 'Allow', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::state/*'] }] },
    { id: 'search', name: 'cdc-github-deploy-dev-search', description: 'search', statements: [{ sid: 'Search', effect: 'Allow', actions: ['tag:GetResources'], resources: ['*'] }], suppressions: { 'CDC-IAM-2': 'tag:GetResources has no resource-level permission' } },
  ],
};

function synth(props: Partial<GithubOidcRoleProps> = {}): { json: Json; role: GithubOidcRole; stack: TerraformStack } {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const role = new GithubOidcRole(stack, 'deploy', { ...base, ...props });
  return { json: JSON.parse(Testing.synth(stack)), role, stack };
}

const documents = (json: Json): Json[] => Object.values(json.data.aws_iam_policy_document);
const trustOf = (json: Json): Json => documents(json).find((d) => d.statement[0].sid === 'GitHubActionsOidc')!;

describe('GithubOidcRole', () => {
  test('trusted only by the exact subject of one GitHub environment, for the sts audience', () => {
    const { json } = synth();
    expect(trustOf(json).statement).toEqual([
      {
        sid: 'GitHubActionsOidc',
        effect: 'Allow',
        actions: ['sts:AssumeRoleWithWebIdentity'],
        principals: [{ type: 'Federated', identifiers: [PROVIDER_ARN] }],
        condition: [
          { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:aud', values: ['sts.amazonaws.com'] },
          { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:sub', values: ['repo:acme/cdc-stack:environment:dev'] },
        ],
      },
    ]);
  });

  test('pull request jobs: the pull_request subject', () => {
    expect(githubSubject('acme', 'cdc-stack', 'pull_request')).toBe('repo:acme/cdc-stack:pull_request');
    const { json } = synth({ trustedJobs: 'pull_request' });
    expect(trustOf(json).statement[0].condition[1].values).toEqual(['repo:acme/cdc-stack:pull_request']);
  });

  test('a reference to a provider created in the same stack is accepted', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const provider = new IamOpenidConnectProvider(stack, 'oidc', { url: 'https://token.actions.githubusercontent.com', clientIdList: ['sts.amazonaws.com'] });
    new GithubOidcRole(stack, 'plan', { ...base, oidcProviderArn: provider.arn });
    const json = JSON.parse(Testing.synth(stack));
    expect(trustOf(json).statement[0].principals[0].identifiers).toEqual(['${aws_iam_openid_connect_provider.oidc.arn}']);
  });

  test('each policy is a managed policy of its own statements, attached to the role', () => {
    const { json, role } = synth();
    const policies = Object.values(json.resource.aws_iam_policy) as Json[];
    expect(policies.map((p) => p.name).sort()).toEqual(['cdc-github-deploy-dev-search', 'cdc-github-deploy-dev-state']);
    const state = policies.find((p) => p.name === 'cdc-github-deploy-dev-state')!;
    const id = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(state.policy)![1];
    expect(json.data.aws_iam_policy_document[id].statement.map((st: Json) => st.sid)).toEqual(['State']);
    expect(Object.keys(role.policies)).toEqual(['state', 'search']);
    const roleKey = Object.keys(json.resource.aws_iam_role)[0];
    const attachments = Object.values(json.resource.aws_iam_role_policy_attachment) as Json[];
    expect(attachments).toHaveLength(2);
    for (const attachment of attachments) expect(attachment.role).toBe(`\${aws_iam_role.${roleKey}.name}`);
    expect(attachments.map((a) => a.policy_arn).sort()).toEqual(Object.keys(json.resource.aws_iam_policy).map((key) => `\${aws_iam_policy.${key}.arn}`).sort());
  });

  test('a policy\'s suppressions exempt its document only (the policy pack passes)', () => {
    const { stack } = synth();
    const pack = applyPolicyPack(stack, { print: false });
    Testing.synth(stack);
    expect(pack.errors).toEqual([]);
    const suppressed = pack.findings.filter((f) => f.suppressedReason);
    expect(suppressed.map((f) => [f.ruleId, f.path])).toEqual([['CDC-IAM-2', 'test/deploy/search-document']]);
    // Without it, the same grant is an error.
    const unsuppressed = new TerraformStack(Testing.app(), 'bare');
    new GithubOidcRole(unsuppressed, 'deploy', { ...base, policies: [{ ...base.policies[1], suppressions: undefined }] });
    const bare = applyPolicyPack(unsuppressed, { print: false });
    Testing.synth(unsuppressed);
    expect(bare.errors.map((f) => f.ruleId)).toEqual(['CDC-IAM-2']);
  });

  test('defaults: no max_session_duration (IAM\'s hour); a given one is written', () => {
    const role = (json: Json) => Object.values(json.resource.aws_iam_role)[0] as Json;
    expect(role(synth().json)).not.toHaveProperty('max_session_duration');
    expect(role(synth({ maxSessionDuration: 4 * 3600 }).json).max_session_duration).toBe(14400);
    expect(role(synth().json)).toMatchObject({ name: 'cdc-github-deploy-dev', description: 'deploys of dev' });
  });

  test.each<[string, Partial<GithubOidcRoleProps>, RegExp]>([
    ['oidcProviderArn', { oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/example.com' }, /oidcProviderArn "arn:aws:iam::123456789012:oidc-provider\/example.com" must be the ARN of a token.actions.githubusercontent.com OIDC provider/],
    ['owner', { owner: 'acme corp' }, /owner "acme corp" must be a GitHub name/],
    ['repository', { repository: '' }, /repository "" must be a GitHub name/],
    ['trustedJobs', { trustedJobs: { environment: '' } }, /trustedJobs must be 'pull_request' or \{ environment: <GitHub environment name> \}/],
    ['roleName', { roleName: 'x'.repeat(65) }, /roleName "x{65}" must be an IAM role name/],
    ['maxSessionDuration', { maxSessionDuration: 60 }, /maxSessionDuration must be an integer from 3600 to 43200, got 60/],
    ['policies', { policies: [] }, /policies is empty/],
    ['policies[].id', { policies: [base.policies[0], { ...base.policies[1], id: 'state' }] }, /policies\[1\]\.id "state" is used twice/],
    ['policies[].id', { policies: [{ ...base.policies[0], id: 'State Policy' }] }, /policies\[0\]\.id "State Policy" must be lowercase letters, digits and "-"/],
    ['policies[].statements', { policies: [{ ...base.policies[0], statements: [] }] }, /policies\[0\] \("state"\) has no statements/],
  ])('refuses a bad %s, naming it and the construct path', (_prop, props, message) => {
    expect(() => synth(props)).toThrow(InvalidPropsError);
    expect(() => synth(props)).toThrow(message);
    expect(() => synth(props)).toThrow(/^GithubOidcRole test\/deploy: /);
    expect(InvalidPropsError.prototype).toBeInstanceOf(UserError);
  });
});
