import { awsNamePrefix } from '../config/naming';
import { AccountArns, allow, Statement, when } from './iam-statement';

/**
 * What a deploy role needs, beyond the host-mode permissions, to apply and destroy an eks-helm
 * environment's `<env>-aws` (cluster, node groups and their launch templates, add-ons, access
 * entries, Pod Identity, control-plane log group) and to hand roles to EKS. The kubernetes stack
 * itself only needs eks:DescribeCluster plus its access entry (cluster admin) inside the cluster.
 * Environment names are patterns (`dev`, `pr-*`); every EKS name starts with `cdc-<env>`
 * (config/naming.ts awsNamePrefix). Used by the deploy permission list (stacks/deploy-permissions.ts).
 */

/** Launch templates are EC2 resources: the bootstrap stack ties these to the environment's tags like every EC2 change. */
export const EKS_EC2_CREATE_ACTIONS: readonly string[] = ['ec2:CreateLaunchTemplate'];
export const EKS_EC2_CHANGE_ACTIONS: readonly string[] = ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions'];

/** A pull request plan of `<env>-kubernetes` reads its cluster (data.aws_eks_cluster). */
export function eksPlanStatements(arns: AccountArns, patterns: readonly string[]): Statement[] {
  return [allow('DescribeEnvironmentClusters', ['eks:DescribeCluster'], patterns.map((p) => arns.eks(`cluster/${awsNamePrefix(p)}`)))];
}

export function eksDeployStatements(arns: AccountArns, patterns: readonly string[]): Statement[] {
  const clusters = patterns.map(awsNamePrefix);
  return [
    allow(
      'EnvironmentClusters',
      [
        'eks:CreateCluster', 'eks:DeleteCluster', 'eks:DescribeCluster', 'eks:UpdateClusterConfig', 'eks:UpdateClusterVersion',
        'eks:DescribeUpdate', 'eks:ListUpdates', 'eks:TagResource', 'eks:UntagResource', 'eks:ListTagsForResource',
        'eks:CreateNodegroup', 'eks:DeleteNodegroup', 'eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig', 'eks:UpdateNodegroupVersion', 'eks:ListNodegroups',
        'eks:CreateAddon', 'eks:DeleteAddon', 'eks:DescribeAddon', 'eks:UpdateAddon', 'eks:ListAddons',
        'eks:CreateAccessEntry', 'eks:DeleteAccessEntry', 'eks:DescribeAccessEntry', 'eks:UpdateAccessEntry', 'eks:ListAccessEntries',
        'eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy', 'eks:ListAssociatedAccessPolicies',
        'eks:CreatePodIdentityAssociation', 'eks:DeletePodIdentityAssociation', 'eks:DescribePodIdentityAssociation',
        'eks:UpdatePodIdentityAssociation', 'eks:ListPodIdentityAssociations',
      ],
      clusters.flatMap((c) => [
        arns.eks(`cluster/${c}`), arns.eks(`nodegroup/${c}/*`), arns.eks(`addon/${c}/*`), arns.eks(`access-entry/${c}/*`), arns.eks(`podidentityassociation/${c}/*`),
      ]),
    ),
    allow(
      'PassEnvironmentRolesToEks',
      ['iam:PassRole'],
      clusters.map((c) => arns.iam(`role/${c}-*`)),
      [when('StringEquals', 'iam:PassedToService', ['eks.amazonaws.com', 'pods.eks.amazonaws.com'])],
    ),
    allow(
      'EksServiceLinkedRoles',
      ['iam:CreateServiceLinkedRole'],
      [arns.iam('role/aws-service-role/*')],
      [when('StringEquals', 'iam:AWSServiceName', ['eks.amazonaws.com', 'eks-nodegroup.amazonaws.com', 'autoscaling.amazonaws.com'])],
    ),
    // Only the clusters' own control-plane log groups: a `log-group:*` here would let a deploy
    // role delete any log group of the account (DescribeLogGroups, which needs `*`, is granted
    // with the RDS log groups).
    allow(
      'ControlPlaneLogGroups',
      ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:ListTagsForResource', 'logs:TagResource', 'logs:UntagResource'],
      clusters.map((c) => arns.logs(`log-group:/aws/eks/${c}/*`)),
    ),
  ];
}

/** AWS managed policies the EKS cluster and node roles need; deploy roles may attach them (bootstrap allow-list). */
export const EKS_MANAGED_POLICIES: readonly string[] = [
  'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
];

/**
 * What the roles an eks-helm deploy creates may do at most (added to the bootstrap stack's
 * permissions boundary): the cluster role's and node roles' managed policies (network interfaces,
 * volumes, image pulls; AWS authorizes most of them only on "*"), and the pod roles' Airbyte
 * storage and Airbyte-created secrets (`airbyte_*`). Each role's own policy stays narrower.
 */
export function eksRoleBoundaryStatements(arns: AccountArns, patterns: readonly string[]): Statement[] {
  return [
    allow(
      'EksClusterAndNodes',
      [
        'ec2:DescribeInstances', 'ec2:DescribeInstanceTypes', 'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets',
        'ec2:DescribeVolumes', 'ec2:DescribeVolumesModifications', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeAvailabilityZones', 'ec2:DescribeTags', 'ec2:DescribeAccountAttributes', 'ec2:DescribeInstanceTopology',
        'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AttachNetworkInterface', 'ec2:DetachNetworkInterface',
        'ec2:ModifyNetworkInterfaceAttribute', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses', 'ec2:CreateNetworkInterfacePermission',
        'ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:CreateTags',
        'autoscaling:DescribeAutoScalingGroups', 'autoscaling:UpdateAutoScalingGroup',
        'eks:DescribeCluster', 'eks-auth:AssumeRoleForPodIdentity',
        'ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability',
        'kms:Encrypt', 'kms:ListGrants', 'kms:DescribeKey',
      ],
      ['*'],
    ),
    allow('AirbyteStorage', ['s3:ListBucket', 's3:GetBucketLocation', 's3:PutObject', 's3:DeleteObject'], patterns.flatMap((p) => [`arn:aws:s3:::${awsNamePrefix(p)}-*`, `arn:aws:s3:::${awsNamePrefix(p)}-*/*`])),
    allow(
      'AirbyteSecrets',
      ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:DeleteSecret'],
      [arns.secretsmanager('secret:airbyte_*')],
    ),
  ];
}
