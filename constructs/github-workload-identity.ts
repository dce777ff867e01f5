import { Construct } from 'constructs';
import { IamWorkloadIdentityPool } from '@cdktf/provider-google/lib/iam-workload-identity-pool';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { InvalidPropsError } from './errors';
import { GITHUB_NAME, GITHUB_NAME_EXPECTED, GITHUB_OIDC_URL, ID_STEM, ID_STEM_EXPECTED } from './github-oidc-role';
import { checkPattern } from './prop-checks';

/** The APIs workload identity federation itself needs; always enabled. */
export const WORKLOAD_IDENTITY_SERVICES: readonly string[] = ['iam.googleapis.com', 'iamcredentials.googleapis.com', 'sts.googleapis.com', 'cloudresourcemanager.googleapis.com'];

/** A project-level custom role, granted to its service account alone. */
export interface GithubCustomRole {
  /** Custom role id, e.g. `cdcPlanStorageRead` (letters, digits, "_" and "."). */
  readonly roleId: string;
  readonly title: string;
  readonly description: string;
  /** At least one permission, e.g. `storage.buckets.get`. */
  readonly permissions: readonly string[];
}

/** A service account that jobs with one `sub` claim impersonate. */
export interface GithubServiceAccount {
  /** Construct id stem of the account and its grants; unique within the construct. */
  readonly id: string;
  /** GCP service account id (6 to 30 characters). */
  readonly accountId: string;
  readonly displayName: string;
  /** The `sub` claim of the jobs that may impersonate it (constructs/github-oidc-role.ts `githubSubject`). */
  readonly subject: string;
  /** Project roles granted to the account (`roles/...`). */
  readonly roles: readonly string[];
  /**
   * IAM conditions of some of `roles`, by role; each key must be one of `roles`.
   * @default none: every grant is unconditional
   */
  readonly conditions?: Readonly<Record<string, { readonly title: string; readonly expression: string }>>;
  /**
   * A custom role created in the project and granted to this account.
   * @default none
   */
  readonly customRole?: GithubCustomRole;
}

export interface GithubWorkloadIdentityProps {
  readonly projectId: string;
  /** Repository owner; tokens of any other repository are refused by the provider itself. */
  readonly owner: string;
  readonly repository: string;
  /** Workload identity pool id (4 to 32 of lowercase letters, digits, "-"; not starting with `gcp-`). */
  readonly poolId: string;
  /** Pool provider id (same rules as `poolId`). */
  readonly providerId: string;
  /**
   * APIs the service accounts' work needs, enabled besides WORKLOAD_IDENTITY_SERVICES.
   * @default none
   */
  readonly additionalServices?: readonly string[];
  readonly serviceAccounts: readonly GithubServiceAccount[];
}

const POOL_ID = /^(?!gcp-)[a-z0-9-]{4,32}$/;
const ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * GitHub Actions jobs of one repository acting in a GCP project without keys: a workload identity
 * pool and an OIDC provider that accept only this repository's tokens, and service accounts that
 * jobs with one exact `sub` claim may impersonate, each with its project roles.
 */
export class GithubWorkloadIdentity extends Construct {
  readonly pool: IamWorkloadIdentityPool;
  readonly provider: IamWorkloadIdentityPoolProvider;
  /** `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`: the auth action's `workload_identity_provider`. */
  readonly providerName: string;
  /** The service accounts, by their `id`. */
  readonly serviceAccounts: Readonly<Record<string, ServiceAccount>>;

  constructor(scope: Construct, id: string, props: GithubWorkloadIdentityProps) {
    super(scope, id);
    validate(`GithubWorkloadIdentity ${this.node.path}`, props);
    const services = [...WORKLOAD_IDENTITY_SERVICES, ...(props.additionalServices ?? [])].map(
      (service) => new ProjectService(this, `service-${service.split('.')[0]}`, { service, disableOnDestroy: false }),
    );
    this.pool = new IamWorkloadIdentityPool(this, 'pool', {
      workloadIdentityPoolId: props.poolId,
      displayName: 'GitHub Actions',
      description: `GitHub Actions of ${props.owner}/${props.repository}`,
      dependsOn: services,
    });
    this.provider = new IamWorkloadIdentityPoolProvider(this, 'provider', {
      workloadIdentityPoolId: this.pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: props.providerId,
      displayName: 'GitHub OIDC',
      oidc: { issuerUri: GITHUB_OIDC_URL },
      attributeMapping: {
        'google.subject': 'assertion.sub',
        'attribute.repository': 'assertion.repository',
        'attribute.environment': 'assertion.environment',
        'attribute.event_name': 'assertion.event_name',
      },
      // Tokens of any other repository are refused before any binding is looked at.
      attributeCondition: `assertion.repository == "${props.owner}/${props.repository}"`,
    });
    this.providerName = this.provider.name;

    const accounts: Record<string, ServiceAccount> = {};
    for (const spec of props.serviceAccounts) {
      const customRole = spec.customRole
        ? new ProjectIamCustomRole(this, `${spec.id}-custom-role`, {
            project: props.projectId,
            roleId: spec.customRole.roleId,
            title: spec.customRole.title,
            description: spec.customRole.description,
            permissions: [...spec.customRole.permissions],
            dependsOn: services,
          })
        : undefined;
      const account = new ServiceAccount(this, spec.id, { accountId: spec.accountId, displayName: spec.displayName, dependsOn: services });
      new ServiceAccountIamMember(this, `${spec.id}-workload-identity`, {
        serviceAccountId: account.name,
        role: 'roles/iam.workloadIdentityUser',
        member: `principal://iam.googleapis.com/${this.pool.name}/subject/${spec.subject}`,
      });
      const member = `serviceAccount:${account.email}`;
      for (const role of spec.roles) {
        new ProjectIamMember(this, `${spec.id}-${role.replace(/^.*roles\//, '').replace(/\./g, '-')}`, {
          project: props.projectId,
          role,
          member,
          condition: spec.conditions?.[role],
        });
      }
      if (customRole) new ProjectIamMember(this, `${spec.id}-custom-role-member`, { project: props.projectId, role: customRole.name, member });
      accounts[spec.id] = account;
    }
    this.serviceAccounts = accounts;
  }
}

function validate(where: string, props: GithubWorkloadIdentityProps): void {
  const fail = (message: string) => new InvalidPropsError(`${where}: ${message}`);
  checkPattern(where, 'projectId', props.projectId, PROJECT_ID, 'a GCP project id (6 to 30 of lowercase letters, digits, "-")');
  for (const field of ['owner', 'repository'] as const) checkPattern(where, field, props[field], GITHUB_NAME, GITHUB_NAME_EXPECTED);
  for (const field of ['poolId', 'providerId'] as const) checkPattern(where, field, props[field], POOL_ID, '4 to 32 of lowercase letters, digits, "-", not starting with "gcp-"');
  for (const [i, service] of (props.additionalServices ?? []).entries()) checkPattern(where, `additionalServices[${i}]`, service, /^[a-z0-9-]+\.googleapis\.com$/, 'an API such as bigquery.googleapis.com');
  if (props.serviceAccounts.length === 0) throw fail('serviceAccounts is empty; a pool nobody can use is not needed');
  const ids = new Set<string>();
  for (const [i, account] of props.serviceAccounts.entries()) {
    const at = `serviceAccounts[${i}]`;
    checkPattern(where, `${at}.id`, account.id, ID_STEM, ID_STEM_EXPECTED);
    if (ids.has(account.id)) throw fail(`${at}.id "${account.id}" is used twice`);
    ids.add(account.id);
    checkPattern(where, `${at}.accountId`, account.accountId, ACCOUNT_ID, '6 to 30 of lowercase letters, digits, "-", starting with a letter');
    if (!account.subject?.startsWith(`repo:${props.owner}/${props.repository}:`)) {
      throw fail(`${at}.subject ${JSON.stringify(account.subject)} is not a job of ${props.owner}/${props.repository} (repo:<owner>/<repository>:...)`);
    }
    for (const [j, role] of account.roles.entries()) checkPattern(where, `${at}.roles[${j}]`, role, /^(projects\/[^/]+\/)?roles\/[A-Za-z0-9_.]+$/, 'a role such as roles/bigquery.jobUser');
    for (const role of Object.keys(account.conditions ?? {})) {
      if (!account.roles.includes(role)) throw fail(`${at}.conditions names ${role}, which is not one of its roles`);
    }
    if (account.customRole && account.customRole.permissions.length === 0) throw fail(`${at}.customRole.permissions is empty`);
    if (account.customRole) checkPattern(where, `${at}.customRole.roleId`, account.customRole.roleId, /^[A-Za-z0-9_.]{3,64}$/, '3 to 64 of letters, digits, "_" or "."');
  }
}
