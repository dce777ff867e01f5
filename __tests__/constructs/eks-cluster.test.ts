import { Testing, TerraformStack } from 'cdktf';
import { EksCluster, EksClusterProps } from '../../constructs/eks-cluster';
import { InvalidPropsError } from '../../constructs/errors';

const base: EksClusterProps = {
  clusterName: 'cdc-test', kubernetesVersion: '1.35', subnetIds: ['subnet-a', 'subnet-b'],
  kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/x',
};

function synth(props: Partial<EksClusterProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'test');
  const cluster = new EksCluster(stack, 'eks', { ...base, ...props });
  cluster.installCoreDns([]);
  return JSON.parse(Testing.synth(stack));
}

describe('EksCluster', () => {
  test('private endpoint by default; named CIDRs open the public endpoint to them only', () => {
    const [cluster] = Object.values(synth().resource.aws_eks_cluster) as Array<Record<string, any>>;
    expect(cluster.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect(cluster.vpc_config).not.toHaveProperty('public_access_cidrs');
    const [open] = Object.values(synth({ endpointPublicAccessCidrs: ['203.0.113.0/24'] }).resource.aws_eks_cluster) as Array<Record<string, any>>;
    expect(open.vpc_config).toMatchObject({ endpoint_public_access: true, public_access_cidrs: ['203.0.113.0/24'] });
  });

  test('the cluster role may use the key for envelope encryption, nothing else', () => {
    const json = synth();
    const [doc] = Object.entries(json.data.aws_iam_policy_document).filter(([id]) => id.startsWith('eks_key-use')).map(([, d]) => d) as Array<Record<string, any>>;
    expect(doc.statement[0].resources).toEqual([base.kmsKeyArn]);
    expect(doc.statement[0].actions.sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ListGrants']);
  });

  test('installs the four add-ons once', () => {
    const names = (Object.values(synth().resource.aws_eks_addon) as Array<Record<string, any>>).map((a) => a.addon_name).sort();
    expect(names).toEqual(['coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni']);
  });

  test('refuses an open endpoint, one subnet, a bad version, naming the prop', () => {
    expect(() => synth({ endpointPublicAccessCidrs: ['0.0.0.0/0'] })).toThrow(/endpointPublicAccessCidrs contains 0\.0\.0\.0\/0/);
    expect(() => synth({ subnetIds: ['subnet-a'] })).toThrow(InvalidPropsError);
    expect(() => synth({ subnetIds: ['subnet-a'] })).toThrow(/subnetIds needs at least 2/);
    expect(() => synth({ kubernetesVersion: 'latest' })).toThrow(/kubernetesVersion "latest"/);
  });
});
