import { Construct, Node } from 'constructs';
import { LocalBackend, TerraformElement, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider';
import { ResolvedBootstrapConfig } from '../config/bootstrap';
import {
  bootstrapStackName, deployRoleName, deployServiceAccountId, EPHEMERAL_GITHUB_ENVIRONMENT, PLAN_ROLE_NAME, PLAN_SERVICE_ACCOUNT_ID, roleBoundaryPolicyName, stateKeyAliasName,
} from '../config/naming';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_URL, GithubOidcRole, githubSubject } from '../constructs/github-oidc-role';
import { GithubWorkloadIdentity } from '../constructs/github-workload-identity';
import { suppressRule } from '../constructs/policy';
import { PrivateBucket } from '../constructs/private-bucket';
import {
  deployStatements, DeployTarget, environmentPatterns, gcpDeployRoleConditions, planStatements, PLAN_STORAGE_PERMISSIONS, ROLE_BOUNDARY_REASON, roleBoundaryStatements,
  StateLocation, UNSCOPED_DEPLOY_REASON, unscopedDeployStatements,
} from './deploy-permissions';
import { AccountArns } from './iam-statement';

// Names and helpers other modules (tests, docs) have imported from here.
export { bootstrapStackName, deployRoleName, EPHEMERAL_GITHUB_ENVIRONMENT, PLAN_ROLE_NAME } from '../config/naming';
export { GITHUB_OIDC_HOST, GITHUB_OIDC_URL, githubSubject } from '../constructs/github-oidc-role';
export { ATTACHABLE_MANAGED_POLICIES, environmentPatterns, PLAN_STORAGE_PERMISSIONS } from './deploy-permissions';

/**
 * Once per AWS account + GCP project, by hand: what the delivery workflows need.
 * - The Terraform state bucket: versioned, SSE-KMS with a rotating key, all public-access
 *   blocks, ACLs disabled, TLS only, uploads of state only under that key, `prevent_destroy`.
 * - The GitHub OIDC provider; per GitHub environment a deploy role trusted only by that
 *   environment's jobs, reaching only resources tagged for its environments, creating roles
 *   only under the permissions boundary made here; a plan role reading state and data sources
 *   (constructs/github-oidc-role.ts; what each may do: stacks/deploy-permissions.ts).
 * - A GCP workload identity pool + provider accepting only this repository's tokens, deploy
 *   service accounts whose IAM grants are limited by conditions, and a plan service account
 *   (constructs/github-workload-identity.ts).
 *
 * Its own state is local (the bucket cannot hold the state of the stack that creates it).
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBucket: S3Bucket;
  readonly stateKey: KmsKey;
  readonly deployRoles: Record<string, IamRole> = {};
  readonly roleBoundaries: Record<string, IamPolicy> = {};
  readonly planRole: IamRole;
  readonly workloadIdentityProvider: IamWorkloadIdentityPoolProvider;
  /** Construct id (a child of this stack) → the address each of its elements had before the split. */
  private readonly previousAddresses = new Map<string, (id: string) => string>();

  constructor(scope: Construct, config: ResolvedBootstrapConfig) {
    const name = bootstrapStackName(config.name);
    super(scope, name);
    const { aws, gcp, github } = config;
    new LocalBackend(this, { path: `../../../terraform.${name}.tfstate` });
    new AwsProvider(this, 'aws', {
      region: aws.region,
      allowedAccountIds: [aws.accountId],
      defaultTags: [{ tags: { ...config.tags, ManagedBy: name } }],
    });
    new GoogleProvider(this, 'google', { project: gcp.projectId });

    // ---- Terraform state bucket -------------------------------------------------------------
    this.stateKey = new KmsKey(this, 'state-key', {
      description: `Terraform state of the CDC stacks (${name})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, 'state-key-alias', { name: stateKeyAliasName(config.name), targetKeyId: this.stateKey.keyId });
    // Losing the bucket loses every environment's state: destroying it takes a code change.
    const bucket = new PrivateBucket(this, 'state', {
      bucketName: aws.stateBucketName,
      kmsKeyArn: this.stateKey.arn,
      preventDestroy: true,
      policyStatements: [
        {
          // Terraform sends encrypt=true without kms_key_id as SSE-S3, whatever the bucket default
          // says; state (passwords, keys) must be under the rotating state key. A missing header
          // counts as "not equal". Lock files carry no secret and are left out.
          sid: 'DenyStateNotUnderStateKey',
          effect: 'Deny',
          actions: ['s3:PutObject'],
          resources: [`arn:aws:s3:::${aws.stateBucketName}/*.tfstate`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'StringNotEquals', variable: 's3:x-amz-server-side-encryption-aws-kms-key-id', values: [this.stateKey.arn] }],
        },
      ],
    });
    this.stateBucket = bucket.bucket;
    const state: StateLocation = { bucketArn: this.stateBucket.arn, keyArn: this.stateKey.arn, keyPrefix: aws.stateKeyPrefix };
    const arns = new AccountArns(aws.region, aws.accountId);

    // ---- GitHub OIDC and roles ---------------------------------------------------------------
    const oidcProviderArn = aws.existingOidcProviderArn ?? new IamOpenidConnectProvider(this, 'github-oidc', { url: GITHUB_OIDC_URL, clientIdList: [GITHUB_OIDC_AUDIENCE] }).arn;
    const repository = { oidcProviderArn, owner: github.owner, repository: github.repository };

    for (const environment of github.environments) {
      const target: DeployTarget = { patterns: environmentPatterns(environment), ephemeral: environment === EPHEMERAL_GITHUB_ENVIRONMENT };
      const patterns = target.patterns.join(', ');
      const roleName = deployRoleName(environment);
      const boundaryDocument = new DataAwsIamPolicyDocument(this, `role-boundary-document-${environment}`, { statement: roleBoundaryStatements(arns, target) });
      suppressRule(boundaryDocument, 'CDC-IAM-2', ROLE_BOUNDARY_REASON);
      const boundary = new IamPolicy(this, `role-boundary-${environment}`, {
        name: roleBoundaryPolicyName(environment),
        description: `Most that roles created by ${roleName} may ever do (${patterns})`,
        policy: boundaryDocument.json,
      });
      this.roleBoundaries[environment] = boundary;
      const groups = Object.entries(deployStatements(arns, target, state, boundary.arn)).map(([group, statements]) => ({
        id: group,
        name: `${roleName}-${group}`,
        description: `What cdktf deploy/destroy of ${patterns} needs (${group})`,
        statements,
      }));
      this.keepAddresses(`deploy-${environment}`, (part) => {
        if (part === 'trust' || part === 'role') return `deploy-${part}-${environment}`;
        // <group>-document was deploy-<group>-<env>; <group>-policy, -attachment deploy-<group>-policy-<env>, ...
        const [, group, kind] = /^(.+)-(document|policy|attachment)$/.exec(part) ?? [];
        return kind === 'document' ? `deploy-${group}-${environment}` : `deploy-${group}-${kind}-${environment}`;
      });
      const role = new GithubOidcRole(this, `deploy-${environment}`, {
        ...repository,
        trustedJobs: { environment },
        roleName,
        description: `GitHub Actions deploys of ${patterns} from ${github.owner}/${github.repository} (environment ${environment})`,
        // A first deploy waits for the Airbyte host (up to ~40 min) on top of RDS creation.
        maxSessionDuration: 4 * 3600,
        policies: [
          ...groups,
          {
            id: 'unscoped',
            name: `${roleName}-unscoped`,
            description: 'kms:CreateKey and tag:GetResources, which AWS authorizes only on "*"',
            statements: unscopedDeployStatements(target),
            suppressions: { 'CDC-IAM-2': UNSCOPED_DEPLOY_REASON },
          },
        ],
      });
      this.deployRoles[environment] = role.role;
    }

    const planned = github.environments.filter((e) => e !== EPHEMERAL_GITHUB_ENVIRONMENT).flatMap(environmentPatterns);
    const planJobs = github.planEnvironment ? { environment: github.planEnvironment } : 'pull_request';
    this.keepAddresses('plan', (part) => ({ trust: 'plan-trust', role: 'plan-role', 'permissions-document': 'plan-permissions', 'permissions-policy': 'plan-policy', 'permissions-attachment': 'plan-policy-attachment' })[part] ?? part);
    const plan = new GithubOidcRole(this, 'plan', {
      ...repository,
      trustedJobs: planJobs,
      roleName: PLAN_ROLE_NAME,
      description: `Plan-only (cdktf diff) of ${planned.join(', ') || 'nothing'} for pull requests of ${github.owner}/${github.repository}`,
      policies: [
        {
          id: 'permissions',
          name: `${PLAN_ROLE_NAME}-permissions`,
          description: 'State read, plan lock files and the data sources of cdktf diff -refresh=false',
          statements: planStatements(arns, planned, state),
        },
      ],
    });
    this.planRole = plan.role;

    // ---- GCP workload identity federation ----------------------------------------------------
    const subject = (jobs: { environment: string } | 'pull_request') => githubSubject(github.owner, github.repository, jobs);
    this.keepAddresses('github-workload-identity', (part) => ({ pool: 'github-pool', provider: 'github-provider', 'plan-sa-custom-role': 'plan-storage-role', 'plan-sa-custom-role-member': 'plan-sa-storage-read' })[part] ?? part);
    const identity = new GithubWorkloadIdentity(this, 'github-workload-identity', {
      projectId: gcp.projectId,
      owner: github.owner,
      repository: github.repository,
      poolId: gcp.workloadIdentityPoolId,
      providerId: gcp.workloadIdentityProviderId,
      // What the environments' GCP stacks create: datasets, the staging bucket.
      additionalServices: ['bigquery.googleapis.com', 'storage.googleapis.com'],
      serviceAccounts: [
        ...github.environments.map((environment) => ({
          id: `deploy-sa-${environment}`,
          accountId: deployServiceAccountId(environment),
          displayName: `GitHub deploys (${environment})`,
          subject: subject({ environment }),
          roles: gcp.deployRoles,
          conditions: gcpDeployRoleConditions(environmentPatterns(environment)),
        })),
        {
          id: 'plan-sa',
          accountId: PLAN_SERVICE_ACCOUNT_ID,
          displayName: 'GitHub pull request plans',
          subject: subject(planJobs),
          roles: gcp.planRoles,
          customRole: {
            roleId: 'cdcPlanStorageRead',
            title: 'CDC plan: staging bucket and HMAC key metadata',
            description: 'Reads the GCS staging bucket and its HMAC key metadata, for plans of the GCP stack',
            permissions: PLAN_STORAGE_PERMISSIONS,
          },
        },
      ],
    });
    this.workloadIdentityProvider = identity.provider;

    // ---- what the workflows' variables are set to --------------------------------------------
    new TerraformOutput(this, 'state_bucket', { value: this.stateBucket.bucket, description: 'backend.bucket of the environments' });
    new TerraformOutput(this, 'state_kms_key_arn', { value: this.stateKey.arn, description: 'backend.kmsKeyArn of the environments' });
    new TerraformOutput(this, 'aws_plan_role_arn', {
      value: this.planRole.arn,
      description: github.planEnvironment
        ? `variable AWS_PLAN_ROLE_ARN of GitHub environment ${github.planEnvironment}`
        : 'repository variable AWS_PLAN_ROLE_ARN_<ENV> for each environment of this target',
    });
    new TerraformOutput(this, 'gcp_workload_identity_provider', {
      value: identity.providerName,
      description: 'variable GCP_WORKLOAD_IDENTITY_PROVIDER (projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>)',
    });
    for (const environment of github.environments) {
      const key = environment.replace(/-/g, '_');
      new TerraformOutput(this, `aws_deploy_role_arn_${key}`, { value: this.deployRoles[environment].arn, description: `variable AWS_DEPLOY_ROLE_ARN of GitHub environment ${environment}` });
      new TerraformOutput(this, `gcp_deploy_service_account_${key}`, {
        value: identity.serviceAccounts[`deploy-sa-${environment}`].email,
        description: `variable GCP_DEPLOY_SERVICE_ACCOUNT of GitHub environment ${environment}`,
      });
    }
    new TerraformOutput(this, 'gcp_plan_service_account', {
      value: identity.serviceAccounts['plan-sa'].email,
      description: github.planEnvironment
        ? `variable GCP_PLAN_SERVICE_ACCOUNT of GitHub environment ${github.planEnvironment}`
        : 'repository variable GCP_PLAN_SERVICE_ACCOUNT_<ENV> for each environment of this target',
    });
  }

  /**
   * Deployed bootstrap stacks keep their state (local, applied by hand) under the Terraform
   * addresses their resources had when this stack created them itself, before they moved into
   * constructs. cdktf would give an element inside a construct a new address (the construct path
   * plus a hash), and Terraform would destroy and recreate the roles, policies and the identity
   * pool; so each element of the construct `constructId` keeps `previous(<its id>)`. Registered
   * before the construct is created: an element's address is fixed when first read.
   */
  private keepAddresses(constructId: string, previous: (id: string) => string): void {
    this.previousAddresses.set(constructId, previous);
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const below = node.scopes.slice(node.scopes.indexOf(this) + 1);
    const previous = below.length === 2 ? this.previousAddresses.get(below[0].node.id) : undefined;
    return previous ? previous(node.id) : super.allocateLogicalId(element);
  }
}
