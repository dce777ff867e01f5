import { PodIdentityRole, PodIdentityRoleProps } from '../../constructs/pod-identity-role';
import { byId, expectPropsError, Json, single, synthConstruct } from '../support/construct';

/** Only the required props: no boundary, no tags. */
const base: PodIdentityRoleProps = {
  clusterName: 'cdc-test', namespace: 'airbyte', serviceAccount: 'airbyte-admin', name: 'test-airbyte',
  statements: [{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }],
};

function synth(props: Partial<PodIdentityRoleProps> = {}): Json {
  return synthConstruct((stack) => new PodIdentityRole(stack, 'identity', { ...base, ...props }));
}

describe('PodIdentityRole defaults (props omitted)', () => {
  test('a role only EKS Pod Identity can assume, associated with one service account, with the given statements only', () => {
    const json = synth();
    expect(single(json, 'aws_eks_pod_identity_association')).toMatchObject({ cluster_name: 'cdc-test', namespace: 'airbyte', service_account: 'airbyte-admin' });
    expect(byId(json, 'aws_iam_policy_document', 'identity_trust', 'data').statement).toEqual([
      { actions: ['sts:AssumeRole', 'sts:TagSession'], principals: [{ type: 'Service', identifiers: ['pods.eks.amazonaws.com'] }] },
    ]);
    expect(byId(json, 'aws_iam_policy_document', 'identity_access', 'data').statement).toEqual([{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }]);
    expect(single(json, 'aws_iam_role_policy').name).toBe('test-airbyte-access');
  });

  test('the role name carries the cdc- prefix and no permissions boundary', () => {
    const role = single(synth(), 'aws_iam_role');
    expect(role.name_prefix).toBe('cdc-test-airbyte-');
    expect(role).not.toHaveProperty('permissions_boundary');
  });
});

describe('PodIdentityRole props given', () => {
  test('a permissions boundary reaches the role', () => {
    expect(single(synth({ permissionsBoundaryArn: 'arn:aws:iam::111111111111:policy/b' }), 'aws_iam_role').permissions_boundary).toBe('arn:aws:iam::111111111111:policy/b');
  });
});

describe('PodIdentityRole refuses props it cannot work with, naming the prop', () => {
  const where = 'PodIdentityRole test/identity';
  test.each<[string, Partial<PodIdentityRoleProps>, string]>([
    ['Resource "*"', { statements: [{ actions: ['s3:GetObject'], resources: ['*'] }] }, `${where}: statements[0] grants on Resource "*"; name the bucket, secrets or parameters`],
    ['an empty policy', { statements: [] }, `${where}: statements is empty; a role that may do nothing needs no association`],
    ['a service account name that is not a Kubernetes name', { serviceAccount: 'Airbyte_Admin' }, `${where}: serviceAccount "Airbyte_Admin" is not a Kubernetes name`],
    ['a namespace that is not a Kubernetes name', { namespace: 'Airbyte' }, `${where}: namespace "Airbyte" must be a Kubernetes name (lowercase letters, digits and hyphens, at most 63)`],
    ['an empty name', { name: '' }, `${where}: name "" must be 1–33 letters, digits, "-" or "_" (it goes into IAM names)`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => synth(props), message);
  });
});
