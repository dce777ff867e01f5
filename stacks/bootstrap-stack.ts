import { PrivateBucket } from '../constructs/private-bucket';
import { Construct } from 'constructs';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
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
import { eksDeployStatements } from './eks-deploy-permissions';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;

/** The GitHub environment whose jobs deploy pull request environments (`pr-<n>`, `test-<x>`). */
export const EPHEMERAL_GITHUB_ENVIRONMENT = 'ephemeral';

/** `bootstrap-<target>`. */
export function bootstrapStackName(target: string): string {
  return `bootstrap-${target}`;
}

/** AWS role names, so the README and the workflows' variables can be derived from them. */
export function deployRoleName(githubEnvironment: string): string {
  return `cdc-github-deploy-${githubEnvironment}`;
}
export const PLAN_ROLE_NAME = 'cdc-github-plan';

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

/**
 * Once per AWS account + GCP project, by hand: what the delivery workflows need.
 * - The Terraform state bucket: versioned, SSE-KMS with a rotating key, all public-access
 *   blocks, ACLs disabled, TLS only, and `prevent_destroy`.
 * - The GitHub OIDC provider; per GitHub environment a deploy role trusted only by that
 *   environment's jobs of this repository, and a plan-only role for pull requests.
 * - A GCP workload identity pool + provider accepting only this repository's tokens, and the
 *   matching deploy/plan service accounts.
 *
 * Its own state is local (the bucket cannot hold the state of the stack that creates it).
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBucket: S3Bucket;
  readonly stateKey: KmsKey;
  readonly deployRoles: Record<string, IamRole> = {};
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
    this.stateBucket = new PrivateBucket(this, 'state', {
      bucketName: aws.stateBucketName,
      kmsKeyArn: this.stateKey.arn,
      preventDestroy: true,
    }).bucket;

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
    const stateAccess = (patterns: string[], write: boolean): DataAwsIamPolicyDocumentStatement[] => [
      { sid: 'StateList', effect: 'Allow', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [this.stateBucket.arn] },
      {
        sid: 'StateObjects',
        effect: 'Allow',
        actions: write ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] : ['s3:GetObject'],
        resources: stateObjects(patterns),
      },
      // Plans take the lock too (`use_lockfile` writes <key>.tflock next to the state).
      ...(write
        ? []
        : [{ sid: 'StateLockFiles', effect: 'Allow', actions: ['s3:PutObject', 's3:DeleteObject'], resources: patterns.map((p) => `${this.stateBucket.arn}/${aws.stateKeyPrefix}/${p}/*.tflock`) }]),
      { sid: 'StateKey', effect: 'Allow', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [this.stateKey.arn] },
    ];

    for (const environment of github.environments) {
      const patterns = environmentPatterns(environment);
      const role = new IamRole(this, `deploy-role-${environment}`, {
        name: deployRoleName(environment),
        description: `GitHub Actions deploys of ${patterns.join(', ')} from ${github.owner}/${github.repository} (environment ${environment})`,
        assumeRolePolicy: trust(`deploy-trust-${environment}`, [githubSubject(github.owner, github.repository, { environment })]).json,
        // A first deploy waits for the Airbyte host (up to ~40 min) on top of RDS creation.
        maxSessionDuration: 4 * 3600,
      });
      this.deployRoles[environment] = role;
      // Two managed policies: one would pass IAM's 6,144-character limit on a managed policy.
      const statements = deployStatements(arns, patterns);
      const groups: Record<string, DataAwsIamPolicyDocumentStatement[]> = {
        infrastructure: [...stateAccess(patterns, true), ...statements.infrastructure],
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
          { sid: 'CreateEnvironmentKey', effect: 'Allow', actions: ['kms:CreateKey'], resources: ['*'] },
          // scripts/stack.sh stale-ephemeral finds pull request environments by their Ephemeral tag.
          { sid: 'FindTaggedResources', effect: 'Allow', actions: ['tag:GetResources'], resources: ['*'] },
        ],
      });
      suppressRule(unscoped, 'CDC-IAM-2', 'kms:CreateKey (the key does not exist yet) and tag:GetResources (a search) have no resource-level permissions in AWS');
      const unscopedPolicy = new IamPolicy(this, `deploy-unscoped-policy-${environment}`, {
        name: `${deployRoleName(environment)}-unscoped`,
        description: 'kms:CreateKey and tag:GetResources, which AWS authorizes only on "*"',
        policy: unscoped.json,
      });
      new IamRolePolicyAttachment(this, `deploy-unscoped-attachment-${environment}`, { role: role.name, policyArn: unscopedPolicy.arn });
    }

    const allPatterns = github.environments.flatMap(environmentPatterns);
    this.planRole = new IamRole(this, 'plan-role', {
      name: PLAN_ROLE_NAME,
      description: `Plan-only (cdktf diff) for pull requests of ${github.owner}/${github.repository}`,
      assumeRolePolicy: trust('plan-trust', [githubSubject(github.owner, github.repository, 'pull_request')]).json,
    });
    new IamRolePolicyAttachment(this, 'plan-read-only', { role: this.planRole.name, policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
    const planPermissions = new DataAwsIamPolicyDocument(this, 'plan-permissions', {
      statement: [
        ...stateAccess(allPatterns, false),
        // The Airbyte stack's plan reads the Airbyte API credentials and reaches Airbyte through the SSM tunnel.
        {
          sid: 'ReadEnvironmentSecrets',
          effect: 'Allow',
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: allPatterns.flatMap((p) => [arns.secretsmanager(`secret:cdc-${p}/*`)]),
        },
        {
          sid: 'DecryptEnvironmentSecrets',
          effect: 'Allow',
          actions: ['kms:Decrypt'],
          resources: [arns.kms('key/*')],
          condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [`secretsmanager.${aws.region}.amazonaws.com`] }],
        },
        ...tunnelStatements(arns, allPatterns),
      ],
    });
    const planPolicy = new IamPolicy(this, 'plan-policy', {
      name: `${PLAN_ROLE_NAME}-permissions`,
      description: 'State read, plan lock files, environment secrets and the SSM tunnel for cdktf diff',
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
    const serviceAccount = (id: string, accountId: string, displayName: string, subject: string, roles: readonly string[]) => {
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
        });
      });
      return account;
    };

    new TerraformOutput(this, 'state_bucket', { value: this.stateBucket.bucket, description: 'backend.bucket of the environments' });
    new TerraformOutput(this, 'state_kms_key_arn', { value: this.stateKey.arn });
    new TerraformOutput(this, 'aws_plan_role_arn', { value: this.planRole.arn, description: 'repository variable AWS_PLAN_ROLE_ARN_<ENV> for each environment of this target' });
    new TerraformOutput(this, 'gcp_workload_identity_provider', {
      value: this.workloadIdentityProvider.name,
      description: 'variable GCP_WORKLOAD_IDENTITY_PROVIDER (projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>)',
    });
    for (const environment of github.environments) {
      const account = serviceAccount(`deploy-sa-${environment}`, `cdc-deploy-${environment}`.slice(0, 30), `GitHub deploys (${environment})`, githubSubject(github.owner, github.repository, { environment }), gcp.deployRoles);
      new TerraformOutput(this, `aws_deploy_role_arn_${environment.replace(/-/g, '_')}`, { value: this.deployRoles[environment].arn, description: `variable AWS_DEPLOY_ROLE_ARN of GitHub environment ${environment}` });
      new TerraformOutput(this, `gcp_deploy_service_account_${environment.replace(/-/g, '_')}`, { value: account.email, description: `variable GCP_DEPLOY_SERVICE_ACCOUNT of GitHub environment ${environment}` });
    }
    const planAccount = serviceAccount('plan-sa', 'cdc-plan', 'GitHub pull request plans', githubSubject(github.owner, github.repository, 'pull_request'), gcp.planRoles);
    new TerraformOutput(this, 'gcp_plan_service_account', { value: planAccount.email, description: 'repository variable GCP_PLAN_SERVICE_ACCOUNT_<ENV> for each environment of this target' });
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

/**
 * What `cdktf deploy`/`destroy` of the environments' stacks needs. Named resources (IAM, secrets,
 * parameters, buckets, topics, key aliases) are limited to the environments' `cdc-<env>` names;
 * EC2/RDS/KMS keys to the account and region (keep prod in its own account for isolation).
 */
function deployStatements(arns: AccountArns, patterns: string[]): { infrastructure: DataAwsIamPolicyDocumentStatement[]; named: DataAwsIamPolicyDocumentStatement[] } {
  const infrastructure: DataAwsIamPolicyDocumentStatement[] = [
    { sid: 'Describe', effect: 'Allow', actions: ['ec2:Describe*', 'kms:ListAliases', 'ssm:DescribeParameters', 'sts:GetCallerIdentity'], resources: ['*'] },
    {
      sid: 'Network',
      effect: 'Allow',
      actions: [
        'ec2:CreateVpc', 'ec2:DeleteVpc', 'ec2:ModifyVpcAttribute',
        'ec2:CreateSubnet', 'ec2:DeleteSubnet', 'ec2:ModifySubnetAttribute',
        'ec2:CreateInternetGateway', 'ec2:DeleteInternetGateway', 'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway',
        'ec2:AllocateAddress', 'ec2:ReleaseAddress', 'ec2:AssociateAddress', 'ec2:DisassociateAddress',
        'ec2:CreateNatGateway', 'ec2:DeleteNatGateway',
        'ec2:CreateRouteTable', 'ec2:DeleteRouteTable', 'ec2:CreateRoute', 'ec2:DeleteRoute', 'ec2:ReplaceRoute',
        'ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable',
        'ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup',
        'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifySecurityGroupRules',
        'ec2:UpdateSecurityGroupRuleDescriptionsIngress', 'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
        'ec2:CreateVpcEndpoint', 'ec2:DeleteVpcEndpoints', 'ec2:ModifyVpcEndpoint',
        'ec2:CreateTags', 'ec2:DeleteTags',
      ],
      resources: [arns.ec2('*')],
    },
    {
      sid: 'Host',
      effect: 'Allow',
      actions: [
        'ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:StartInstances', 'ec2:StopInstances',
        'ec2:ModifyInstanceAttribute', 'ec2:ModifyInstanceMetadataOptions',
        'ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation', 'ec2:DisassociateIamInstanceProfile',
        'ec2:CreateVolume', 'ec2:DeleteVolume', 'ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume',
      ],
      resources: [arns.ec2('*'), arns.publicImages()],
    },
    {
      sid: 'Database',
      effect: 'Allow',
      actions: [
        'rds:CreateDBInstance', 'rds:DeleteDBInstance', 'rds:ModifyDBInstance', 'rds:RebootDBInstance', 'rds:DescribeDBInstances',
        'rds:CreateDBParameterGroup', 'rds:DeleteDBParameterGroup', 'rds:ModifyDBParameterGroup', 'rds:ResetDBParameterGroup',
        'rds:DescribeDBParameterGroups', 'rds:DescribeDBParameters',
        'rds:CreateDBSubnetGroup', 'rds:DeleteDBSubnetGroup', 'rds:ModifyDBSubnetGroup', 'rds:DescribeDBSubnetGroups',
        'rds:AddTagsToResource', 'rds:RemoveTagsFromResource', 'rds:ListTagsForResource',
        'rds:CreateDBSnapshot', 'rds:DescribeDBSnapshots',
      ],
      resources: [arns.rds('*')],
    },
  ];
  const environmentResources: DataAwsIamPolicyDocumentStatement[] = [
    {
      sid: 'EnvironmentRoles',
      effect: 'Allow',
      actions: [
        'iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole',
        'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies',
        'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole',
        'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:TagInstanceProfile', 'iam:UntagInstanceProfile',
        'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile',
      ],
      resources: named(patterns, (prefix) => [arns.iam(`role/${prefix}-*`), arns.iam(`instance-profile/${prefix}-*`)]),
    },
    {
      sid: 'PassEnvironmentRolesToEc2',
      effect: 'Allow',
      actions: ['iam:PassRole'],
      resources: named(patterns, (prefix) => [arns.iam(`role/${prefix}-*`)]),
      condition: [{ test: 'StringEquals', variable: 'iam:PassedToService', values: ['ec2.amazonaws.com'] }],
    },
    {
      sid: 'RdsServiceLinkedRole',
      effect: 'Allow',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [arns.iam('role/aws-service-role/rds.amazonaws.com/*')],
      condition: [{ test: 'StringEquals', variable: 'iam:AWSServiceName', values: ['rds.amazonaws.com'] }],
    },
    {
      sid: 'EnvironmentKeys',
      effect: 'Allow',
      actions: [
        'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation',
        'kms:ListResourceTags', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:UpdateKeyDescription',
        'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:CreateGrant',
      ],
      resources: [arns.kms('key/*')],
    },
    {
      sid: 'EnvironmentKeyAliases',
      effect: 'Allow',
      actions: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'],
      resources: [arns.kms('key/*'), ...named(patterns, (prefix) => [arns.kms(`alias/${prefix}*`)])],
    },
    {
      sid: 'EnvironmentSecrets',
      effect: 'Allow',
      actions: [
        'secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:RestoreSecret', 'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret',
        'secretsmanager:TagResource', 'secretsmanager:UntagResource',
        'secretsmanager:GetResourcePolicy', 'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy',
      ],
      // rds!… is the RDS-managed master secret, created on our behalf by CreateDBInstance.
      resources: [...named(patterns, (prefix) => [arns.secretsmanager(`secret:${prefix}/*`)]), arns.secretsmanager('secret:rds!*')],
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
    ...tunnelStatements(arns, patterns),
  ];
  return { infrastructure, named: environmentResources };
}
