import { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';

/**
 * What a deploy role needs, beyond the host-mode permissions, to apply and destroy an eks-helm
 * environment's `<env>-aws` (cluster, node groups and their launch templates, add-ons, access
 * entries, Pod Identity, control-plane log group) and to hand roles to EKS. The kubernetes stack
 * itself only needs eks:DescribeCluster plus its access entry (cluster admin) inside the cluster.
 * Environment names are patterns (`dev`, `pr-*`); every EKS name starts with `cdc-<env>`.
 */
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
      sid: 'NodeLaunchTemplates',
      effect: 'Allow',
      actions: ['ec2:CreateLaunchTemplate', 'ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions', 'ec2:GetLaunchTemplateData'],
      resources: [`arn:aws:ec2:${region}:${account}:launch-template/*`],
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
      sid: 'ControlPlaneLogGroups',
      effect: 'Allow',
      actions: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DescribeLogGroups', 'logs:ListTagsForResource', 'logs:TagResource', 'logs:UntagResource'],
      resources: [
        `arn:aws:logs:${region}:${account}:log-group:*`,
        ...clusters.map((c) => `arn:aws:logs:${region}:${account}:log-group:/aws/eks/${c}/*`),
      ],
    },
  ];
}
