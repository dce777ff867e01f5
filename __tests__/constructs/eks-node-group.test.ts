import { EksNodeGroup, EksNodeGroupProps, POOL_LABEL } from '../../constructs/eks-node-group';
import { all, buildConstruct, expectPropsError, single } from '../support/construct';

/** Only the required props: disk, labels, taints and tags take their defaults. */
const base: EksNodeGroupProps = { namePrefix: 'cdc-test', clusterName: 'cdc-test', pool: 'jobs', subnetIds: ['subnet-a', 'subnet-b'], instanceType: 'm6i.xlarge', minSize: 1, desiredSize: 2, maxSize: 5 };

function build(props: Partial<EksNodeGroupProps> = {}) {
  return buildConstruct((stack) => new EksNodeGroup(stack, 'nodes', { ...base, ...props }));
}

describe('EksNodeGroup defaults (props omitted)', () => {
  test('on-demand Amazon Linux 2023 nodes of the given type and sizes, labelled with their pool, untainted', () => {
    const { json, construct: group } = build();
    expect(single(json, 'aws_eks_node_group')).toMatchObject({
      cluster_name: 'cdc-test', node_group_name_prefix: 'jobs-', ami_type: 'AL2023_x86_64_STANDARD', capacity_type: 'ON_DEMAND',
      instance_types: ['m6i.xlarge'], scaling_config: { min_size: 1, desired_size: 2, max_size: 5 }, update_config: { max_unavailable: 1 },
      labels: { [POOL_LABEL]: 'jobs' }, taint: [],
    });
    expect(group.labels).toEqual({ 'cdc/pool': 'jobs' });
    expect(group.taints).toEqual([]);
  });

  test('its launch template requires IMDSv2 with hop limit 1 and encrypts a 100 GiB gp3 root', () => {
    const template = single(build().json, 'aws_launch_template');
    expect(template.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'disabled' });
    expect(template.block_device_mappings[0]).toEqual({ device_name: '/dev/xvda', ebs: { volume_type: 'gp3', volume_size: 100, encrypted: 'true', delete_on_termination: 'true' } });
  });

  test('role and template names carry the environment prefix (the deploy role may only touch cdc-<env>-*); no permissions boundary', () => {
    const json = build().json;
    expect(single(json, 'aws_iam_role')).toMatchObject({ name_prefix: 'cdc-test-eks-jobs-' });
    expect(single(json, 'aws_iam_role')).not.toHaveProperty('permissions_boundary');
    expect(single(json, 'aws_launch_template').name_prefix).toBe('cdc-test-eks-jobs-');
  });

  test('the node role has only the worker, CNI and registry pull policies', () => {
    const policies = all(build().json, 'aws_iam_role_policy_attachment').map((a) => String(a.policy_arn).split('/').pop()).sort();
    expect(policies).toEqual(['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy']);
  });
});

describe('EksNodeGroup props given', () => {
  test('labels, taints, disk and boundary reach the group; the pool label is always set', () => {
    const { json } = build({
      taints: [{ key: 'cdc/pool', value: 'jobs', effect: 'NO_SCHEDULE' }], labels: { team: 'data', [POOL_LABEL]: 'other' }, diskGiB: 150,
      permissionsBoundaryArn: 'arn:aws:iam::111111111111:policy/boundary',
    });
    const group = single(json, 'aws_eks_node_group');
    expect(group.labels).toEqual({ team: 'data', 'cdc/pool': 'jobs' });
    expect(group.taint).toEqual([{ key: 'cdc/pool', value: 'jobs', effect: 'NO_SCHEDULE' }]);
    expect(single(json, 'aws_launch_template').block_device_mappings[0].ebs.volume_size).toBe(150);
    expect(single(json, 'aws_iam_role').permissions_boundary).toBe('arn:aws:iam::111111111111:policy/boundary');
  });
});

describe('EksNodeGroup refuses props it cannot work with, naming the prop', () => {
  const where = 'EksNodeGroup test/nodes';
  const sizes = 'expected integers with 0 ≤ minSize ≤ desiredSize ≤ maxSize and maxSize ≥ 1';
  test.each<[string, Partial<EksNodeGroupProps>, string]>([
    ['a pool name with capitals', { pool: 'Jobs!' }, `${where}: pool "Jobs!" must be 1–20 lowercase letters, digits or hyphens`],
    ['an empty pool name', { pool: '' }, `${where}: pool "" must be 1–20 lowercase letters, digits or hyphens`],
    ['min above desired', { minSize: 3, desiredSize: 2 }, `${where}: ${sizes}, got 3/2/5`],
    ['desired above max', { desiredSize: 6 }, `${where}: ${sizes}, got 1/6/5`],
    ['a negative minimum', { minSize: -1 }, `${where}: ${sizes}, got -1/2/5`],
    ['no nodes at all', { minSize: 0, desiredSize: 0, maxSize: 0 }, `${where}: ${sizes}, got 0/0/0`],
    ['a fractional size', { desiredSize: 1.5 }, `${where}: ${sizes}, got 1/1.5/5`],
    ['a small disk', { diskGiB: 10 }, `${where}: diskGiB must be an integer ≥ 20 (images of Airbyte and its connectors), got 10`],
    ['no subnets', { subnetIds: [] }, `${where}: subnetIds is empty; expected the cluster's private subnets`],
    ['an empty instance type', { instanceType: '' }, `${where}: instanceType "" must be an EC2 instance type such as m6i.xlarge`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => build(props), message);
  });
});
