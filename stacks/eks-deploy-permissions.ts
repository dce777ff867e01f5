import { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';

/**
 * What a deploy role needs, beyond the host-mode permissions, to apply and destroy an eks-helm
 * environment's `<env>-aws` (cluster, node groups and their launch templates, add-ons, access
 * entries, Pod Identity, control-plane log group) and to hand roles to EKS. The kubernetes stack
 * itself only needs eks:DescribeCluster plus its access entry (cluster admin) inside the cluster.
 * Environment names are patterns (`dev`, `pr-*`); every EKS name starts with `cdc-<env>`.
 */
/** Launch templates are EC2 resources: the bootstrap stack ties these to the environment's tags like every EC2 change. */
export const EKS_EC2_CREATE_ACTIONS: readonly string[] = ['ec2:CreateLaunchTemplate'];
export const EKS_EC2_CHANGE_ACTIONS: readonly string[] = ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions'];

/** A pull request plan of `<env>-kubernetes` reads its cluster (data.aws_eks_cluster). */
export function eksPlanStatements(region: string, account: string, patterns: readonly string[]): DataAwsIamPolicyDocumentStatement[] {
  return [{ sid: 'DescribeEnvironmentClusters', effect: 'Allow', actions: ['eks:DescribeCluster'], resources: patterns.map((p) => `arn:aws:eks:${region}:${account}:cluster/cdc-${p}`) }];
}

export function eksDeployStatements(region: string, account: string, patterns: readonly string[]): DataAwsIamPolicyDocumentStatement[] {
  const eks = (resource: string) => `arn:aws:eks:${region}:${account}:${resource}`;
  const clusters = patterns.map((p) => `cdc-${p}`);
  return [
    {
      sid: 'EnvironmentClusters',
      effect: 'Allow',
      actions: [
        'eks:CreateCluster', 'eks:DeleteCluster', 'eks:DescribeCluster', 'eks:UpdateClusterConfig', 'eks:UpdateClusterVersion',
        'eks:DescribeUpdate', 'eks:ListUpdates', 'eks:TagResource', 'eks:UntagResource', 'eks:ListTagsForResource',
        'eks:CreateNodegroup', 'eks:DeleteNodegroup', 'eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig', 'eks:UpdateNodegroupVersion', 'eks:ListNodegroups',
        'eks:CreateAddon', 'eks:DeleteAddon', 'eks:DescribeAddon', 'eks:UpdateAddon', 'eks:ListAddons',
        'eks:CreateAccessEntry', 'eks:DeleteAccessEntry', 'eks:DescribeAccessEntry', 'eks:UpdateAccessEntry', 'eks:ListAccessEntries',
        'eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy', 'eks:ListAssociatedAccessPolicies',
        'eks:CreatePodIdentityAssociation', 'eks:DeletePodIdentityAssociation', 'eks:DescribePodIdentityAssociation',
        'eks:UpdatePodIdentityAssociation', 'eks:ListPodIdentityAssociations',
      ],
      resources: clusters.flatMap((c) => [
        eks(`cluster/${c}`), eks(`nodegroup/${c}/*`), eks(`addon/${c}/*`), eks(`access-entry/${c}/*`), eks(`podidentityassociation/${c}/*`),
      ]),
    },
    {
      sid: 'PassEnvironmentRolesToEks',
      effect: 'Allow',
      actions: ['iam:PassRole'],
      resources: clusters.map((c) => `arn:aws:iam::${account}:role/${c}-*`),
      condition: [{ test: 'StringEquals', variable: 'iam:PassedToService', values: ['eks.amazonaws.com', 'pods.eks.amazonaws.com'] }],
    },
    {
      sid: 'EksServiceLinkedRoles',
      effect: 'Allow',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [`arn:aws:iam::${account}:role/aws-service-role/*`],
      condition: [{ test: 'StringEquals', variable: 'iam:AWSServiceName', values: ['eks.amazonaws.com', 'eks-nodegroup.amazonaws.com', 'autoscaling.amazonaws.com'] }],
    },
    {
      // Only the clusters' own control-plane log groups: a `log-group:*` here would let a deploy
      // role delete any log group of the account (DescribeLogGroups, which needs `*`, is granted
      // with the RDS log groups).
      sid: 'ControlPlaneLogGroups',
      effect: 'Allow',
      actions: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:ListTagsForResource', 'logs:TagResource', 'logs:UntagResource'],
      resources: clusters.map((c) => `arn:aws:logs:${region}:${account}:log-group:/aws/eks/${c}/*`),
    },
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
export function eksRoleBoundaryStatements(region: string, account: string, patterns: readonly string[]): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      sid: 'EksClusterAndNodes',
      effect: 'Allow',
      actions: [
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
      resources: ['*'],
    },
    {
      sid: 'AirbyteStorage',
      effect: 'Allow',
      actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:PutObject', 's3:DeleteObject'],
      resources: patterns.flatMap((p) => [`arn:aws:s3:::cdc-${p}-*`, `arn:aws:s3:::cdc-${p}-*/*`]),
    },
    {
      sid: 'AirbyteSecrets',
      effect: 'Allow',
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:DeleteSecret'],
      resources: [`arn:aws:secretsmanager:${region}:${account}:secret:airbyte_*`],
    },
  ];
}
