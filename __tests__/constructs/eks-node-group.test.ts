import { Testing, TerraformStack } from 'cdktf';
import { EksNodeGroup, EksNodeGroupProps } from '../../constructs/eks-node-group';

const base: EksNodeGroupProps = { namePrefix: 'cdc-test', clusterName: 'cdc-test', pool: 'jobs', subnetIds: ['subnet-a', 'subnet-b'], instanceType: 'm6i.xlarge', minSize: 1, desiredSize: 2, maxSize: 5 };

function synth(props: Partial<EksNodeGroupProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'test');
  new EksNodeGroup(stack, 'nodes', { ...base, ...props });
  return JSON.parse(Testing.synth(stack));
}

describe('EksNodeGroup', () => {
  test('labels, taints and sizes reach the node group; the pool label is always set', () => {
    const json = synth({ taints: [{ key: 'cdc/pool', value: 'jobs', effect: 'NO_SCHEDULE' }], labels: { team: 'data' } });
    const [group] = Object.values(json.resource.aws_eks_node_group) as Array<Record<string, any>>;
    expect(group.labels).toEqual({ team: 'data', 'cdc/pool': 'jobs' });
    expect(group.taint).toEqual([{ key: 'cdc/pool', value: 'jobs', effect: 'NO_SCHEDULE' }]);
    expect(group.scaling_config).toEqual({ min_size: 1, desired_size: 2, max_size: 5 });
    expect(group.ami_type).toBe('AL2023_x86_64_STANDARD');
  });

  test('its launch template requires IMDSv2 with hop limit 1 and encrypts a gp3 root of the given size', () => {
    const [template] = Object.values(synth({ diskGiB: 150 }).resource.aws_launch_template) as Array<Record<string, any>>;
    expect(template.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'disabled' });
    expect(template.block_device_mappings[0]).toEqual({ device_name: '/dev/xvda', ebs: { volume_type: 'gp3', volume_size: 150, encrypted: 'true', delete_on_termination: 'true' } });
  });

  test('role and template names carry the environment prefix (the deploy role may only touch cdc-<env>-*)', () => {
    const json = synth();
    expect((Object.values(json.resource.aws_iam_role)[0] as Record<string, any>).name_prefix).toBe('cdc-test-eks-jobs-');
    expect((Object.values(json.resource.aws_launch_template)[0] as Record<string, any>).name_prefix).toBe('cdc-test-eks-jobs-');
  });

  test('the node role has only the worker, CNI and registry pull policies', () => {
    const policies = (Object.values(synth().resource.aws_iam_role_policy_attachment) as Array<Record<string, any>>).map((a) => String(a.policy_arn).split('/').pop()).sort();
    expect(policies).toEqual(['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy']);
  });

  test('refuses inconsistent sizes and a small disk, naming the prop', () => {
    expect(() => synth({ minSize: 3, desiredSize: 2 })).toThrow(/minSize ≤ desiredSize ≤ maxSize.*3\/2\/5/);
    expect(() => synth({ diskGiB: 10 })).toThrow(/diskGiB must be an integer ≥ 20/);
    expect(() => synth({ pool: 'Jobs!' })).toThrow(/pool "Jobs!"/);
  });
});
