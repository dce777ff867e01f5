import { awsNamePrefix, EPHEMERAL_GITHUB_ENVIRONMENT, gcpServiceAccountId } from '../config/naming';
import { BIGQUERY_TARGET_PROJECT_ROLES } from '../constructs/bigquery-target';
import { EKS_EC2_CHANGE_ACTIONS, EKS_EC2_CREATE_ACTIONS, EKS_MANAGED_POLICIES, eksDeployStatements, eksPlanStatements, eksRoleBoundaryStatements } from './eks-deploy-permissions';
import { AccountArns, allow, Conditions, Statement, when } from './iam-statement';

/**
 * What the delivery roles of a bootstrap target may do, as data: the IAM statements of the deploy
 * roles (one list per managed policy), of the permissions boundary of the roles a deploy creates,
 * of the plan role, and the GCP deploy service accounts' grant conditions. The bootstrap stack
 * (stacks/bootstrap-stack.ts) puts them on roles; stacks/deploy-actions.ts lists, per resource
 * type, the actions they must cover (checked by __tests__/stacks/deploy-actions.test.ts).
 *
 * Environment names are IAM wildcard patterns (`dev`, `pr-*`).
 */

/**
 * Environment names (the cdktf ones) a GitHub environment deploys, as IAM wildcard patterns:
 * `ephemeral` deploys every pull request environment, any other GitHub environment the
 * cdktf environment of the same name.
 */
export function environmentPatterns(githubEnvironment: string): string[] {
  return githubEnvironment === EPHEMERAL_GITHUB_ENVIRONMENT ? ['pr-*', 'test-*'] : [githubEnvironment];
}

/** The GitHub environment and the environments it deploys. */
export interface DeployTarget {
  readonly patterns: readonly string[];
  /** Pull request environments: also tagged `Ephemeral=true`. */
  readonly ephemeral: boolean;
}

/** Where the environments' Terraform state lives (the bootstrap stack's bucket and key). */
export interface StateLocation {
  readonly bucketArn: string;
  readonly keyArn: string;
  /** `backend.keyPrefix`: state objects are `<prefix>/<env>/...`. */
  readonly keyPrefix: string;
}

/**
 * The only managed policies deploy roles may attach to the roles they create: what the stacks
 * attach (the host's Session Manager agent, constructs/airbyte-host/index.ts, and eks-helm's).
 */
export const ATTACHABLE_MANAGED_POLICIES: readonly string[] = ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', ...EKS_MANAGED_POLICIES];

/** Custom GCP role of the plan service account: what plans of the GCS staging bucket read. */
export const PLAN_STORAGE_PERMISSIONS: readonly string[] = ['storage.buckets.get', 'storage.hmacKeys.get'];

/** Names of an environment's resources all start with `cdc-<env>` (config/naming.ts awsNamePrefix). */
const named = (patterns: readonly string[], build: (prefix: string) => string[]) => patterns.flatMap((p) => build(awsNamePrefix(p)));

/** The environments' SSM parameters: `/<env>/...` (config/naming.ts) and `/cdc-<env>/...`. */
const parameters = (arns: AccountArns, patterns: readonly string[]) => patterns.flatMap((p) => [arns.ssm(`parameter/${p}/*`), arns.ssm(`parameter/${awsNamePrefix(p)}/*`)]);

/**
 * Tag conditions that tie an action to a GitHub environment's own resources: the stacks tag
 * every AWS resource `Environment=<env>` (provider default tags), and ephemeral environments
 * also `Ephemeral=true`. `key` is `aws:ResourceTag` for existing resources, `aws:RequestTag`
 * for the tags a create call carries.
 */
function tagConditions(key: 'aws:ResourceTag' | 'aws:RequestTag', target: DeployTarget, ifExists = false): Conditions {
  const conditions: Conditions = [when(ifExists ? 'StringLikeIfExists' : 'StringLike', `${key}/Environment`, target.patterns)];
  if (target.ephemeral) conditions.push(when(ifExists ? 'StringEqualsIfExists' : 'StringEquals', `${key}/Ephemeral`, ['true']));
  return conditions;
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

const STATE_KEY_USE = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
const stateObjects = (state: StateLocation, patterns: readonly string[], suffix = '*') => patterns.map((p) => `${state.bucketArn}/${state.keyPrefix}/${p}/${suffix}`);
const stateList = (state: StateLocation) => allow('StateList', ['s3:ListBucket', 's3:GetBucketLocation'], [state.bucketArn]);
const stateKey = (state: StateLocation) => allow('StateKey', STATE_KEY_USE, [state.keyArn]);

/** The deploy role's managed policies, in the order they are attached; IAM caps each at 6,144 characters. */
export type DeployPolicyGroup = 'state' | 'network' | 'data' | 'iam' | 'resources' | 'eks';

/**
 * What `cdktf deploy`/`destroy` of the environments' stacks needs (stacks/deploy-actions.ts lists
 * it per resource type), one statement list per managed policy. Named resources (IAM, secrets,
 * parameters, buckets, topics, aliases) are limited to the environments' `cdc-<env>` names; EC2,
 * RDS and KMS changes to resources tagged for the environments (`aws:RequestTag` on create,
 * `aws:ResourceTag` after); roles are created only under `boundaryArn`.
 */
export function deployStatements(arns: AccountArns, target: DeployTarget, state: StateLocation, boundaryArn: string): Record<DeployPolicyGroup, Statement[]> {
  const { patterns } = target;
  const requestTags = tagConditions('aws:RequestTag', target);
  const resourceTags = tagConditions('aws:ResourceTag', target);
  // Tag edits keep a resource inside the environments: they may not move its Environment tag out.
  const retag = [...resourceTags, ...tagConditions('aws:RequestTag', target, true)];
  const stateAndRead: Statement[] = [
    stateList(state),
    allow('StateObjects', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], stateObjects(state, patterns)),
    stateKey(state),
    // The state key is the one key here no environment owns: no deploy may change, disable or delete it.
    { sid: 'StateKeyUntouchable', effect: 'Deny', notActions: STATE_KEY_USE, resources: [state.keyArn] },
    allow('Describe', ['ec2:Describe*', 'kms:ListAliases', 'ssm:DescribeParameters', 'sts:GetCallerIdentity'], ['*']),
    allow('DescribeDatabases', ['rds:Describe*', 'rds:ListTagsForResource'], [arns.rds('*')]),
  ];
  const network: Statement[] = [
    allow('Ec2CreateTagged', EC2_CREATE_ACTIONS, EC2_CREATED.map((t) => arns.ec2(`${t}/*`)), requestTags),
    // The same calls also name existing resources (the VPC of a subnet, the subnet and groups of
    // an instance): those must be the environment's too.
    allow('Ec2ChangeTagged', [...EC2_CREATE_ACTIONS, ...EC2_CHANGE_ACTIONS], [arns.ec2('*')], resourceTags),
    // What a launch uses that carries no tag of ours: the public AMI and the new network interface.
    allow('Ec2LaunchFrom', ['ec2:RunInstances'], [arns.publicImages(), arns.ec2('network-interface/*')]),
    allow('Ec2TagOnCreate', ['ec2:CreateTags'], [arns.ec2('*')], [when('StringEquals', 'ec2:CreateAction', EC2_CREATE_ACTIONS.map((a) => a.replace('ec2:', '')))]),
    allow('Ec2Retag', ['ec2:CreateTags', 'ec2:DeleteTags'], [arns.ec2('*')], retag),
    // aws_default_security_group adopts the VPC's default group, which CreateVpc leaves untagged.
    allow('Ec2AdoptDefaultSecurityGroup', ['ec2:CreateTags'], [arns.ec2('security-group/*')], [when('Null', 'aws:ResourceTag/Environment', ['true']), ...requestTags]),
  ];
  const databases = [arns.rds('db:*'), arns.rds('pg:*'), arns.rds('subgrp:*')];
  const data: Statement[] = [
    allow('DatabaseCreateTagged', ['rds:CreateDBInstance', 'rds:CreateDBParameterGroup', 'rds:CreateDBSubnetGroup', 'rds:AddTagsToResource'], databases, requestTags),
    allow(
      'DatabaseChangeTagged',
      [
        'rds:CreateDBInstance', 'rds:DeleteDBInstance', 'rds:ModifyDBInstance', 'rds:RebootDBInstance',
        'rds:DeleteDBParameterGroup', 'rds:ModifyDBParameterGroup', 'rds:ResetDBParameterGroup',
        'rds:DeleteDBSubnetGroup', 'rds:ModifyDBSubnetGroup', 'rds:AddTagsToResource', 'rds:RemoveTagsFromResource',
      ],
      databases,
      retag,
    ),
    // The engine's default option group (untagged, AWS's) and final snapshots named for the environment.
    allow('DatabaseDefaults', ['rds:CreateDBInstance', 'rds:ModifyDBInstance'], [arns.rds('og:default:*')]),
    allow('DatabaseFinalSnapshots', ['rds:CreateDBSnapshot', 'rds:AddTagsToResource'], named(patterns, (prefix) => [arns.rds(`snapshot:${prefix}-*`)])),
    allow(
      'EnvironmentKeys',
      [
        'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation',
        'kms:ListResourceTags', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:UpdateKeyDescription',
        'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:CreateGrant',
      ],
      [arns.kms('key/*')],
      retag,
    ),
    // Launching the host with its root volume under the environment key: EC2 asks KMS, as the
    // caller, for a data key without plaintext and re-encrypts it for the volume.
    allow(
      'HostVolumeKey',
      ['kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey'],
      [arns.kms('key/*')],
      [when('StringEquals', 'kms:ViaService', [`ec2.${arns.region}.amazonaws.com`]), ...resourceTags],
    ),
    allow('EnvironmentKeyAliases', ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'], named(patterns, (prefix) => [arns.kms(`alias/${prefix}*`)])),
    // CreateAlias/DeleteAlias are also checked on the key the alias points at.
    allow('EnvironmentKeyAliasTargets', ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'], [arns.kms('key/*')], resourceTags),
  ];
  const roles = named(patterns, (prefix) => [arns.iam(`role/${prefix}-*`)]);
  const withBoundary: Conditions = [when('StringEquals', 'iam:PermissionsBoundary', [boundaryArn])];
  const iam: Statement[] = [
    // A role is born with the boundary, and only roles carrying it can be given policies: a
    // deploy can never make a role stronger than the boundary.
    allow('CreateRolesUnderBoundary', ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'], roles, withBoundary),
    allow('PolicyOnBoundedRoles', ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:UpdateAssumeRolePolicy'], roles, withBoundary),
    allow('AttachAllowedPolicies', ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'], roles, [...withBoundary, when('ArnEquals', 'iam:PolicyARN', ATTACHABLE_MANAGED_POLICIES)]),
    allow(
      'EnvironmentRoles',
      [
        'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:TagRole', 'iam:UntagRole',
        'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole',
      ],
      roles,
    ),
    allow(
      'EnvironmentInstanceProfiles',
      [
        'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:TagInstanceProfile', 'iam:UntagInstanceProfile',
        'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile',
      ],
      named(patterns, (prefix) => [arns.iam(`instance-profile/${prefix}-*`)]),
    ),
    allow('PassEnvironmentRolesToEc2', ['iam:PassRole'], roles, [when('StringEquals', 'iam:PassedToService', ['ec2.amazonaws.com'])]),
    allow('RdsServiceLinkedRole', ['iam:CreateServiceLinkedRole'], [arns.iam('role/aws-service-role/rds.amazonaws.com/*')], [when('StringEquals', 'iam:AWSServiceName', ['rds.amazonaws.com'])]),
  ];
  const resources: Statement[] = [
    allow(
      'EnvironmentSecrets',
      [
        'secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:RestoreSecret', 'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret',
        'secretsmanager:TagResource', 'secretsmanager:UntagResource',
        'secretsmanager:GetResourcePolicy', 'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy',
      ],
      named(patterns, (prefix) => [arns.secretsmanager(`secret:${prefix}/*`)]),
    ),
    // rds!… is the RDS-managed master secret, created on our behalf by CreateDBInstance; RDS tags
    // it with the instance's tags, which must be the environment's.
    allow(
      'RdsManagedSecrets',
      ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:TagResource', 'secretsmanager:RotateSecret'],
      [arns.secretsmanager('secret:rds!*')],
      tagConditions('aws:RequestTag', target, true),
    ),
    allow(
      'EnvironmentParameters',
      ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory', 'ssm:DeleteParameter', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource', 'ssm:ListTagsForResource'],
      parameters(arns, patterns),
    ),
    allow('PublicAmiParameters', ['ssm:GetParameter', 'ssm:GetParameters'], [arns.publicParameters()]),
    allow(
      'EnvironmentBuckets',
      [
        's3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:ListBucketVersions',
        's3:GetBucket*', 's3:PutBucket*', 's3:DeleteBucketPolicy', 's3:DeleteBucketOwnershipControls',
        's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration',
        's3:GetAccelerateConfiguration', 's3:GetReplicationConfiguration', 's3:GetAnalyticsConfiguration', 's3:GetIntelligentTieringConfiguration',
        's3:GetInventoryConfiguration', 's3:GetMetricsConfiguration',
        's3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObjectTagging', 's3:PutObjectTagging',
      ],
      named(patterns, (prefix) => [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`]),
    ),
    allow(
      'EnvironmentAlertTopics',
      ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:TagResource', 'sns:UntagResource', 'sns:ListTagsForResource', 'sns:Subscribe', 'sns:Unsubscribe', 'sns:GetSubscriptionAttributes'],
      named(patterns, (prefix) => [arns.sns(`${prefix}-*`)]),
    ),
    allow(
      'Alarms',
      ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
      [arns.cloudwatch('alarm:*')],
    ),
    // RDS exports its logs into /aws/rds/instance/<identifier>/<type>; the stack creates those
    // groups first (retention, environment key) so a teardown removes them.
    allow(
      'DatabaseLogGroups',
      [
        'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy',
        'logs:AssociateKmsKey', 'logs:DisassociateKmsKey', 'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource',
      ],
      named(patterns, (prefix) => [arns.logs(`log-group:/aws/rds/instance/${prefix}-*`)]),
    ),
    allow('DescribeLogGroups', ['logs:DescribeLogGroups'], [arns.logs('log-group:*')]),
    ...tunnelStatements(arns, patterns),
    ...hostCommandStatements(arns, patterns),
  ];
  return {
    state: stateAndRead,
    network,
    data,
    iam,
    resources,
    // eks-helm hosting (stacks/eks-hosting.ts): its own policy, each stays under 6,144 characters.
    eks: eksDeployStatements(arns, patterns),
  };
}

/** Session Manager port forwarding to the environment's host (scripts/tunnel.sh). */
function tunnelStatements(arns: AccountArns, patterns: readonly string[]): Statement[] {
  return [
    allow('TunnelToEnvironmentHost', ['ssm:StartSession'], [arns.ec2('instance/*')], [when('StringLike', 'ssm:resourceTag/Environment', patterns)]),
    allow('TunnelDocument', ['ssm:StartSession'], [arns.ssmDocument('AWS-StartPortForwardingSession')]),
    // `&{...}` is the policy document's escape for IAM variables (`${...}` would be Terraform's).
    allow('OwnSessions', ['ssm:TerminateSession', 'ssm:ResumeSession'], [arns.ssm('session/&{aws:userid}-*')]),
  ];
}

/** scripts/stack.sh deploy runs cdc-prepare-source and a unit restart on the environment's host. */
function hostCommandStatements(arns: AccountArns, patterns: readonly string[]): Statement[] {
  return [
    allow('CommandsOnEnvironmentHost', ['ssm:SendCommand'], [arns.ec2('instance/*')], [when('StringLike', 'ssm:resourceTag/Environment', patterns)]),
    allow('ShellCommandDocument', ['ssm:SendCommand'], [arns.ssmDocument('AWS-RunShellScript')]),
    // The command's result; GetCommandInvocation has no resource-level permission.
    allow('CommandResults', ['ssm:GetCommandInvocation'], ['*']),
  ];
}

/** Actions AWS authorizes only on "*", in their own policy so the suppression covers them alone. */
export function unscopedDeployStatements(target: DeployTarget): Statement[] {
  return [
    // The key does not exist yet: only the tags it is created with can be checked.
    allow('CreateEnvironmentKey', ['kms:CreateKey'], ['*'], tagConditions('aws:RequestTag', target)),
    // scripts/stack.sh stale-ephemeral finds pull request environments by their Ephemeral tag.
    allow('FindTaggedResources', ['tag:GetResources'], ['*']),
  ];
}
export const UNSCOPED_DEPLOY_REASON = 'kms:CreateKey (the key does not exist yet; its request tags are checked) and tag:GetResources (a search) have no resource-level permissions in AWS';

/**
 * The permissions boundary of the roles a GitHub environment's deploys create (the host role):
 * the most such a role can ever do, whatever policy a deploy puts on it. It grants nothing itself.
 */
export function roleBoundaryStatements(arns: AccountArns, target: DeployTarget): Statement[] {
  const { patterns } = target;
  return [
    // AmazonSSMManagedInstanceCore, the one attachable managed policy: the Session Manager agent.
    allow(
      'SessionManagerAgent',
      [
        'ssm:UpdateInstanceInformation', 'ssm:ListAssociations', 'ssm:ListInstanceAssociations', 'ssm:DescribeAssociation',
        'ssm:UpdateAssociationStatus', 'ssm:UpdateInstanceAssociationStatus', 'ssm:GetDocument', 'ssm:DescribeDocument',
        'ssm:PutInventory', 'ssm:PutComplianceItems', 'ssm:PutConfigurePackageResult', 'ssm:GetManifest', 'ssm:GetDeployablePatchSnapshotForInstance',
        'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel',
        'ec2messages:AcknowledgeMessage', 'ec2messages:DeleteMessage', 'ec2messages:FailMessage', 'ec2messages:GetEndpoint', 'ec2messages:GetMessages', 'ec2messages:SendReply',
      ],
      ['*'],
    ),
    allow(
      'EnvironmentSecrets',
      ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue'],
      [...named(patterns, (prefix) => [arns.secretsmanager(`secret:${prefix}/*`)]), arns.secretsmanager('secret:rds!*')],
    ),
    allow('EnvironmentParameters', ['ssm:GetParameter', 'ssm:GetParameters'], parameters(arns, patterns)),
    allow('EnvironmentObjects', ['s3:GetObject', 's3:GetObjectVersion'], named(patterns, (prefix) => [`arn:aws:s3:::${prefix}-*/*`])),
    allow('EnvironmentKeys', ['kms:Decrypt', 'kms:GenerateDataKey'], [arns.kms('key/*')], tagConditions('aws:ResourceTag', target)),
    // eks-helm: the cluster, node and pod roles (stacks/eks-deploy-permissions.ts).
    ...eksRoleBoundaryStatements(arns, patterns),
  ];
}
export const ROLE_BOUNDARY_REASON = 'a permissions boundary grants nothing; the Session Manager agent actions it caps have no resource-level permission (the role gets them from AmazonSSMManagedInstanceCore)';

/**
 * The plan role: state, lock files, data sources; no secret values, no sessions. Pull request
 * plans run with -refresh=false (scripts/stack.sh diff --refresh=false): they read the recorded
 * state and the data sources, never a resource's current values (the secret versions would need
 * their values); <env>-airbyte is planned by the deploy.
 */
export function planStatements(arns: AccountArns, planned: readonly string[], state: StateLocation): Statement[] {
  return [
    stateList(state),
    allow('StateObjects', ['s3:GetObject'], stateObjects(state, planned)),
    // A plan run with the lock (by a person with this role) writes <key>.tflock beside the state.
    allow('StateLockFiles', ['s3:PutObject', 's3:DeleteObject'], stateObjects(state, planned, '*.tflock')),
    stateKey(state),
    ...eksPlanStatements(arns, planned),
    // The data sources of <env>-aws and <env>-gcp (stacks/deploy-actions.ts, `plan`).
    allow('DataSourceDescribe', ['ec2:DescribeAvailabilityZones', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets'], ['*']),
    allow('PublicAmiParameters', ['ssm:GetParameter'], [arns.publicParameters()]),
  ];
}

/** IAM conditions of a GCP deploy service account's project roles, by role. */
export type GcpRoleConditions = Record<string, { readonly title: string; readonly expression: string }>;

/**
 * What a GitHub environment's GCP deploy service account may grant: project IAM only of the roles
 * the environments' stacks bind (constructs/bigquery-target.ts), and service accounts and keys
 * only of the environments' own accounts (`airbyte-<env>`).
 */
export function gcpDeployRoleConditions(patterns: readonly string[]): GcpRoleConditions {
  const prefixes = patterns.map((p) => gcpServiceAccountId(p.replace(/\*$/, '')));
  // GCP checks service-account permissions on projects/<p>/serviceAccounts/<email>; the
  // account part is matched by prefix, so an unexpected form is refused, never widened.
  const ownAccounts = prefixes.map((p) => `resource.name.extract("serviceAccounts/{account}").startsWith("${p}")`).join(' || ');
  return {
    'roles/resourcemanager.projectIamAdmin': {
      title: 'only-the-stack-roles',
      expression: `api.getAttribute("iam.googleapis.com/modifiedGrantsByRole", []).hasOnly([${BIGQUERY_TARGET_PROJECT_ROLES.map((r) => `"${r}"`).join(', ')}])`,
    },
    'roles/iam.serviceAccountAdmin': { title: 'own-service-accounts', expression: ownAccounts },
    'roles/iam.serviceAccountKeyAdmin': { title: 'own-service-account-keys', expression: ownAccounts },
  };
}
