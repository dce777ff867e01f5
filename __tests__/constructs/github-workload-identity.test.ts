import { Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { GithubServiceAccount, GithubWorkloadIdentity, GithubWorkloadIdentityProps, WORKLOAD_IDENTITY_SERVICES } from '../../constructs/github-workload-identity';
import { InvalidPropsError } from '../../constructs/errors';

type Json = Record<string, any>;

const deployer: GithubServiceAccount = {
  id: 'deploy-sa-dev',
  accountId: 'cdc-deploy-dev',
  displayName: 'GitHub deploys (dev)',
  subject: 'repo:acme/cdc-stack:environment:dev',
  roles: ['roles/bigquery.admin', 'roles/iam.serviceAccountAdmin'],
  conditions: { 'roles/iam.serviceAccountAdmin': { title: 'own-service-accounts', expression: 'resource.name.startsWith("x")' } },
};
const base: GithubWorkloadIdentityProps = {
  projectId: 'acme-data-dev',
  owner: 'acme',
  repository: 'cdc-stack',
  poolId: 'github-actions',
  providerId: 'github',
  serviceAccounts: [deployer],
};

function synth(props: Partial<GithubWorkloadIdentityProps> = {}): Json {
  const stack = new TerraformStack(Testing.app(), 'test');
  new GoogleProvider(stack, 'google', { project: 'acme-data-dev' });
  new GithubWorkloadIdentity(stack, 'identity', { ...base, ...props });
  return JSON.parse(Testing.synth(stack));
}
const all = (json: Json, type: string): Json[] => Object.values(json.resource[type] ?? {});

describe('GithubWorkloadIdentity', () => {
  test('a pool and an OIDC provider for GitHub that refuse tokens of any other repository', () => {
    const json = synth();
    expect(all(json, 'google_iam_workload_identity_pool')).toEqual([expect.objectContaining({ workload_identity_pool_id: 'github-actions', description: 'GitHub Actions of acme/cdc-stack' })]);
    const [provider] = all(json, 'google_iam_workload_identity_pool_provider');
    expect(provider).toMatchObject({
      workload_identity_pool_provider_id: 'github',
      oidc: { issuer_uri: 'https://token.actions.githubusercontent.com' },
      attribute_condition: 'assertion.repository == "acme/cdc-stack"',
    });
    expect(provider.attribute_mapping['google.subject']).toBe('assertion.sub');
  });

  test('default services: only what workload identity federation needs, never disabled on destroy; additional ones appended', () => {
    expect(all(synth(), 'google_project_service').map((s) => s.service)).toEqual(expect.arrayContaining([...WORKLOAD_IDENTITY_SERVICES]));
    expect(all(synth(), 'google_project_service')).toHaveLength(4);
    const withMore = all(synth({ additionalServices: ['bigquery.googleapis.com'] }), 'google_project_service');
    expect(withMore.map((s) => s.service).sort()).toEqual([...WORKLOAD_IDENTITY_SERVICES, 'bigquery.googleapis.com'].sort());
    expect(withMore.every((s) => s.disable_on_destroy === false)).toBe(true);
  });

  test('a service account only the exact subject may impersonate, with its project roles and their conditions', () => {
    const json = synth();
    expect(all(json, 'google_service_account')).toEqual([expect.objectContaining({ account_id: 'cdc-deploy-dev', display_name: 'GitHub deploys (dev)' })]);
    const [impersonation] = all(json, 'google_service_account_iam_member');
    expect(impersonation.role).toBe('roles/iam.workloadIdentityUser');
    expect(impersonation.member).toMatch(/^principal:\/\/iam\.googleapis\.com\/\$\{google_iam_workload_identity_pool\.[\w-]+\.name\}\/subject\/repo:acme\/cdc-stack:environment:dev$/);
    const grants = all(json, 'google_project_iam_member');
    expect(grants.map((g) => g.role).sort()).toEqual(['roles/bigquery.admin', 'roles/iam.serviceAccountAdmin']);
    expect(grants.find((g) => g.role === 'roles/bigquery.admin')).not.toHaveProperty('condition');
    expect(grants.find((g) => g.role === 'roles/iam.serviceAccountAdmin')!.condition).toEqual({ title: 'own-service-accounts', expression: 'resource.name.startsWith("x")' });
  });

  test('a custom role is created and granted to its account alone (default: none)', () => {
    expect(synth().resource.google_project_iam_custom_role).toBeUndefined();
    const json = synth({
      serviceAccounts: [deployer, { id: 'plan-sa', accountId: 'cdc-plan', displayName: 'plans', subject: 'repo:acme/cdc-stack:pull_request', roles: [], customRole: { roleId: 'cdcPlanStorageRead', title: 't', description: 'd', permissions: ['storage.buckets.get'] } }],
    });
    const [key, role] = Object.entries(json.resource.google_project_iam_custom_role)[0] as [string, Json];
    expect(role).toMatchObject({ role_id: 'cdcPlanStorageRead', permissions: ['storage.buckets.get'] });
    const grants = all(json, 'google_project_iam_member').filter((g) => g.role === `\${google_project_iam_custom_role.${key}.name}`);
    expect(grants).toHaveLength(1);
    const planKey = Object.entries(json.resource.google_service_account).find(([, a]) => (a as Json).account_id === 'cdc-plan')![0];
    expect(grants[0].member).toBe(`serviceAccount:\${google_service_account.${planKey}.email}`);
  });

  test.each<[string, Partial<GithubWorkloadIdentityProps>, RegExp]>([
    ['projectId', { projectId: 'x' }, /projectId "x" must be a GCP project id/],
    ['owner', { owner: 'a/b' }, /owner "a\/b" must be a GitHub name/],
    ['repository', { repository: 'two words' }, /repository "two words" must be a GitHub name/],
    ['poolId', { poolId: 'gcp-pool' }, /poolId "gcp-pool" must be 4 to 32 of lowercase letters, digits, "-", not starting with "gcp-"/],
    ['providerId', { providerId: 'gh' }, /providerId "gh" must be 4 to 32/],
    ['additionalServices', { additionalServices: ['bigquery'] }, /additionalServices\[0\] "bigquery" must be an API/],
    ['serviceAccounts', { serviceAccounts: [] }, /serviceAccounts is empty/],
    ['serviceAccounts[].id', { serviceAccounts: [deployer, deployer] }, /serviceAccounts\[1\]\.id "deploy-sa-dev" is used twice/],
    ['serviceAccounts[].accountId', { serviceAccounts: [{ ...deployer, accountId: 'cdc' }] }, /serviceAccounts\[0\]\.accountId "cdc" must be 6 to 30/],
    ['serviceAccounts[].subject', { serviceAccounts: [{ ...deployer, subject: 'repo:other/repo:pull_request' }] }, /serviceAccounts\[0\]\.subject "repo:other\/repo:pull_request" is not a job of acme\/cdc-stack/],
    ['serviceAccounts[].roles', { serviceAccounts: [{ ...deployer, roles: ['bigquery.admin'] }] }, /serviceAccounts\[0\]\.roles\[0\] "bigquery.admin" must be a role/],
    ['serviceAccounts[].conditions', { serviceAccounts: [{ ...deployer, roles: ['roles/bigquery.admin'] }] }, /serviceAccounts\[0\]\.conditions names roles\/iam.serviceAccountAdmin, which is not one of its roles/],
    ['serviceAccounts[].customRole', { serviceAccounts: [{ ...deployer, customRole: { roleId: 'r', title: 't', description: 'd', permissions: ['a.b.c'] } }] }, /serviceAccounts\[0\]\.customRole\.roleId "r" must be 3 to 64/],
    ['serviceAccounts[].customRole', { serviceAccounts: [{ ...deployer, customRole: { roleId: 'cdcRole', title: 't', description: 'd', permissions: [] } }] }, /serviceAccounts\[0\]\.customRole\.permissions is empty/],
  ])('refuses a bad %s, naming it and the construct path', (_prop, props, message) => {
    expect(() => synth(props)).toThrow(InvalidPropsError);
    expect(() => synth(props)).toThrow(message);
    expect(() => synth(props)).toThrow(/^GithubWorkloadIdentity test\/identity: /);
  });
});
