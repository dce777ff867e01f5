import { PrivateBucket } from '../constructs/private-bucket';
import { Construct } from 'constructs';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement, DataAwsIamPolicyDocumentStatementCondition } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { IamWorkloadIdentityPool } from '@cdktf/provider-google/lib/iam-workload-identity-pool';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { ResolvedBootstrapConfig } from '../config/bootstrap';
import { suppressRule } from '../constructs/policy';
import { EKS_EC2_CHANGE_ACTIONS, EKS_EC2_CREATE_ACTIONS, EKS_MANAGED_POLICIES, eksDeployStatements, eksPlanStatements, eksRoleBoundaryStatements } from './eks-deploy-permissions';

import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { BIGQUERY_TARGET_PROJECT_ROLES } from '../constructs/bigquery-target';
import { EPHEMERAL_GITHUB_ENVIRONMENT, roleBoundaryPolicyName } from '../config/naming';

export { EPHEMERAL_GITHUB_ENVIRONMENT } from '../config/naming';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;

/** `bootstrap-<target>`. */
export function bootstrapStackName(target: string): string {
  return `bootstrap-${target}`;
}

/** AWS role names, so the README and the workflows' variables can be derived from them. */
export function deployRoleName(githubEnvironment: string): string {
  return `cdc-github-deploy-${githubEnvironment}`;
}
export const PLAN_ROLE_NAME = 'cdc-github-plan';

/**
 * The only managed policies deploy roles may attach to the roles they create: what the stacks
 * attach (the host's Session Manager agent, constructs/airbyte-host/index.ts).
 */
export const ATTACHABLE_MANAGED_POLICIES: readonly string[] = ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', ...EKS_MANAGED_POLICIES];

/** Custom GCP role of the plan service account: what plans of the GCS staging bucket read. */
export const PLAN_STORAGE_PERMISSIONS: readonly string[] = ['storage.buckets.get', 'storage.hmacKeys.get'];

/** The `sub` claim GitHub puts in a job's OIDC token. */
export function githubSubject(owner: string, repository: string, context: { environment: string } | 'pull_request'): string {
  return context === 'pull_request' ? `repo:${owner}/${repository}:pull_request` : `repo:${owner}/${repository}:environment:${context.environment}`;
}

/**
 * Environment names (the cdktf ones) a GitHub environment deploys, as IAM wildcard patterns:
 * `ephemeral` deploys every pull request environment, any other GitHub environment the
 * cdktf environment of the same name.
 */
export function environmentPatterns(githubEnvironment: string): string[] {
  return githubEnvironment === EPHEMERAL_GITHUB_ENVIRONMENT ? ['pr-*', 'test-*'] : [githubEnvironment];
}

/** The environments' GCP service accounts (`airbyte-<env>`, config/validate.ts), as name prefixes. */
function serviceAccountPrefixes(patterns: string[]): string[] {
  return patterns.map((p) => `airbyte-${p.replace(/\*$/, '')}`);
}

type Condition = DataAwsIamPolicyDocumentStatementCondition[];

/**
 * Tag conditions that tie an action to a GitHub environment's own resources: the stacks tag
 * every AWS resource `Environment=<env>` (provider default tags), and ephemeral environments
 * also `Ephemeral=true`. `key` is `aws:ResourceTag` for existing resources, `aws:RequestTag`
 * for the tags a create call carries.
 */
function tagConditions(key: 'aws:ResourceTag' | 'aws:RequestTag', patterns: string[], ephemeral: boolean, ifExists = false): Condition {
  const conditions: Condition = [{ test: ifExists ? 'StringLikeIfExists' : 'StringLike', variable: `${key}/Environment`, values: patterns }];
  if (ephemeral) conditions.push({ test: ifExists ? 'StringEqualsIfExists' : 'StringEquals', variable: `${key}/Ephemeral`, values: ['true'] });
  return conditions;
}

/**
 * Once per AWS account + GCP project, by hand: what the delivery workflows need.
 * - The Terraform state bucket: versioned, SSE-KMS with a rotating key, all public-access
 *   blocks, ACLs disabled, TLS only, uploads of state only under that key, `prevent_destroy`.
 * - The GitHub OIDC provider; per GitHub environment a deploy role trusted only by that
 *   environment's jobs, reaching only resources tagged for its environments, creating roles
 *   only under the permissions boundary made here; a plan role reading state and data sources.
 * - A GCP workload identity pool + provider accepting only this repository's tokens, deploy
 *   service accounts whose IAM grants are limited by conditions, and a plan service account.
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
    new KmsAlias(this, 'state-key-alias', { name: `alias/cdc-terraform-state-${config.name}`, targetKeyId: this.stateKey.keyId });
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

    // ---- GitHub OIDC and roles ---------------------------------------------------------------
    const oidcProviderArn =
      aws.existingOidcProviderArn ??
      new IamOpenidConnectProvider(this, 'github-oidc', {
        url: GITHUB_OIDC_URL,
        clientIdList: ['sts.amazonaws.com'],
      }).arn;

    const trust = (id: string, subjects: string[]) =>
      new DataAwsIamPolicyDocument(this, id, {
        statement: [
          {
            sid: 'GitHubActionsOidc',
            effect: 'Allow',
            actions: ['sts:AssumeRoleWithWebIdentity'],
            principals: [{ type: 'Federated', identifiers: [oidcProviderArn] }],
            // StringEquals, not StringLike: only these exact subjects of this repository.
            condition: [
              { test: 'StringEquals', variable: `${GITHUB_OIDC_HOST}:aud`, values: ['sts.amazonaws.com'] },
              { test: 'StringEquals', variable: `${GITHUB_OIDC_HOST}:sub`, values: subjects },
            ],
          },
        ],
      });

    const arns = new AccountArns(aws.region, aws.accountId);
    const stateObjects = (patterns: string[]) => patterns.map((p) => `${this.stateBucket.arn}/${aws.stateKeyPrefix}/${p}/*`);
    const stateKeyUse: DataAwsIamPolicyDocumentStatement = {
      sid: 'StateKey',
      effect: 'Allow',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [this.stateKey.arn],
    };
    const stateList: DataAwsIamPolicyDocumentStatement = { sid: 'StateList', effect: 'Allow', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [this.stateBucket.arn] };

    for (const environment of github.environments) {
      const patterns = environmentPatterns(environment);
      const ephemeral = environment === EPHEMERAL_GITHUB_ENVIRONMENT;
      const boundary = new IamPolicy(this, `role-boundary-${environment}`, {
        name: roleBoundaryPolicyName(environment),
        description: `Most that roles created by ${deployRoleName(environment)} may ever do (${patterns.join(', ')})`,
        policy: boundaryDocument(this, `role-boundary-document-${environment}`, arns, patterns, ephemeral).json,
      });
      this.roleBoundaries[environment] = boundary;
      const role = new IamRole(this, `deploy-role-${environment}`, {
        name: deployRoleName(environment),
        description: `GitHub Actions deploys of ${patterns.join(', ')} from ${github.owner}/${github.repository} (environment ${environment})`,
        assumeRolePolicy: trust(`deploy-trust-${environment}`, [githubSubject(github.owner, github.repository, { environment })]).json,
        // A first deploy waits for the Airbyte host (up to ~40 min) on top of RDS creation.
        maxSessionDuration: 4 * 3600,
      });
      this.deployRoles[environment] = role;
      // Several managed policies: IAM caps each at 6,144 characters.
      const statements = deployStatements(arns, patterns, ephemeral, boundary.arn);
      const groups: Record<string, DataAwsIamPolicyDocumentStatement[]> = {
        state: [
          stateList,
          { sid: 'StateObjects', effect: 'Allow', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: stateObjects(patterns) },
          stateKeyUse,
          // The state key is the one key here no environment owns: no deploy may change, disable or delete it.
          { sid: 'StateKeyUntouchable', effect: 'Deny', notActions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [this.stateKey.arn] },
          ...statements.read,
        ],
        network: statements.network,
        data: statements.data,
        iam: statements.iam,
        resources: statements.named,
        // eks-helm hosting (stacks/eks-hosting.ts): its own policy, each stays under 6,144 characters.
        eks: eksDeployStatements(aws.region, aws.accountId, patterns),
      };
      for (const [group, statement] of Object.entries(groups)) {
        const permissions = new DataAwsIamPolicyDocument(this, `deploy-${group}-${environment}`, { statement });
        const policy = new IamPolicy(this, `deploy-${group}-policy-${environment}`, {
          name: `${deployRoleName(environment)}-${group}`,
          description: `What cdktf deploy/destroy of ${patterns.join(', ')} needs (${group})`,
          policy: permissions.json,
        });
        new IamRolePolicyAttachment(this, `deploy-${group}-attachment-${environment}`, { role: role.name, policyArn: policy.arn });
      }
      // Actions AWS authorizes only on "*", isolated so the suppression covers them alone.
      const unscoped = new DataAwsIamPolicyDocument(this, `deploy-unscoped-${environment}`, {
        statement: [
          // The key does not exist yet: only the tags it is created with can be checked.
          { sid: 'CreateEnvironmentKey', effect: 'Allow', actions: ['kms:CreateKey'], resources: ['*'], condition: tagConditions('aws:RequestTag', patterns, ephemeral) },
          // scripts/stack.sh stale-ephemeral finds pull request environments by their Ephemeral tag.
          { sid: 'FindTaggedResources', effect: 'Allow', actions: ['tag:GetResources'], resources: ['*'] },
        ],
      });
      suppressRule(unscoped, 'CDC-IAM-2', 'kms:CreateKey (the key does not exist yet; its request tags are checked) and tag:GetResources (a search) have no resource-level permissions in AWS');
      const unscopedPolicy = new IamPolicy(this, `deploy-unscoped-policy-${environment}`, {
        name: `${deployRoleName(environment)}-unscoped`,
        description: 'kms:CreateKey and tag:GetResources, which AWS authorizes only on "*"',
        policy: unscoped.json,
      });
      new IamRolePolicyAttachment(this, `deploy-unscoped-attachment-${environment}`, { role: role.name, policyArn: unscopedPolicy.arn });
    }

    // ---- plan role: state, lock files, data sources; no secret values, no sessions -----------
    // Pull request plans run with -refresh=false (scripts/stack.sh diff --refresh=false): they
    // read the recorded state and the data sources, never a resource's current values (the
    // secret versions would need their values); <env>-airbyte is planned by the deploy.
    const planned = github.environments.filter((e) => e !== EPHEMERAL_GITHUB_ENVIRONMENT).flatMap(environmentPatterns);
    const planSubject = github.planEnvironment ? githubSubject(github.owner, github.repository, { environment: github.planEnvironment }) : githubSubject(github.owner, github.repository, 'pull_request');
    this.planRole = new IamRole(this, 'plan-role', {
      name: PLAN_ROLE_NAME,
      description: `Plan-only (cdktf diff) of ${planned.join(', ') || 'nothing'} for pull requests of ${github.owner}/${github.repository}`,
      assumeRolePolicy: trust('plan-trust', [planSubject]).json,
    });
    const planPermissions = new DataAwsIamPolicyDocument(this, 'plan-permissions', {
      statement: [
        stateList,
        { sid: 'StateObjects', effect: 'Allow', actions: ['s3:GetObject'], resources: stateObjects(planned) },
        // A plan run with the lock (by a person with this role) writes <key>.tflock beside the state.
        { sid: 'StateLockFiles', effect: 'Allow', actions: ['s3:PutObject', 's3:DeleteObject'], resources: planned.map((p) => `${this.stateBucket.arn}/${aws.stateKeyPrefix}/${p}/*.tflock`) },
        stateKeyUse,
        ...eksPlanStatements(aws.region, aws.accountId, planned),
        // The data sources of <env>-aws and <env>-gcp (stacks/deploy-actions.ts, `plan`).
        { sid: 'DataSourceDescribe', effect: 'Allow', actions: ['ec2:DescribeAvailabilityZones', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets'], resources: ['*'] },
        { sid: 'PublicAmiParameters', effect: 'Allow', actions: ['ssm:GetParameter'], resources: [arns.publicParameters()] },
      ],
    });
    const planPolicy = new IamPolicy(this, 'plan-policy', {
      name: `${PLAN_ROLE_NAME}-permissions`,
      description: 'State read, plan lock files and the data sources of cdktf diff -refresh=false',
      policy: planPermissions.json,
    });
    new IamRolePolicyAttachment(this, 'plan-policy-attachment', { role: this.planRole.name, policyArn: planPolicy.arn });

    // ---- GCP workload identity federation ----------------------------------------------------
    const services = ['iam.googleapis.com', 'iamcredentials.googleapis.com', 'sts.googleapis.com', 'cloudresourcemanager.googleapis.com', 'bigquery.googleapis.com', 'storage.googleapis.com'].map(
      (service) => new ProjectService(this, `service-${service.split('.')[0]}`, { service, disableOnDestroy: false }),
    );
    const pool = new IamWorkloadIdentityPool(this, 'github-pool', {
      workloadIdentityPoolId: gcp.workloadIdentityPoolId,
      displayName: 'GitHub Actions',
      description: `GitHub Actions of ${github.owner}/${github.repository}`,
      dependsOn: services,
    });
    this.workloadIdentityProvider = new IamWorkloadIdentityPoolProvider(this, 'github-provider', {
      workloadIdentityPoolId: pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: gcp.workloadIdentityProviderId,
      displayName: 'GitHub OIDC',
      oidc: { issuerUri: GITHUB_OIDC_URL },
      attributeMapping: {
        'google.subject': 'assertion.sub',
        'attribute.repository': 'assertion.repository',
        'attribute.environment': 'assertion.environment',
        'attribute.event_name': 'assertion.event_name',
      },
      // Tokens of any other repository are refused before any binding is looked at.
      attributeCondition: `assertion.repository == "${github.owner}/${github.repository}"`,
    });
    const principal = (subject: string) => `principal://iam.googleapis.com/${pool.name}/subject/${subject}`;
    const serviceAccount = (id: string, accountId: string, displayName: string, subject: string, roles: readonly string[], conditions: Record<string, { title: string; expression: string }> = {}) => {
      const account = new ServiceAccount(this, id, { accountId, displayName, dependsOn: services });
      new ServiceAccountIamMember(this, `${id}-workload-identity`, {
        serviceAccountId: account.name,
        role: 'roles/iam.workloadIdentityUser',
        member: principal(subject),
      });
      roles.forEach((role) => {
        new ProjectIamMember(this, `${id}-${role.replace(/^.*roles\//, '').replace(/\./g, '-')}`, {
          project: gcp.projectId,
          role,
          member: `serviceAccount:${account.email}`,
          condition: conditions[role],
        });
      });
      return account;
    };

    new TerraformOutput(this, 'state_bucket', { value: this.stateBucket.bucket, description: 'backend.bucket of the environments' });
    new TerraformOutput(this, 'state_kms_key_arn', { value: this.stateKey.arn, description: 'backend.kmsKeyArn of the environments' });
    new TerraformOutput(this, 'aws_plan_role_arn', {
      value: this.planRole.arn,
      description: github.planEnvironment
        ? `variable AWS_PLAN_ROLE_ARN of GitHub environment ${github.planEnvironment}`
        : 'repository variable AWS_PLAN_ROLE_ARN_<ENV> for each environment of this target',
    });
    new TerraformOutput(this, 'gcp_workload_identity_provider', {
      value: this.workloadIdentityProvider.name,
      description: 'variable GCP_WORKLOAD_IDENTITY_PROVIDER (projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>)',
    });
    for (const environment of github.environments) {
      const prefixes = serviceAccountPrefixes(environmentPatterns(environment));
      // GCP checks service-account permissions on projects/<p>/serviceAccounts/<email>; the
      // account part is matched by prefix, so an unexpected form is refused, never widened.
      const ownAccounts = prefixes.map((p) => `resource.name.extract("serviceAccounts/{account}").startsWith("${p}")`).join(' || ');
      const account = serviceAccount(`deploy-sa-${environment}`, `cdc-deploy-${environment}`.slice(0, 30), `GitHub deploys (${environment})`, githubSubject(github.owner, github.repository, { environment }), gcp.deployRoles, {
        'roles/resourcemanager.projectIamAdmin': {
          title: 'only-the-stack-roles',
          expression: `api.getAttribute("iam.googleapis.com/modifiedGrantsByRole", []).hasOnly([${BIGQUERY_TARGET_PROJECT_ROLES.map((r) => `"${r}"`).join(', ')}])`,
        },
        'roles/iam.serviceAccountAdmin': { title: 'own-service-accounts', expression: ownAccounts },
        'roles/iam.serviceAccountKeyAdmin': { title: 'own-service-account-keys', expression: ownAccounts },
      });
      new TerraformOutput(this, `aws_deploy_role_arn_${environment.replace(/-/g, '_')}`, { value: this.deployRoles[environment].arn, description: `variable AWS_DEPLOY_ROLE_ARN of GitHub environment ${environment}` });
      new TerraformOutput(this, `gcp_deploy_service_account_${environment.replace(/-/g, '_')}`, { value: account.email, description: `variable GCP_DEPLOY_SERVICE_ACCOUNT of GitHub environment ${environment}` });
    }
    const planStorage = new ProjectIamCustomRole(this, 'plan-storage-role', {
      project: gcp.projectId,
      roleId: 'cdcPlanStorageRead',
      title: 'CDC plan: staging bucket and HMAC key metadata',
      description: 'Reads the GCS staging bucket and its HMAC key metadata, for plans of the GCP stack',
      permissions: [...PLAN_STORAGE_PERMISSIONS],
      dependsOn: services,
    });
    const planAccount = serviceAccount('plan-sa', 'cdc-plan', 'GitHub pull request plans', planSubject, gcp.planRoles);
    new ProjectIamMember(this, 'plan-sa-storage-read', { project: gcp.projectId, role: planStorage.name, member: `serviceAccount:${planAccount.email}` });
    new TerraformOutput(this, 'gcp_plan_service_account', {
      value: planAccount.email,
      description: github.planEnvironment
        ? `variable GCP_PLAN_SERVICE_ACCOUNT of GitHub environment ${github.planEnvironment}`
        : 'repository variable GCP_PLAN_SERVICE_ACCOUNT_<ENV> for each environment of this target',
    });
  }
}

/** ARNs of one account and region. */
class AccountArns {
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
}

/** Names of an environment's resources all start with `cdc-<env>` (stacks/naming.ts awsNamePrefix). */
const named = (patterns: string[], build: (prefix: string) => string[]) => patterns.flatMap((p) => build(`cdc-${p}`));

/** Session Manager port forwarding to the environment's host (scripts/tunnel.sh). */
function tunnelStatements(arns: AccountArns, patterns: string[]): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      sid: 'TunnelToEnvironmentHost',
      effect: 'Allow',
      actions: ['ssm:StartSession'],
      resources: [arns.ec2('instance/*')],
      condition: [{ test: 'StringLike', variable: 'ssm:resourceTag/Environment', values: patterns }],
    },
    { sid: 'TunnelDocument', effect: 'Allow', actions: ['ssm:StartSession'], resources: [arns.ssmDocument('AWS-StartPortForwardingSession')] },
    // `&{...}` is the policy document's escape for IAM variables (`${...}` would be Terraform's).
    { sid: 'OwnSessions', effect: 'Allow', actions: ['ssm:TerminateSession', 'ssm:ResumeSession'], resources: [arns.ssm('session/&{aws:userid}-*')] },
  ];
}

/** scripts/stack.sh deploy runs cdc-prepare-source and a unit restart on the environment's host. */
function hostCommandStatements(arns: AccountArns, patterns: string[]): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      sid: 'CommandsOnEnvironmentHost',
      effect: 'Allow',
      actions: ['ssm:SendCommand'],
      resources: [arns.ec2('instance/*')],
      condition: [{ test: 'StringLike', variable: 'ssm:resourceTag/Environment', values: patterns }],
    },
    { sid: 'ShellCommandDocument', effect: 'Allow', actions: ['ssm:SendCommand'], resources: [arns.ssmDocument('AWS-RunShellScript')] },
    // The command's result; GetCommandInvocation has no resource-level permission.
    { sid: 'CommandResults', effect: 'Allow', actions: ['ssm:GetCommandInvocation'], resources: ['*'] },
  ];
}

// EC2 resource types the stacks create, and the create calls that carry their tags.
const EC2_CREATED = ['vpc', 'subnet', 'internet-gateway', 'elastic-ip', 'natgateway', 'route-table', 'security-group', 'security-group-rule', 'instance', 'volume', 'launch-template'];
const EC2_CREATE_ACTIONS = [
  'ec2:CreateVpc', 'ec2:CreateSubnet', 'ec2:CreateInternetGateway', 'ec2:AllocateAddress', 'ec2:CreateNatGateway',
  'ec2:CreateRouteTable', 'ec2:CreateSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress',
  'ec2:RunInstances', 'ec2:CreateVolume', ...EKS_EC2_CREATE_ACTIONS,
];
const EC2_CHANGE_ACTIONS = [
  'ec2:DeleteVpc', 'ec2:ModifyVpcAttribute', 'ec2:DeleteSubnet', 'ec2:ModifySubnetAttribute',
  'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway',
  'ec2:ReleaseAddress', 'ec2:DisassociateAddress', 'ec2:DeleteNatGateway',
  'ec2:DeleteRouteTable', 'ec2:CreateRoute', 'ec2:DeleteRoute', 'ec2:ReplaceRoute', 'ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable',
  'ec2:DeleteSecurityGroup', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifySecurityGroupRules',
  'ec2:UpdateSecurityGroupRuleDescriptionsIngress', 'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
  'ec2:TerminateInstances', 'ec2:StartInstances', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:ModifyInstanceMetadataOptions',
  'ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation', 'ec2:DisassociateIamInstanceProfile', ...EKS_EC2_CHANGE_ACTIONS,
  'ec2:DeleteVolume', 'ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume',
];

/**
 * What `cdktf deploy`/`destroy` of the environments' stacks needs (stacks/deploy-actions.ts lists
 * it per resource type). Named resources (IAM, secrets, parameters, buckets, topics, aliases) are
 * limited to the environments' `cdc-<env>` names; EC2, RDS and KMS changes to resources tagged for
 * the environments (`aws:RequestTag` on create, `aws:ResourceTag` after); roles are created only
 * under `boundaryArn`.
 */
function deployStatements(
  arns: AccountArns,
  patterns: string[],
  ephemeral: boolean,
  boundaryArn: string,
): Record<'read' | 'network' | 'data' | 'iam' | 'named', DataAwsIamPolicyDocumentStatement[]> {
  const requestTags = tagConditions('aws:RequestTag', patterns, ephemeral);
  const resourceTags = tagConditions('aws:ResourceTag', patterns, ephemeral);
  // Tag edits keep a resource inside the environments: they may not move its Environment tag out.
  const retag = [...resourceTags, ...tagConditions('aws:RequestTag', patterns, ephemeral, true)];
  const read: DataAwsIamPolicyDocumentStatement[] = [
    { sid: 'Describe', effect: 'Allow', actions: ['ec2:Describe*', 'kms:ListAliases', 'ssm:DescribeParameters', 'sts:GetCallerIdentity'], resources: ['*'] },
    { sid: 'DescribeDatabases', effect: 'Allow', actions: ['rds:Describe*', 'rds:ListTagsForResource'], resources: [arns.rds('*')] },
  ];
  const network: DataAwsIamPolicyDocumentStatement[] = [
    { sid: 'Ec2CreateTagged', effect: 'Allow', actions: EC2_CREATE_ACTIONS, resources: EC2_CREATED.map((t) => arns.ec2(`${t}/*`)), condition: requestTags },
    // The same calls also name existing resources (the VPC of a subnet, the subnet and groups of
    // an instance): those must be the environment's too.
    { sid: 'Ec2ChangeTagged', effect: 'Allow', actions: [...EC2_CREATE_ACTIONS, ...EC2_CHANGE_ACTIONS], resources: [arns.ec2('*')], condition: resourceTags },
    // What a launch uses that carries no tag of ours: the public AMI and the new network interface.
    { sid: 'Ec2LaunchFrom', effect: 'Allow', actions: ['ec2:RunInstances'], resources: [arns.publicImages(), arns.ec2('network-interface/*')] },
    {
      sid: 'Ec2TagOnCreate',
      effect: 'Allow',
      actions: ['ec2:CreateTags'],
      resources: [arns.ec2('*')],
      condition: [{ test: 'StringEquals', variable: 'ec2:CreateAction', values: EC2_CREATE_ACTIONS.map((a) => a.replace('ec2:', '')) }],
    },
    { sid: 'Ec2Retag', effect: 'Allow', actions: ['ec2:CreateTags', 'ec2:DeleteTags'], resources: [arns.ec2('*')], condition: retag },
    // aws_default_security_group adopts the VPC's default group, which CreateVpc leaves untagged.
    {
      sid: 'Ec2AdoptDefaultSecurityGroup',
      effect: 'Allow',
      actions: ['ec2:CreateTags'],
      resources: [arns.ec2('security-group/*')],
      condition: [{ test: 'Null', variable: 'aws:ResourceTag/Environment', values: ['true'] }, ...requestTags],
    },
  ];
  const data: DataAwsIamPolicyDocumentStatement[] = [
    {
      sid: 'DatabaseCreateTagged',
      effect: 'Allow',
      actions: ['rds:CreateDBInstance', 'rds:CreateDBParameterGroup', 'rds:CreateDBSubnetGroup', 'rds:AddTagsToResource'],
      resources: [arns.rds('db:*'), arns.rds('pg:*'), arns.rds('subgrp:*')],
      condition: requestTags,
    },
    {
      sid: 'DatabaseChangeTagged',
      effect: 'Allow',
      actions: [
        'rds:CreateDBInstance', 'rds:DeleteDBInstance', 'rds:ModifyDBInstance', 'rds:RebootDBInstance',
        'rds:DeleteDBParameterGroup', 'rds:ModifyDBParameterGroup', 'rds:ResetDBParameterGroup',
        'rds:DeleteDBSubnetGroup', 'rds:ModifyDBSubnetGroup', 'rds:AddTagsToResource', 'rds:RemoveTagsFromResource',
      ],
      resources: [arns.rds('db:*'), arns.rds('pg:*'), arns.rds('subgrp:*')],
      condition: retag,
    },
    // The engine's default option group (untagged, AWS's) and final snapshots named for the environment.
    { sid: 'DatabaseDefaults', effect: 'Allow', actions: ['rds:CreateDBInstance', 'rds:ModifyDBInstance'], resources: [arns.rds('og:default:*')] },
    { sid: 'DatabaseFinalSnapshots', effect: 'Allow', actions: ['rds:CreateDBSnapshot', 'rds:AddTagsToResource'], resources: named(patterns, (prefix) => [arns.rds(`snapshot:${prefix}-*`)]) },
    {
      sid: 'EnvironmentKeys',
      effect: 'Allow',
      actions: [
        'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation',
        'kms:ListResourceTags', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:UpdateKeyDescription',
        'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:CreateGrant',
      ],
      resources: [arns.kms('key/*')],
      condition: retag,
    },
    // Launching the host with its root volume under the environment key: EC2 asks KMS, as the
    // caller, for a data key without plaintext and re-encrypts it for the volume.
    {
      sid: 'HostVolumeKey',
      effect: 'Allow',
      actions: ['kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey'],
      resources: [arns.kms('key/*')],
      condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [`ec2.${arns.region}.amazonaws.com`] }, ...resourceTags],
    },
    {
      sid: 'EnvironmentKeyAliases',
      effect: 'Allow',
      actions: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'],
      resources: named(patterns, (prefix) => [arns.kms(`alias/${prefix}*`)]),
    },
    // CreateAlias/DeleteAlias are also checked on the key the alias points at.
    { sid: 'EnvironmentKeyAliasTargets', effect: 'Allow', actions: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'], resources: [arns.kms('key/*')], condition: resourceTags },
  ];
  const roles = named(patterns, (prefix) => [arns.iam(`role/${prefix}-*`)]);
  const withBoundary: Condition = [{ test: 'StringEquals', variable: 'iam:PermissionsBoundary', values: [boundaryArn] }];
  const iam: DataAwsIamPolicyDocumentStatement[] = [
    // A role is born with the boundary, and only roles carrying it can be given policies: a
    // deploy can never make a role stronger than the boundary.
    { sid: 'CreateRolesUnderBoundary', effect: 'Allow', actions: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'], resources: roles, condition: withBoundary },
    { sid: 'PolicyOnBoundedRoles', effect: 'Allow', actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:UpdateAssumeRolePolicy'], resources: roles, condition: withBoundary },
    {
      sid: 'AttachAllowedPolicies',
      effect: 'Allow',
      actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      resources: roles,
      condition: [...withBoundary, { test: 'ArnEquals', variable: 'iam:PolicyARN', values: [...ATTACHABLE_MANAGED_POLICIES] }],
    },
    {
      sid: 'EnvironmentRoles',
      effect: 'Allow',
      actions: [
        'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:TagRole', 'iam:UntagRole',
        'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole',
      ],
      resources: roles,
    },
    {
      sid: 'EnvironmentInstanceProfiles',
      effect: 'Allow',
      actions: [
        'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:TagInstanceProfile', 'iam:UntagInstanceProfile',
        'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile',
      ],
      resources: named(patterns, (prefix) => [arns.iam(`instance-profile/${prefix}-*`)]),
    },
    {
      sid: 'PassEnvironmentRolesToEc2',
      effect: 'Allow',
      actions: ['iam:PassRole'],
      resources: roles,
      condition: [{ test: 'StringEquals', variable: 'iam:PassedToService', values: ['ec2.amazonaws.com'] }],
    },
    {
      sid: 'RdsServiceLinkedRole',
      effect: 'Allow',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [arns.iam('role/aws-service-role/rds.amazonaws.com/*')],
      condition: [{ test: 'StringEquals', variable: 'iam:AWSServiceName', values: ['rds.amazonaws.com'] }],
    },
  ];
  const environmentResources: DataAwsIamPolicyDocumentStatement[] = [
    {
      sid: 'EnvironmentSecrets',
      effect: 'Allow',
      actions: [
        'secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:RestoreSecret', 'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret',
        'secretsmanager:TagResource', 'secretsmanager:UntagResource',
        'secretsmanager:GetResourcePolicy', 'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy',
      ],
      resources: named(patterns, (prefix) => [arns.secretsmanager(`secret:${prefix}/*`)]),
    },
    // rds!… is the RDS-managed master secret, created on our behalf by CreateDBInstance; RDS tags
    // it with the instance's tags, which must be the environment's.
    {
      sid: 'RdsManagedSecrets',
      effect: 'Allow',
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:TagResource', 'secretsmanager:RotateSecret'],
      resources: [arns.secretsmanager('secret:rds!*')],
      condition: tagConditions('aws:RequestTag', patterns, ephemeral, true),
    },
    {
      sid: 'EnvironmentParameters',
      effect: 'Allow',
      actions: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory', 'ssm:DeleteParameter', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource', 'ssm:ListTagsForResource'],
      resources: patterns.flatMap((p) => [arns.ssm(`parameter/${p}/*`), arns.ssm(`parameter/cdc-${p}/*`)]),
    },
    { sid: 'PublicAmiParameters', effect: 'Allow', actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: [arns.publicParameters()] },
    {
      sid: 'EnvironmentBuckets',
      effect: 'Allow',
      actions: [
        's3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:ListBucketVersions',
        's3:GetBucket*', 's3:PutBucket*', 's3:DeleteBucketPolicy', 's3:DeleteBucketOwnershipControls',
        's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration',
        's3:GetAccelerateConfiguration', 's3:GetReplicationConfiguration', 's3:GetAnalyticsConfiguration', 's3:GetIntelligentTieringConfiguration',
        's3:GetInventoryConfiguration', 's3:GetMetricsConfiguration',
        's3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObjectTagging', 's3:PutObjectTagging',
      ],
      resources: named(patterns, (prefix) => [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`]),
    },
    {
      sid: 'EnvironmentAlertTopics',
      effect: 'Allow',
      actions: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:TagResource', 'sns:UntagResource', 'sns:ListTagsForResource', 'sns:Subscribe', 'sns:Unsubscribe', 'sns:GetSubscriptionAttributes'],
      resources: named(patterns, (prefix) => [arns.sns(`${prefix}-*`)]),
    },
    {
      sid: 'Alarms',
      effect: 'Allow',
      actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
      resources: [arns.cloudwatch('alarm:*')],
    },
    // RDS exports its logs into /aws/rds/instance/<identifier>/<type>; the stack creates those
    // groups first (retention, environment key) so a teardown removes them.
    {
      sid: 'DatabaseLogGroups',
      effect: 'Allow',
      actions: [
        'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy',
        'logs:AssociateKmsKey', 'logs:DisassociateKmsKey', 'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource',
      ],
      resources: named(patterns, (prefix) => [arns.logs(`log-group:/aws/rds/instance/${prefix}-*`)]),
    },
    { sid: 'DescribeLogGroups', effect: 'Allow', actions: ['logs:DescribeLogGroups'], resources: [arns.logs('log-group:*')] },
    ...tunnelStatements(arns, patterns),
    ...hostCommandStatements(arns, patterns),
  ];
  return { read, network, data, iam, named: environmentResources };
}

/**
 * The permissions boundary of the roles a GitHub environment's deploys create (the host role):
 * the most such a role can ever do, whatever policy a deploy puts on it. It grants nothing itself.
 */
function boundaryDocument(scope: Construct, id: string, arns: AccountArns, patterns: string[], ephemeral: boolean): DataAwsIamPolicyDocument {
  const document = new DataAwsIamPolicyDocument(scope, id, {
    statement: [
      // AmazonSSMManagedInstanceCore, the one attachable managed policy: the Session Manager agent.
      {
        sid: 'SessionManagerAgent',
        effect: 'Allow',
        actions: [
          'ssm:UpdateInstanceInformation', 'ssm:ListAssociations', 'ssm:ListInstanceAssociations', 'ssm:DescribeAssociation',
          'ssm:UpdateAssociationStatus', 'ssm:UpdateInstanceAssociationStatus', 'ssm:GetDocument', 'ssm:DescribeDocument',
          'ssm:PutInventory', 'ssm:PutComplianceItems', 'ssm:PutConfigurePackageResult', 'ssm:GetManifest', 'ssm:GetDeployablePatchSnapshotForInstance',
          'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel',
          'ec2messages:AcknowledgeMessage', 'ec2messages:DeleteMessage', 'ec2messages:FailMessage', 'ec2messages:GetEndpoint', 'ec2messages:GetMessages', 'ec2messages:SendReply',
        ],
        resources: ['*'],
      },
      {
        sid: 'EnvironmentSecrets',
        effect: 'Allow',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue'],
        resources: [...named(patterns, (prefix) => [arns.secretsmanager(`secret:${prefix}/*`)]), arns.secretsmanager('secret:rds!*')],
      },
      { sid: 'EnvironmentParameters', effect: 'Allow', actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: patterns.flatMap((p) => [arns.ssm(`parameter/${p}/*`), arns.ssm(`parameter/cdc-${p}/*`)]) },
      { sid: 'EnvironmentObjects', effect: 'Allow', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: named(patterns, (prefix) => [`arn:aws:s3:::${prefix}-*/*`]) },
      { sid: 'EnvironmentKeys', effect: 'Allow', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [arns.kms('key/*')], condition: tagConditions('aws:ResourceTag', patterns, ephemeral) },
      // eks-helm: the cluster, node and pod roles (stacks/eks-deploy-permissions.ts).
      ...eksRoleBoundaryStatements(arns.region, arns.account, patterns),
    ],
  });
  suppressRule(document, 'CDC-IAM-2', 'a permissions boundary grants nothing; the Session Manager agent actions it caps have no resource-level permission (the role gets them from AmazonSSMManagedInstanceCore)');
  return document;
}
