import { EKS_CONTROL_PLANE_LOG_TYPES, EksCluster, EksClusterProps } from '../../constructs/eks-cluster';
import { all, byId, expectPropsError, Json, single, synthConstruct } from '../support/construct';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/x';
/** Only the required props: everything else takes its default. */
const base: EksClusterProps = { clusterName: 'cdc-test', kubernetesVersion: '1.35', subnetIds: ['subnet-a', 'subnet-b'], kmsKeyArn: KEY };

function synth(props: Partial<EksClusterProps> = {}): Json {
  return synthConstruct((stack) => new EksCluster(stack, 'eks', { ...base, ...props }).installCoreDns([]));
}

describe('EksCluster defaults (props omitted)', () => {
  test('a private endpoint only', () => {
    const cluster = single(synth(), 'aws_eks_cluster');
    expect(cluster.vpc_config).toMatchObject({ subnet_ids: ['subnet-a', 'subnet-b'], endpoint_private_access: true, endpoint_public_access: false });
    expect(cluster.vpc_config).not.toHaveProperty('public_access_cidrs');
  });

  test('deletion protection, access entries only, secrets envelope-encrypted, every control-plane log, standard support, no self-managed add-ons', () => {
    expect(single(synth(), 'aws_eks_cluster')).toMatchObject({
      name: 'cdc-test', version: '1.35', deletion_protection: true,
      access_config: { authentication_mode: 'API', bootstrap_cluster_creator_admin_permissions: false },
      encryption_config: { resources: ['secrets'], provider: { key_arn: KEY } },
      enabled_cluster_log_types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
      upgrade_policy: { support_type: 'STANDARD' }, bootstrap_self_managed_addons: false,
    });
    expect(EKS_CONTROL_PLANE_LOG_TYPES).toHaveLength(5);
  });

  test('control-plane logs kept 90 days', () => {
    expect(single(synth(), 'aws_cloudwatch_log_group')).toMatchObject({ name: '/aws/eks/cdc-test/cluster', retention_in_days: 90 });
  });

  test('only the applying principal is admin, no viewers, no permissions boundary', () => {
    const json = synth();
    expect(byId(json, 'aws_eks_access_entry', 'eks_admin-entry').for_each).toMatch(/^\$\{toset\(distinct\(concat\(\[\], \[data\.aws_iam_session_context\..+\.issuer_arn\]\)\)\)\}$/);
    expect(all(json, 'aws_eks_access_entry')).toHaveLength(1);
    expect(single(json, 'aws_iam_role')).not.toHaveProperty('permissions_boundary');
  });

  test('the cluster role may use the key for envelope encryption, nothing else', () => {
    const doc = byId(synth(), 'aws_iam_policy_document', 'eks_key-use', 'data');
    expect(doc.statement[0].resources).toEqual([KEY]);
    expect(doc.statement[0].actions.sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ListGrants']);
  });

  test('installs the four add-ons once', () => {
    expect(all(synth(), 'aws_eks_addon').map((a) => a.addon_name).sort()).toEqual(['coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni']);
  });
});

describe('EksCluster props given', () => {
  test('named CIDRs open the public endpoint to them only; admins, viewers, log retention, boundary and protection reach the resources', () => {
    const json = synth({
      endpointPublicAccessCidrs: ['203.0.113.0/24'], adminRoleArns: ['arn:aws:iam::111111111111:role/admin'], viewerRoleArns: ['arn:aws:iam::111111111111:role/viewer'],
      logRetentionInDays: 30, permissionsBoundaryArn: 'arn:aws:iam::111111111111:policy/boundary', deletionProtection: false,
    });
    const cluster = single(json, 'aws_eks_cluster');
    expect(cluster.vpc_config).toMatchObject({ endpoint_public_access: true, public_access_cidrs: ['203.0.113.0/24'] });
    expect(cluster.deletion_protection).toBe(false);
    expect(byId(json, 'aws_eks_access_entry', 'eks_admin-entry').for_each).toContain('["arn:aws:iam::111111111111:role/admin"]');
    expect(byId(json, 'aws_eks_access_entry', 'eks_viewer-entry-0').principal_arn).toBe('arn:aws:iam::111111111111:role/viewer');
    expect(single(json, 'aws_cloudwatch_log_group').retention_in_days).toBe(30);
    expect(single(json, 'aws_iam_role').permissions_boundary).toBe('arn:aws:iam::111111111111:policy/boundary');
  });
});

describe('EksCluster refuses props it cannot work with, naming the prop', () => {
  const where = 'EksCluster test/eks';
  test.each<[string, Partial<EksClusterProps>, string]>([
    ['an empty cluster name', { clusterName: '' }, `${where}: clusterName "" must be 1–100 letters, digits, hyphens or underscores`],
    ['a cluster name with a dot', { clusterName: 'cdc.test' }, `${where}: clusterName "cdc.test" must be 1–100 letters, digits, hyphens or underscores`],
    ['a bad version', { kubernetesVersion: 'latest' }, `${where}: kubernetesVersion "latest" must look like "1.35"`],
    ['one subnet', { subnetIds: ['subnet-a'] }, `${where}: subnetIds needs at least 2 subnets in different availability zones, got 1`],
    ['an endpoint open to the internet', { endpointPublicAccessCidrs: ['0.0.0.0/0'] }, `${where}: endpointPublicAccessCidrs contains 0.0.0.0/0, which opens the cluster API to the internet; name your ranges or leave it empty for a private endpoint`],
    ['a zero log retention', { logRetentionInDays: 0 }, `${where}: logRetentionInDays must be an integer ≥ 1, got 0`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => synth(props), message);
  });
});
