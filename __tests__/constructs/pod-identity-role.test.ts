import { Testing, TerraformStack } from 'cdktf';
import { PodIdentityRole, PodIdentityRoleProps } from '../../constructs/pod-identity-role';

const base: PodIdentityRoleProps = {
  clusterName: 'cdc-test', namespace: 'airbyte', serviceAccount: 'airbyte-admin', name: 'test-airbyte',
  statements: [{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }],
};

function synth(props: Partial<PodIdentityRoleProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'test');
  new PodIdentityRole(stack, 'identity', { ...base, ...props });
  return JSON.parse(Testing.synth(stack));
}

describe('PodIdentityRole', () => {
  test('a role only EKS Pod Identity can assume, associated with one service account', () => {
    const json = synth();
    const [association] = Object.values(json.resource.aws_eks_pod_identity_association) as Array<Record<string, any>>;
    expect(association).toMatchObject({ cluster_name: 'cdc-test', namespace: 'airbyte', service_account: 'airbyte-admin' });
    const trust = Object.entries(json.data.aws_iam_policy_document).find(([id]) => id.startsWith('identity_trust'))![1] as Record<string, any>;
    expect(trust.statement).toEqual([{ actions: ['sts:AssumeRole', 'sts:TagSession'], principals: [{ type: 'Service', identifiers: ['pods.eks.amazonaws.com'] }] }]);
    const access = Object.entries(json.data.aws_iam_policy_document).find(([id]) => id.startsWith('identity_access'))![1] as Record<string, any>;
    expect(access.statement).toEqual([{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }]);
  });

  test('refuses Resource "*", an empty policy and a bad service account name', () => {
    expect(() => synth({ statements: [{ actions: ['s3:GetObject'], resources: ['*'] }] })).toThrow(/statements\[0\] grants on Resource "\*"/);
    expect(() => synth({ statements: [] })).toThrow(/statements is empty/);
    expect(() => synth({ serviceAccount: 'Airbyte_Admin' })).toThrow(/serviceAccount "Airbyte_Admin"/);
  });
});
