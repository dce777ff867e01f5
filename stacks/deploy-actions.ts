/**
 * What each Terraform resource type of the environment stacks needs from the cloud, as data:
 * the AWS actions of the deploy role (create, read, update, delete and what AWS checks on the
 * side, e.g. the EBS key grants of a launch), the GCP roles of the deploy service account, and the
 * AWS actions of a pull request plan (no refresh: only data sources are read).
 *
 * __tests__/stacks/deploy-actions.test.ts synthesizes every stack of every environment, fails on
 * a type that is missing here, and checks that the bootstrap stack's roles grant what is listed.
 * A new resource type gets its row here, and its actions in the deploy permission list (stacks/deploy-permissions.ts;
 * the eks-helm ones in stacks/eks-deploy-permissions.ts).
 *
 * Keys: the resource type (`aws_vpc`), or `data.<type>` for a data source.
 */
export interface ResourceTypeNeeds {
  /** AWS actions the deploy role needs for the type. */
  readonly aws?: readonly string[];
  /** Project roles the GCP deploy service account needs for the type. */
  readonly gcpRoles?: readonly string[];
  /** AWS actions of a pull request plan (`-refresh=false`): data sources are still read. */
  readonly plan?: readonly string[];
  /** Why the type needs nothing from a cloud (provider-local, or reached another way). */
  readonly nothing?: string;
}

// The Airbyte provider reaches the Airbyte API on the host through an SSM port forward
// (scripts/tunnel.sh); that session is all it needs from AWS.
const AIRBYTE_API: ResourceTypeNeeds = { aws: ['ssm:StartSession', 'ssm:TerminateSession'] };

export const RESOURCE_TYPE_NEEDS: Readonly<Record<string, ResourceTypeNeeds>> = {
  // ---- network ----------------------------------------------------------------------------
  aws_vpc: { aws: ['ec2:CreateVpc', 'ec2:DeleteVpc', 'ec2:ModifyVpcAttribute', 'ec2:DescribeVpcs', 'ec2:DescribeVpcAttribute', 'ec2:CreateTags'] },
  aws_subnet: { aws: ['ec2:CreateSubnet', 'ec2:DeleteSubnet', 'ec2:ModifySubnetAttribute', 'ec2:DescribeSubnets', 'ec2:CreateTags'] },
  aws_internet_gateway: {
    aws: ['ec2:CreateInternetGateway', 'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway', 'ec2:DescribeInternetGateways', 'ec2:CreateTags'],
  },
  aws_eip: { aws: ['ec2:AllocateAddress', 'ec2:ReleaseAddress', 'ec2:DescribeAddresses', 'ec2:DisassociateAddress', 'ec2:CreateTags'] },
  aws_nat_gateway: { aws: ['ec2:CreateNatGateway', 'ec2:DeleteNatGateway', 'ec2:DescribeNatGateways', 'ec2:CreateTags'] },
  aws_route_table: { aws: ['ec2:CreateRouteTable', 'ec2:DeleteRouteTable', 'ec2:DescribeRouteTables', 'ec2:CreateTags'] },
  aws_route: { aws: ['ec2:CreateRoute', 'ec2:DeleteRoute', 'ec2:ReplaceRoute', 'ec2:DescribeRouteTables'] },
  aws_route_table_association: { aws: ['ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable', 'ec2:DescribeRouteTables'] },
  // Takes over the VPC's default group: tags it, then revokes its rules.
  aws_default_security_group: { aws: ['ec2:CreateTags', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:DescribeSecurityGroups'] },
  aws_security_group: {
    aws: ['ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup', 'ec2:DescribeSecurityGroups', 'ec2:RevokeSecurityGroupEgress', 'ec2:CreateTags'],
  },
  aws_vpc_security_group_ingress_rule: {
    aws: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:ModifySecurityGroupRules', 'ec2:DescribeSecurityGroupRules', 'ec2:CreateTags'],
  },
  aws_vpc_security_group_egress_rule: {
    aws: ['ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifySecurityGroupRules', 'ec2:DescribeSecurityGroupRules', 'ec2:CreateTags'],
  },

  // ---- host ---------------------------------------------------------------------------------
  // A root volume encrypted with the environment key: EC2 asks KMS, as the caller, for a grant
  // and a data key (facts.md, "AWS details that synthesized JSON cannot show").
  aws_instance: {
    aws: [
      'ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:DescribeInstances', 'ec2:DescribeInstanceAttribute',
      'ec2:ModifyInstanceAttribute', 'ec2:ModifyInstanceMetadataOptions', 'ec2:DescribeVolumes', 'ec2:CreateTags',
      'iam:PassRole',
      'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*',
    ],
  },
  // Airbyte's data volume under the environment key: like the root volume, EC2 asks KMS as the caller.
  aws_ebs_volume: {
    aws: [
      'ec2:CreateVolume', 'ec2:DeleteVolume', 'ec2:DescribeVolumes', 'ec2:ModifyVolume', 'ec2:CreateTags',
      'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*',
    ],
  },
  // stop_instance_before_detaching: the host is stopped before its data volume is detached.
  aws_volume_attachment: { aws: ['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:DescribeVolumes', 'ec2:StopInstances', 'ec2:DescribeInstances', 'kms:CreateGrant'] },
  aws_iam_role: {
    aws: [
      'iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:TagRole', 'iam:UntagRole', 'iam:UpdateAssumeRolePolicy',
      'iam:PutRolePermissionsBoundary', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole',
    ],
  },
  aws_iam_role_policy: { aws: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'] },
  aws_iam_role_policy_attachment: { aws: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:ListAttachedRolePolicies'] },
  aws_iam_instance_profile: {
    aws: ['iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:TagInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile'],
  },

  // ---- keys, database -----------------------------------------------------------------------
  aws_kms_key: {
    aws: [
      'kms:CreateKey', 'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation',
      'kms:ListResourceTags', 'kms:TagResource', 'kms:UntagResource', 'kms:UpdateKeyDescription', 'kms:ScheduleKeyDeletion',
    ],
  },
  aws_kms_alias: { aws: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias', 'kms:ListAliases'] },
  // manage_master_user_password: RDS creates the rds!… secret, encrypted with the environment key.
  aws_db_instance: {
    aws: [
      'rds:CreateDBInstance', 'rds:DeleteDBInstance', 'rds:ModifyDBInstance', 'rds:RebootDBInstance', 'rds:DescribeDBInstances',
      'rds:AddTagsToResource', 'rds:ListTagsForResource',
      'kms:CreateGrant', 'kms:DescribeKey', 'secretsmanager:CreateSecret', 'secretsmanager:TagResource',
    ],
  },
  aws_db_parameter_group: {
    aws: ['rds:CreateDBParameterGroup', 'rds:DeleteDBParameterGroup', 'rds:ModifyDBParameterGroup', 'rds:DescribeDBParameterGroups', 'rds:DescribeDBParameters', 'rds:AddTagsToResource'],
  },
  aws_db_subnet_group: {
    aws: ['rds:CreateDBSubnetGroup', 'rds:DeleteDBSubnetGroup', 'rds:ModifyDBSubnetGroup', 'rds:DescribeDBSubnetGroups', 'rds:AddTagsToResource'],
  },

  // ---- named resources ----------------------------------------------------------------------
  aws_s3_bucket: { aws: ['s3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:GetBucketTagging', 's3:PutBucketTagging', 's3:GetBucketAcl', 's3:GetBucketCORS'] },
  aws_s3_bucket_ownership_controls: { aws: ['s3:PutBucketOwnershipControls', 's3:GetBucketOwnershipControls'] },
  aws_s3_bucket_policy: { aws: ['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy'] },
  aws_s3_bucket_public_access_block: { aws: ['s3:PutBucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock'] },
  aws_s3_bucket_server_side_encryption_configuration: { aws: ['s3:PutEncryptionConfiguration', 's3:GetEncryptionConfiguration'] },
  aws_s3_bucket_versioning: { aws: ['s3:PutBucketVersioning', 's3:GetBucketVersioning'] },
  aws_s3_object: { aws: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:GetObjectTagging', 'kms:GenerateDataKey', 'kms:Decrypt'] },
  aws_secretsmanager_secret: {
    aws: ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:TagResource'],
  },
  aws_secretsmanager_secret_version: { aws: ['secretsmanager:PutSecretValue', 'secretsmanager:GetSecretValue'] },
  aws_sns_topic: { aws: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:ListTagsForResource', 'sns:TagResource'] },
  aws_sns_topic_subscription: { aws: ['sns:Subscribe', 'sns:Unsubscribe', 'sns:GetSubscriptionAttributes'] },
  aws_cloudwatch_log_group: {
    aws: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:DescribeLogGroups', 'logs:PutRetentionPolicy', 'logs:AssociateKmsKey', 'logs:TagResource', 'logs:ListTagsForResource'],
  },
  aws_cloudwatch_metric_alarm: { aws: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource', 'cloudwatch:TagResource'] },
  aws_ssm_parameter: { aws: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:DeleteParameter', 'ssm:ListTagsForResource', 'ssm:AddTagsToResource', 'ssm:DescribeParameters'] },
  random_password: { nothing: 'generated by the random provider on the machine running Terraform' },
  random_id: { nothing: 'generated by the random provider on the machine running Terraform' },

  // ---- eks-helm hosting (stacks/eks-hosting.ts, stacks/kubernetes-stack.ts) -------------------
  // Secrets envelope encryption: EKS asks KMS, as the caller, for a grant on the environment key.
  aws_eks_cluster: {
    aws: [
      'eks:CreateCluster', 'eks:DeleteCluster', 'eks:DescribeCluster', 'eks:UpdateClusterConfig', 'eks:UpdateClusterVersion',
      'eks:DescribeUpdate', 'eks:TagResource', 'eks:ListTagsForResource', 'iam:PassRole', 'iam:CreateServiceLinkedRole',
      'kms:CreateGrant', 'kms:DescribeKey',
    ],
  },
  aws_eks_node_group: {
    aws: [
      'eks:CreateNodegroup', 'eks:DeleteNodegroup', 'eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig', 'eks:UpdateNodegroupVersion',
      'eks:DescribeUpdate', 'eks:TagResource', 'iam:PassRole', 'iam:CreateServiceLinkedRole', 'ec2:RunInstances', 'ec2:CreateTags',
    ],
  },
  aws_eks_addon: { aws: ['eks:CreateAddon', 'eks:DeleteAddon', 'eks:DescribeAddon', 'eks:UpdateAddon', 'eks:TagResource'] },
  aws_eks_access_entry: { aws: ['eks:CreateAccessEntry', 'eks:DeleteAccessEntry', 'eks:DescribeAccessEntry', 'eks:UpdateAccessEntry', 'eks:TagResource'] },
  aws_eks_access_policy_association: { aws: ['eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy', 'eks:ListAssociatedAccessPolicies'] },
  aws_eks_pod_identity_association: {
    aws: ['eks:CreatePodIdentityAssociation', 'eks:DeletePodIdentityAssociation', 'eks:DescribePodIdentityAssociation', 'eks:UpdatePodIdentityAssociation', 'eks:TagResource', 'iam:PassRole'],
  },
  aws_launch_template: {
    aws: ['ec2:CreateLaunchTemplate', 'ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplate', 'ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'],
  },
  random_uuid: { nothing: 'generated by the random provider on the machine running Terraform' },
  'data.aws_iam_session_context': { nothing: 'derived by the provider from the caller ARN (iam:GetRole only for a role session: covered by the role statements)' },
  // <env>-kubernetes: the providers reach the cluster with `aws eks get-token`; inside it, the
  // caller's access entry (cluster admin) authorizes everything, not IAM.
  'data.aws_eks_cluster': { aws: ['eks:DescribeCluster'], plan: ['eks:DescribeCluster'] },
  helm_release: { nothing: 'Kubernetes API through the access entry (cluster admin); the chart comes from a public repository' },
  kubernetes_namespace_v1: { nothing: 'Kubernetes API through the access entry (cluster admin)' },
  kubernetes_secret_v1: { nothing: 'Kubernetes API through the access entry (cluster admin)' },
  kubernetes_config_map_v1: { nothing: 'Kubernetes API through the access entry (cluster admin)' },
  kubernetes_service_account_v1: { nothing: 'Kubernetes API through the access entry (cluster admin)' },
  kubernetes_manifest: { nothing: 'Kubernetes API through the access entry (cluster admin)' },

  // ---- data sources -------------------------------------------------------------------------
  'data.aws_availability_zones': { aws: ['ec2:DescribeAvailabilityZones'], plan: ['ec2:DescribeAvailabilityZones'] },
  'data.aws_caller_identity': { nothing: 'sts:GetCallerIdentity needs no permission' },
  'data.aws_partition': { nothing: 'computed by the provider from its region' },
  'data.aws_iam_policy_document': { nothing: 'rendered by the provider, no API call' },
  'data.aws_ssm_parameter': { aws: ['ssm:GetParameter'], plan: ['ssm:GetParameter'] },
  'data.aws_vpc': { aws: ['ec2:DescribeVpcs'], plan: ['ec2:DescribeVpcs'] },
  'data.aws_subnet': { aws: ['ec2:DescribeSubnets'], plan: ['ec2:DescribeSubnets'] },
  'data.aws_region': { nothing: 'the provider\'s own region, no API call' },
  // Only in <env>-airbyte, which pull request plans skip.
  'data.aws_secretsmanager_secret_version': { aws: ['secretsmanager:GetSecretValue'] },
  'data.terraform_remote_state': { aws: ['s3:GetObject', 'kms:Decrypt'] },

  // ---- GCP ----------------------------------------------------------------------------------
  google_bigquery_dataset: { gcpRoles: ['roles/bigquery.admin'] },
  google_bigquery_dataset_iam_member: { gcpRoles: ['roles/bigquery.admin'] },
  google_project_iam_member: { gcpRoles: ['roles/resourcemanager.projectIamAdmin'] },
  google_service_account: { gcpRoles: ['roles/iam.serviceAccountCreator', 'roles/iam.serviceAccountAdmin'] },
  google_service_account_key: { gcpRoles: ['roles/iam.serviceAccountKeyAdmin'] },
  google_storage_bucket: { gcpRoles: ['roles/storage.admin'] },
  google_storage_bucket_iam_member: { gcpRoles: ['roles/storage.admin'] },
  google_storage_hmac_key: { gcpRoles: ['roles/storage.hmacKeyAdmin'] },

  // ---- Airbyte ------------------------------------------------------------------------------
  airbyte_workspace: AIRBYTE_API,
  airbyte_source: AIRBYTE_API,
  airbyte_destination: AIRBYTE_API,
  airbyte_connection: AIRBYTE_API,
};

/** The AWS actions a pull request plan (no refresh) of these resource types needs. */
export function planActions(types: Iterable<string>): string[] {
  const actions = new Set<string>();
  for (const type of types) for (const action of RESOURCE_TYPE_NEEDS[type]?.plan ?? []) actions.add(action);
  return [...actions].sort();
}
