import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdktf';
import { attachedPolicyArns, grantsOf, roleStatements, Statement } from '../support/iam-documents';
import { BOOTSTRAP_TARGETS, BootstrapConfig, BootstrapConfigError, selectBootstrapTargets, validateBootstrapConfig } from '../../config/bootstrap';
import { applyPolicyPack } from '../../constructs/policy';
import { BootstrapStack } from '../../stacks/bootstrap-stack';
import { EKS_MANAGED_POLICIES } from '../../stacks/eks-deploy-permissions';

const root = path.join(__dirname, '..', '..');

type Json = Record<string, any>;

const target: BootstrapConfig = {
  name: 'nonprod',
  github: { owner: 'acme', repository: 'cdc-stack', environments: ['dev', 'ephemeral'] },
  aws: { region: 'eu-west-1', accountId: '123456789012', stateBucketName: 'acme-terraform-state' },
  gcp: { projectId: 'acme-data-dev' },
};

/** Full synth with the policy pack, as `BOOTSTRAP=… npm run synth` does (errors fail it). */
function synth(config: BootstrapConfig = target): { json: Json; policy: ReturnType<typeof applyPolicyPack> } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bootstrap-'));
  const app = new App({ outdir, stackTraces: false });
  const stack = new BootstrapStack(app, validateBootstrapConfig(config));
  const policy = applyPolicyPack(app, { print: false });
  app.synth();
  const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8'));
  fs.rmSync(outdir, { recursive: true, force: true });
  return { json, policy };
}

const only = (json: Json, type: string): Json => {
  const all = Object.values(json.resource?.[type] ?? {}) as Json[];
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
};
const ref = (json: Json, type: string, predicate: (r: Json) => boolean = () => true) => {
  const entry = Object.entries(json.resource?.[type] ?? {}).find(([, r]) => predicate(r as Json));
  if (!entry) throw new Error(`no ${type} matches`);
  return `${type}.${entry[0]}`;
};
/** The policy document data source a role's `assume_role_policy` / a policy's `policy` points at. */
const documentOf = (json: Json, expression: string): Json => {
  const id = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(expression)?.[1];
  if (!id) throw new Error(`not a policy document reference: ${expression}`);
  return json.data.aws_iam_policy_document[id];
};

let nonprod: { json: Json; policy: ReturnType<typeof applyPolicyPack> };
beforeAll(() => {
  nonprod = synth();
});

describe('bootstrap stack: Terraform state bucket', () => {
  test('named as configured, never destroyed by Terraform, ACLs disabled', () => {
    const bucket = only(nonprod.json, 'aws_s3_bucket');
    expect(bucket).toMatchObject({ bucket: 'acme-terraform-state', force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(only(nonprod.json, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
  });

  test('versioning, SSE-KMS with a rotating key, all four public-access blocks', () => {
    const bucketId = `\${${ref(nonprod.json, 'aws_s3_bucket')}.id}`;
    expect(only(nonprod.json, 'aws_s3_bucket_versioning')).toMatchObject({ bucket: bucketId, versioning_configuration: { status: 'Enabled' } });
    const encryption = only(nonprod.json, 'aws_s3_bucket_server_side_encryption_configuration');
    expect(encryption.bucket).toBe(bucketId);
    expect(encryption.rule[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: 'aws:kms',
      kms_master_key_id: `\${${ref(nonprod.json, 'aws_kms_key')}.arn}`,
    });
    expect(only(nonprod.json, 'aws_kms_key').enable_key_rotation).toBe(true);
    expect(only(nonprod.json, 'aws_s3_bucket_public_access_block')).toMatchObject({
      bucket: bucketId,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test('the bucket policy refuses every request without TLS', () => {
    const document = documentOf(nonprod.json, only(nonprod.json, 'aws_s3_bucket_policy').policy);
    expect(document.statement.find((st: Json) => st.sid === 'DenyInsecureTransport')).toMatchObject({
      effect: 'Deny',
      actions: ['s3:*'],
      condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
    });
  });

  test('the bucket policy refuses state uploads not encrypted with the state key (SSE-S3 or no header included)', () => {
    const document = documentOf(nonprod.json, only(nonprod.json, 'aws_s3_bucket_policy').policy);
    expect(document.statement.find((st: Json) => st.sid === 'DenyStateNotUnderStateKey')).toEqual({
      sid: 'DenyStateNotUnderStateKey',
      effect: 'Deny',
      actions: ['s3:PutObject'],
      resources: ['arn:aws:s3:::acme-terraform-state/*.tfstate'],
      principals: [{ type: '*', identifiers: ['*'] }],
      // StringNotEquals is true when the header is missing, so an upload without it is refused too.
      condition: [{ test: 'StringNotEquals', variable: 's3:x-amz-server-side-encryption-aws-kms-key-id', values: [`\${${ref(nonprod.json, 'aws_kms_key')}.arn}`] }],
    });
  });

  test('the environments\' S3 backend sends the state key (kms_key_id), so state is not uploaded SSE-S3', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'backend-')), stackTraces: false });
    const { loadEnvironments } = jest.requireActual('../../config');
    const { defineEnvironmentStacks } = jest.requireActual('../../stacks');
    const [dev] = loadEnvironments({ ENVIRONMENTS: 'dev' });
    const stacks = defineEnvironmentStacks(app, dev, { orchestratorBundlePath: __filename });
    for (const stack of [stacks.aws, stacks.gcp, stacks.airbyte]) {
      const backend = JSON.parse(Testing.synth(stack)).terraform.backend.s3;
      expect(backend).toMatchObject({ encrypt: true, kms_key_id: dev.backend.kmsKeyArn });
    }
    expect(dev.backend.kmsKeyArn).toMatch(/^arn:aws:kms:eu-west-1:\d{12}:key\//);
  });

  test('its own state stays local: the bucket cannot hold the state of the stack that creates it', () => {
    expect(nonprod.json.terraform.backend).toEqual({ local: { path: '../../../terraform.bootstrap-nonprod.tfstate' } });
    expect(nonprod.json.provider.aws[0].allowed_account_ids).toEqual(['123456789012']);
  });
});

describe('bootstrap stack: GitHub OIDC and AWS roles', () => {
  test('one OIDC provider for token.actions.githubusercontent.com with the STS audience', () => {
    expect(only(nonprod.json, 'aws_iam_openid_connect_provider')).toMatchObject({
      url: 'https://token.actions.githubusercontent.com',
      client_id_list: ['sts.amazonaws.com'],
    });
  });

  test.each([
    ['cdc-github-deploy-dev', 'repo:acme/cdc-stack:environment:dev'],
    ['cdc-github-deploy-ephemeral', 'repo:acme/cdc-stack:environment:ephemeral'],
    ['cdc-github-plan', 'repo:acme/cdc-stack:pull_request'],
  ])('%s trusts only %s, with exact sub and aud conditions', (roleName, subject) => {
    const role = (Object.values(nonprod.json.resource.aws_iam_role) as Json[]).find((r) => r.name === roleName)!;
    expect(role).toBeDefined();
    const statements = documentOf(nonprod.json, role.assume_role_policy).statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      effect: 'Allow',
      actions: ['sts:AssumeRoleWithWebIdentity'],
      principals: [{ type: 'Federated', identifiers: [`\${${ref(nonprod.json, 'aws_iam_openid_connect_provider')}.arn}`] }],
    });
    expect(statements[0].condition).toEqual([
      { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:aud', values: ['sts.amazonaws.com'] },
      { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:sub', values: [subject] },
    ]);
  });

  test('no role for a GitHub environment the target does not list (prod lives in its own target)', () => {
    const names = (Object.values(nonprod.json.resource.aws_iam_role) as Json[]).map((r) => r.name).sort();
    expect(names).toEqual(['cdc-github-deploy-dev', 'cdc-github-deploy-ephemeral', 'cdc-github-plan']);
  });

  test("a deploy role reaches only its environments' state and named resources", () => {
    const documents = nonprod.json.data.aws_iam_policy_document;
    const statements = (id: string) => documents[id].statement as Json[];
    const bySid = (id: string, sid: string) => statements(id).find((s) => s.sid === sid)!;
    const bucketArn = `\${${ref(nonprod.json, 'aws_s3_bucket')}.arn}`;
    expect(bySid('deploy-state-dev', 'StateObjects').resources).toEqual([`${bucketArn}/cdc-bigquery/dev/*`]);
    expect(bySid('deploy-state-ephemeral', 'StateObjects').resources).toEqual([`${bucketArn}/cdc-bigquery/pr-*/*`, `${bucketArn}/cdc-bigquery/test-*/*`]);
    expect(bySid('deploy-resources-dev', 'EnvironmentSecrets').resources).toContain('arn:aws:secretsmanager:eu-west-1:123456789012:secret:cdc-dev/*');
    expect(bySid('deploy-iam-dev', 'EnvironmentRoles').resources).toEqual(['arn:aws:iam::123456789012:role/cdc-dev-*']);
    expect(bySid('deploy-iam-dev', 'EnvironmentInstanceProfiles').resources).toEqual(['arn:aws:iam::123456789012:instance-profile/cdc-dev-*']);
    expect(bySid('deploy-iam-dev', 'PassEnvironmentRolesToEc2').condition).toEqual([
      { test: 'StringEquals', variable: 'iam:PassedToService', values: ['ec2.amazonaws.com'] },
    ]);
    // The plan role reads the state of what it plans (dev; pull request environments are not
    // planned) and writes only lock files.
    expect(bySid('plan-permissions', 'StateObjects')).toMatchObject({ actions: ['s3:GetObject'], resources: [`${bucketArn}/cdc-bigquery/dev/*`] });
    expect(bySid('plan-permissions', 'StateLockFiles').resources).toEqual([`${bucketArn}/cdc-bigquery/dev/*.tflock`]);
  });

  test('a deploy role may build its environments\' EKS clusters (eks-helm) and nothing beyond their names', () => {
    const documents = nonprod.json.data.aws_iam_policy_document;
    const bySid = (id: string, sid: string) => (documents[id].statement as Json[]).find((s) => s.sid === sid)!;
    const clusters = bySid('deploy-eks-ephemeral', 'EnvironmentClusters');
    expect(clusters.actions).toEqual(expect.arrayContaining(['eks:CreateCluster', 'eks:CreateNodegroup', 'eks:CreateAddon', 'eks:CreateAccessEntry', 'eks:AssociateAccessPolicy', 'eks:CreatePodIdentityAssociation']));
    expect(clusters.resources).toContain('arn:aws:eks:eu-west-1:123456789012:cluster/cdc-pr-*');
    expect(clusters.resources).toContain('arn:aws:eks:eu-west-1:123456789012:nodegroup/cdc-pr-*/*');
    expect(clusters.resources.every((r: string) => /:(cluster|nodegroup|addon|access-entry|podidentityassociation)\/cdc-(pr|test)-\*/.test(r))).toBe(true);
    expect(bySid('deploy-eks-dev', 'PassEnvironmentRolesToEks')).toMatchObject({
      resources: ['arn:aws:iam::123456789012:role/cdc-dev-*'],
      condition: [{ test: 'StringEquals', variable: 'iam:PassedToService', values: ['eks.amazonaws.com', 'pods.eks.amazonaws.com'] }],
    });
    const policies = (Object.values(nonprod.json.resource.aws_iam_policy) as Json[]).map((p) => p.name);
    expect(policies).toContain('cdc-github-deploy-dev-eks');
    // Each managed policy stays under IAM's 6,144 characters (JSON without whitespace).
    for (const id of ['deploy-eks-dev', 'deploy-eks-ephemeral']) expect(JSON.stringify(documents[id].statement).length).toBeLessThan(6144);
  });

  test('passes the security policy pack; the only suppression is the documented unscoped-actions one', () => {
    expect(nonprod.policy.errors).toEqual([]);
    const suppressed = nonprod.policy.findings.filter((f) => f.suppressedReason !== undefined);
    // One finding per statement (kms:CreateKey, tag:GetResources), all on the two unscoped documents.
    // And per permissions boundary: the Session Manager agent's actions and those of the EKS
    // cluster and node roles (stacks/eks-deploy-permissions.ts), which grant nothing there.
    expect(suppressed).toHaveLength(8);
    expect([...new Set(suppressed.map((f) => `${f.ruleId} ${f.address}`))].sort()).toEqual([
      'CDC-IAM-2 data.aws_iam_policy_document.deploy-unscoped-dev',
      'CDC-IAM-2 data.aws_iam_policy_document.deploy-unscoped-ephemeral',
      'CDC-IAM-2 data.aws_iam_policy_document.role-boundary-document-dev',
      'CDC-IAM-2 data.aws_iam_policy_document.role-boundary-document-ephemeral',
    ]);
    for (const id of ['deploy-unscoped-dev', 'deploy-unscoped-ephemeral']) {
      const actions = (nonprod.json.data.aws_iam_policy_document[id].statement as Json[]).flatMap((s) => s.actions).sort();
      expect(actions).toEqual(['kms:CreateKey', 'tag:GetResources']);
    }
  });

  test('an existing OIDC provider is reused instead of created', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const { json } = synth({ ...target, aws: { ...target.aws, existingOidcProviderArn: arn } });
    expect(json.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(json.data.aws_iam_policy_document['deploy-trust-dev'].statement[0].principals).toEqual([{ type: 'Federated', identifiers: [arn] }]);
  });
});

describe('bootstrap stack: GCP workload identity federation', () => {
  test('the provider accepts only tokens of this repository', () => {
    const provider = only(nonprod.json, 'google_iam_workload_identity_pool_provider');
    expect(provider.oidc).toEqual({ issuer_uri: 'https://token.actions.githubusercontent.com' });
    expect(provider.attribute_condition).toBe('assertion.repository == "acme/cdc-stack"');
    expect(provider.attribute_mapping).toMatchObject({ 'google.subject': 'assertion.sub', 'attribute.repository': 'assertion.repository' });
  });

  test('each service account is impersonable only by its subject, and holds no primitive role', () => {
    const pool = `\${${ref(nonprod.json, 'google_iam_workload_identity_pool')}.name}`;
    const bindings = Object.values(nonprod.json.resource.google_service_account_iam_member) as Json[];
    expect(bindings.map((b) => [b.role, b.member]).sort()).toEqual(
      [
        ['roles/iam.workloadIdentityUser', `principal://iam.googleapis.com/${pool}/subject/repo:acme/cdc-stack:environment:dev`],
        ['roles/iam.workloadIdentityUser', `principal://iam.googleapis.com/${pool}/subject/repo:acme/cdc-stack:environment:ephemeral`],
        ['roles/iam.workloadIdentityUser', `principal://iam.googleapis.com/${pool}/subject/repo:acme/cdc-stack:pull_request`],
      ].sort(),
    );
    const roles = (Object.values(nonprod.json.resource.google_project_iam_member) as Json[]).map((m) => m.role);
    expect(roles).toContain('roles/bigquery.admin');
    expect(roles.filter((r) => ['roles/owner', 'roles/editor', 'roles/viewer'].includes(r))).toEqual([]);
  });
});

describe('bootstrap config validation', () => {
  test('every problem is listed with the field that has it', () => {
    const bad = {
      name: 'Prod!',
      github: { owner: '-acme', repository: 'a b', environments: ['dev', 'dev', 'Prod'], planEnvironment: 'dev' },
      aws: { region: 'eu-west-9', accountId: '1234', stateBucketName: 'My.Bucket', existingOidcProviderArn: 'arn:aws:iam::999999999999:oidc-provider/example.com' },
      gcp: { projectId: 'x', workloadIdentityPoolId: 'gcp-pool', deployRoles: ['roles/editor'] },
    } as BootstrapConfig;
    let error: unknown;
    try {
      validateBootstrapConfig(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BootstrapConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^bootstrap target "Prod!" \(config\/bootstrap\.ts\) has 13 invalid settings:/);
    for (const field of [
      'name:', 'github.owner:', 'github.repository:', 'github.environments[2]:', 'github.environments: "dev" is listed twice',
      'aws.region: "eu-west-9"', 'aws.accountId: "1234"', 'aws.stateBucketName: "My.Bucket"', 'aws.existingOidcProviderArn:',
      'gcp.projectId: "x"', 'gcp.workloadIdentityPoolId: "gcp-pool"', 'gcp.deployRoles[0]: "roles/editor" is a primitive role',
      'github.planEnvironment: "dev" is also a deploy environment',
    ]) {
      expect(message).toContain(field);
    }
  });

  test('BOOTSTRAP selects targets: unset none, 1/all every one, a name that one; unknown names are refused', () => {
    expect(selectBootstrapTargets(undefined)).toEqual([]);
    expect(selectBootstrapTargets('').map((t) => t.name)).toEqual([]);
    expect(selectBootstrapTargets('1').map((t) => t.name)).toEqual(BOOTSTRAP_TARGETS.map((t) => t.name));
    expect(selectBootstrapTargets('prod').map((t) => t.name)).toEqual(['prod']);
    expect(() => selectBootstrapTargets('staging')).toThrow('BOOTSTRAP: unknown target(s) staging; expected 1, all or some of: nonprod, prod');
  });

  test('the checked-in targets match the environments they serve (state bucket, account)', () => {
    const { prod } = jest.requireActual('../../config/environments/prod');
    const prodTarget = BOOTSTRAP_TARGETS.find((t) => t.name === 'prod')!;
    expect(prodTarget.aws.stateBucketName).toBe(prod.backend.bucket);
    expect(prod.aws.allowedAccountIds).toContain(prodTarget.aws.accountId);
    expect(prodTarget.github.environments).toEqual(['prod']);
  });
});

describe('the app with BOOTSTRAP', () => {
  beforeAll(() => {
    const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--quiet'], { cwd: root, encoding: 'utf8' });
    expect({ status: build.status, stderr: build.stderr }).toEqual({ status: 0, stderr: '' });
  });
  const runApp = (env: Record<string, string>) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bootstrap-app-'));
    const result = spawnSync(process.execPath, [path.join(root, 'dist', 'main.js')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CDKTF_OUTDIR: outdir, ENVIRONMENTS: 'dev', ...env },
    });
    const stacks = fs.existsSync(path.join(outdir, 'stacks')) ? fs.readdirSync(path.join(outdir, 'stacks')).sort() : [];
    fs.rmSync(outdir, { recursive: true, force: true });
    return { ...result, stacks };
  };

  test('adds bootstrap-<target> stacks only when asked', () => {
    expect(runApp({ BOOTSTRAP: '' }).stacks).toEqual(['dev-airbyte', 'dev-aws', 'dev-gcp']);
    const withBootstrap = runApp({ BOOTSTRAP: 'all' });
    expect(withBootstrap.status).toBe(0);
    expect(withBootstrap.stacks).toEqual(['bootstrap-nonprod', 'bootstrap-prod', 'dev-airbyte', 'dev-aws', 'dev-gcp']);
  });

  test('an unknown target ends with one clear message and no stack trace', () => {
    const r = runApp({ BOOTSTRAP: 'staging' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: bootstrap target "staging" (config/bootstrap.ts) has 1 invalid setting:');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('bootstrap stack: what deploy and plan roles may do', () => {
  const bySid = (statements: Statement[], sid: string): Statement => {
    const found = statements.find((s) => s.sid === sid);
    if (!found) throw new Error(`no statement ${sid}`);
    return found;
  };
  const deploy = (env: string) => roleStatements(nonprod.json, `cdc-github-deploy-${env}`);
  const boundaryArn = (env: string) => `\${aws_iam_policy.role-boundary-${env}.arn}`;

  test('the host volume key: GenerateDataKeyWithoutPlaintext and ReEncrypt* on tagged keys, only through EC2 of the region', () => {
    const statement = bySid(deploy('dev'), 'HostVolumeKey');
    expect(statement.actions).toEqual(expect.arrayContaining(['kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*', 'kms:CreateGrant']));
    expect(statement.resources).toEqual(['arn:aws:kms:eu-west-1:123456789012:key/*']);
    expect(statement.condition).toEqual([
      { test: 'StringEquals', variable: 'kms:ViaService', values: ['ec2.eu-west-1.amazonaws.com'] },
      { test: 'StringLike', variable: 'aws:ResourceTag/Environment', values: ['dev'] },
    ]);
    // Nothing else grants them, so they cannot be used outside an EC2 launch.
    for (const action of ['kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom']) {
      expect(grantsOf(deploy('dev'), action).map((s) => s.sid)).toEqual(['HostVolumeKey']);
    }
  });

  test('commands on the host (stack.sh deploy: cdc-prepare-source, unit restart): only the environment\'s tagged instances, only AWS-RunShellScript', () => {
    const statements = deploy('dev');
    expect(bySid(statements, 'CommandsOnEnvironmentHost')).toMatchObject({
      actions: ['ssm:SendCommand'],
      resources: ['arn:aws:ec2:eu-west-1:123456789012:instance/*'],
      condition: [{ test: 'StringLike', variable: 'ssm:resourceTag/Environment', values: ['dev'] }],
    });
    expect(bySid(statements, 'ShellCommandDocument').resources).toEqual(['arn:aws:ssm:eu-west-1::document/AWS-RunShellScript']);
    expect(grantsOf(statements, 'ssm:SendCommand').map((st) => st.sid).sort()).toEqual(['CommandsOnEnvironmentHost', 'ShellCommandDocument']);
    expect(bySid(statements, 'CommandResults').actions).toEqual(['ssm:GetCommandInvocation']);
  });

  test('the RDS log groups: only the environment\'s instances\' groups', () => {
    const statement = bySid(deploy('dev'), 'DatabaseLogGroups');
    expect(statement.resources).toEqual(['arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/instance/cdc-dev-*']);
    expect(statement.actions).toEqual(expect.arrayContaining(['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:AssociateKmsKey']));
    // The other grant is eks-helm's control-plane log groups, also only the environment's own.
    const deletes = grantsOf(deploy('dev'), 'logs:DeleteLogGroup');
    expect(deletes.map((st) => st.sid).sort()).toEqual(['ControlPlaneLogGroups', 'DatabaseLogGroups']);
    expect(deletes.every((st) => (st.resources ?? []).length > 0)).toBe(true);
    for (const st of deletes) for (const resource of st.resources ?? []) expect(resource).toMatch(/:log-group:\/aws\/(rds\/instance|eks)\/cdc-dev[-*/]/);
  });

  test('roles are created only with the bootstrap permissions boundary, which the environments use', () => {
    for (const env of ['dev', 'ephemeral']) {
      const statements = deploy(env);
      expect(bySid(statements, 'CreateRolesUnderBoundary')).toMatchObject({
        actions: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
        condition: [{ test: 'StringEquals', variable: 'iam:PermissionsBoundary', values: [boundaryArn(env)] }],
      });
      // Every grant that creates a role or changes what one may do carries the boundary condition.
      for (const action of ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy']) {
        for (const grant of grantsOf(statements, action)) {
          expect({ env, action, sid: grant.sid, condition: grant.condition }).toEqual({
            env, action, sid: grant.sid,
            condition: expect.arrayContaining([{ test: 'StringEquals', variable: 'iam:PermissionsBoundary', values: [boundaryArn(env)] }]),
          });
        }
      }
      expect(grantsOf(statements, 'iam:DeleteRolePermissionsBoundary')).toEqual([]);
      expect(grantsOf(statements, 'iam:CreatePolicyVersion')).toEqual([]);
    }
    const boundary = (Object.values(nonprod.json.resource.aws_iam_policy) as Json[]).find((p) => p.name === 'cdc-github-ephemeral-role-boundary');
    expect(boundary).toBeDefined();
  });

  test('the environments\' host role carries the boundary of the GitHub environment that deploys it', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'boundary-')), stackTraces: false });
    const { loadEnvironments } = jest.requireActual('../../config');
    const { defineEnvironmentStacks } = jest.requireActual('../../stacks');
    for (const env of loadEnvironments({ ENVIRONMENTS: 'dev,pr-3', EPHEMERAL_ENV: 'pr-3' })) defineEnvironmentStacks(app, env, { orchestratorBundlePath: __filename });
    const roles = (stack: string) => Object.values(JSON.parse(Testing.synth(app.node.findChild(stack) as never)).resource.aws_iam_role) as Json[];
    expect(roles('dev-aws').map((r) => r.permissions_boundary)).toEqual([
      'arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller.account_id}:policy/cdc-github-dev-role-boundary',
    ]);
    expect(roles('pr-3-aws').map((r) => r.permissions_boundary)).toEqual([
      'arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller.account_id}:policy/cdc-github-ephemeral-role-boundary',
    ]);
    // Local state means an account the bootstrap stack never set up: no boundary to name there.
    const { validateEnvironment } = jest.requireActual('../../config/validate');
    const local = defineEnvironmentStacks(new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'boundary-')), stackTraces: false }), validateEnvironment({ ...jest.requireActual('../../config/environments/dev').dev, backend: undefined }), { orchestratorBundlePath: __filename });
    expect((Object.values(JSON.parse(Testing.synth(local.aws)).resource.aws_iam_role) as Json[]).map((r) => r.permissions_boundary)).toEqual([undefined]);
  });

  test('policies are attached only from the allow-list, which holds what the host attaches', () => {
    const statement = bySid(deploy('dev'), 'AttachAllowedPolicies');
    expect(statement.condition).toEqual(
      expect.arrayContaining([{ test: 'ArnEquals', variable: 'iam:PolicyARN', values: ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', ...EKS_MANAGED_POLICIES] }]),
    );
    expect(grantsOf(deploy('dev'), 'iam:AttachRolePolicy').map((s) => s.sid)).toEqual(['AttachAllowedPolicies']);
  });

  test('the boundary grants no IAM and reaches only the environment\'s secrets, parameters, objects and tagged keys', () => {
    const policy = (Object.values(nonprod.json.resource.aws_iam_policy) as Json[]).find((p) => p.name === 'cdc-github-ephemeral-role-boundary')!;
    const statements = documentOf(nonprod.json, policy.policy).statement as Statement[];
    expect(statements.flatMap((s) => s.actions ?? []).filter((a) => /^(iam|sts|kms:(Create|Put|Schedule))/.test(a))).toEqual([]);
    expect(bySid(statements, 'EnvironmentSecrets').resources).toEqual([
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cdc-pr-*/*',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cdc-test-*/*',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!*',
    ]);
    expect(bySid(statements, 'EnvironmentKeys').condition).toEqual([
      { test: 'StringLike', variable: 'aws:ResourceTag/Environment', values: ['pr-*', 'test-*'] },
      { test: 'StringEquals', variable: 'aws:ResourceTag/Ephemeral', values: ['true'] },
    ]);
  });

  test('every mutating EC2, RDS and KMS grant is tied to the environment\'s tags (request tag on create), or to named resources', () => {
    const mutating = /^(ec2|rds|kms):(?!Describe|List|Get)/i;
    // Grants on resources that carry no tag of ours, each limited another way.
    const untagged: Record<string, string[]> = {
      Ec2LaunchFrom: ['arn:aws:ec2:eu-west-1::image/*', 'arn:aws:ec2:eu-west-1:123456789012:network-interface/*'],
      DatabaseDefaults: ['arn:aws:rds:eu-west-1:123456789012:og:default:*'],
      DatabaseFinalSnapshots: ['arn:aws:rds:eu-west-1:123456789012:snapshot:cdc-dev-*'],
      EnvironmentKeyAliases: ['arn:aws:kms:eu-west-1:123456789012:alias/cdc-dev*'],
      StateKey: [`\${${ref(nonprod.json, 'aws_kms_key')}.arn}`],
    };
    const unscoped = documentOf(nonprod.json, (Object.values(nonprod.json.resource.aws_iam_policy) as Json[]).find((p) => p.name === 'cdc-github-deploy-dev-unscoped')!.policy).statement as Statement[];
    for (const statement of [...deploy('dev'), ...unscoped].filter((s) => s.effect !== 'Deny')) {
      if (!(statement.actions ?? []).some((a) => mutating.test(a))) continue;
      const variables = (statement.condition ?? []).map((c) => c.variable);
      const tagged = variables.includes('aws:RequestTag/Environment') || variables.includes('aws:ResourceTag/Environment') || variables.includes('ec2:CreateAction');
      if (tagged) continue;
      expect({ sid: statement.sid, resources: statement.resources }).toEqual({ sid: statement.sid, resources: untagged[statement.sid ?? ''] ?? 'a tag condition' });
    }
    // Creation is judged by the tags the request carries.
    for (const sid of ['Ec2CreateTagged', 'DatabaseCreateTagged']) {
      expect(bySid(deploy('dev'), sid).condition).toEqual([{ test: 'StringLike', variable: 'aws:RequestTag/Environment', values: ['dev'] }]);
    }
    expect(bySid(unscoped, 'CreateEnvironmentKey').condition).toEqual([{ test: 'StringLike', variable: 'aws:RequestTag/Environment', values: ['dev'] }]);
    expect(bySid(deploy('dev'), 'EnvironmentKeys').condition).toEqual(
      expect.arrayContaining([{ test: 'StringLike', variable: 'aws:ResourceTag/Environment', values: ['dev'] }]),
    );
  });

  test('the ephemeral deploy role reaches only resources tagged Ephemeral=true', () => {
    const unscoped = documentOf(nonprod.json, (Object.values(nonprod.json.resource.aws_iam_policy) as Json[]).find((p) => p.name === 'cdc-github-deploy-ephemeral-unscoped')!.policy).statement as Statement[];
    const tagConditioned = [...deploy('ephemeral'), ...unscoped].filter((s) => (s.condition ?? []).some((c) => /^aws:(Request|Resource)Tag\/Environment$/.test(c.variable)));
    expect(tagConditioned.length).toBeGreaterThan(8);
    for (const statement of tagConditioned) {
      // The Null test (an untagged default security group) names no environment; the other does.
      const environment = statement.condition!.find((c) => /Tag\/Environment$/.test(c.variable) && c.test !== 'Null')!;
      const prefix = environment.variable.split('/')[0];
      expect({ sid: statement.sid, ephemeral: statement.condition!.find((c) => c.variable === `${prefix}/Ephemeral`)?.values }).toEqual({ sid: statement.sid, ephemeral: ['true'] });
    }
    // dev's role is not limited to ephemeral resources (it must reach dev's).
    expect(deploy('dev').some((s) => (s.condition ?? []).some((c) => c.variable.endsWith('/Ephemeral')))).toBe(false);
  });

  test('no deploy may change, disable or delete the state key', () => {
    for (const env of ['dev', 'ephemeral']) {
      expect(bySid(deploy(env), 'StateKeyUntouchable')).toEqual({
        sid: 'StateKeyUntouchable',
        effect: 'Deny',
        not_actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [`\${${ref(nonprod.json, 'aws_kms_key')}.arn}`],
      });
    }
  });

  test('the plan role: no ReadOnlyAccess, only its own policy, no secret values, no sessions', () => {
    expect(attachedPolicyArns(nonprod.json, 'cdc-github-plan')).toEqual([`\${aws_iam_policy.plan-policy.arn}`]);
    const statements = roleStatements(nonprod.json, 'cdc-github-plan');
    for (const action of ['secretsmanager:GetSecretValue', 'ssm:StartSession', 'ec2:RunInstances', 's3:PutObject']) {
      const grants = grantsOf(statements, action);
      // s3:PutObject only for lock files.
      expect({ action, grants: grants.map((g) => g.sid) }).toEqual({ action, grants: action === 's3:PutObject' ? ['StateLockFiles'] : [] });
    }
  });

  test('prod plans: the prod plan role and service account trust only the protected plan-prod environment', () => {
    const prod = synth(BOOTSTRAP_TARGETS.find((t) => t.name === 'prod')!).json;
    const role = (Object.values(prod.resource.aws_iam_role) as Json[]).find((r) => r.name === 'cdc-github-plan')!;
    expect(documentOf(prod, role.assume_role_policy).statement[0].condition).toContainEqual({
      test: 'StringEquals',
      variable: 'token.actions.githubusercontent.com:sub',
      values: ['repo:example-org/cdc-bigquery-stack:environment:plan-prod'],
    });
    const planBinding = prod.resource.google_service_account_iam_member['plan-sa-workload-identity'];
    expect(planBinding.member).toMatch(/\/subject\/repo:example-org\/cdc-bigquery-stack:environment:plan-prod$/);
  });

  test('GCP plans: a custom role with exactly storage.buckets.get and storage.hmacKeys.get, held by the plan service account', () => {
    const prod = synth(BOOTSTRAP_TARGETS.find((t) => t.name === 'prod')!).json;
    const custom = only(prod, 'google_project_iam_custom_role');
    expect(custom.permissions.sort()).toEqual(['storage.buckets.get', 'storage.hmacKeys.get']);
    expect(prod.resource.google_project_iam_member['plan-sa-storage-read']).toMatchObject({
      role: `\${${ref(prod, 'google_project_iam_custom_role')}.name}`,
      member: `serviceAccount:\${${ref(prod, 'google_service_account', (a) => a.account_id === 'cdc-plan')}.email}`,
    });
  });

  test('GCP deploy service accounts: IAM grants only of the stack\'s roles, service-account roles only on the environments\' accounts', () => {
    const members = nonprod.json.resource.google_project_iam_member as Record<string, Json>;
    expect(members['deploy-sa-ephemeral-resourcemanager-projectIamAdmin'].condition).toEqual({
      title: 'only-the-stack-roles',
      expression: 'api.getAttribute("iam.googleapis.com/modifiedGrantsByRole", []).hasOnly(["roles/bigquery.jobUser"])',
    });
    const accounts = 'resource.name.extract("serviceAccounts/{account}").startsWith("airbyte-pr-") || resource.name.extract("serviceAccounts/{account}").startsWith("airbyte-test-")';
    expect(members['deploy-sa-ephemeral-iam-serviceAccountAdmin'].condition).toEqual({ title: 'own-service-accounts', expression: accounts });
    expect(members['deploy-sa-ephemeral-iam-serviceAccountKeyAdmin'].condition).toEqual({ title: 'own-service-account-keys', expression: accounts });
    expect(members['deploy-sa-dev-iam-serviceAccountAdmin'].condition.expression).toBe('resource.name.extract("serviceAccounts/{account}").startsWith("airbyte-dev")');
    // Every role that could hand out access is conditioned.
    for (const [id, member] of Object.entries(members)) {
      if (/projectIamAdmin|serviceAccountAdmin|serviceAccountKeyAdmin|securityAdmin/.test(member.role)) {
        expect({ id, conditioned: member.condition !== undefined }).toEqual({ id, conditioned: true });
      }
    }
  });

  test("the environments' own GCP service accounts match those prefixes (airbyte-<env>)", () => {
    const { validateEnvironment } = jest.requireActual('../../config/validate');
    const { ephemeralEnvironment } = jest.requireActual('../../config');
    expect(validateEnvironment(ephemeralEnvironment('pr-12')).gcp.serviceAccountId).toBe('airbyte-pr-12');
    expect(validateEnvironment(jest.requireActual('../../config/environments/dev').dev).gcp.serviceAccountId).toBe('airbyte-dev');
  });
});

describe('bootstrap stack: Terraform addresses', () => {
  // Deployed bootstrap stacks hold their (local) state under these addresses. The roles and the
  // identity pool moved into constructs (GithubOidcRole, GithubWorkloadIdentity) and must keep
  // them: a new address would make Terraform destroy and recreate them.
  const expected: Record<string, string[]> = {
    'data.aws_iam_policy_document': [
      'deploy-data-dev', 'deploy-data-ephemeral', 'deploy-eks-dev', 'deploy-eks-ephemeral', 'deploy-iam-dev', 'deploy-iam-ephemeral', 'deploy-network-dev', 'deploy-network-ephemeral',
      'deploy-resources-dev', 'deploy-resources-ephemeral', 'deploy-state-dev', 'deploy-state-ephemeral', 'deploy-trust-dev', 'deploy-trust-ephemeral', 'deploy-unscoped-dev',
      'deploy-unscoped-ephemeral', 'plan-permissions', 'plan-trust', 'role-boundary-document-dev', 'role-boundary-document-ephemeral', 'state_tls-only_D785DC0D',
    ],
    aws_iam_openid_connect_provider: ['github-oidc'],
    aws_iam_policy: [
      'deploy-data-policy-dev', 'deploy-data-policy-ephemeral', 'deploy-eks-policy-dev', 'deploy-eks-policy-ephemeral', 'deploy-iam-policy-dev', 'deploy-iam-policy-ephemeral',
      'deploy-network-policy-dev', 'deploy-network-policy-ephemeral', 'deploy-resources-policy-dev', 'deploy-resources-policy-ephemeral', 'deploy-state-policy-dev',
      'deploy-state-policy-ephemeral', 'deploy-unscoped-policy-dev', 'deploy-unscoped-policy-ephemeral', 'plan-policy', 'role-boundary-dev', 'role-boundary-ephemeral',
    ],
    aws_iam_role: ['deploy-role-dev', 'deploy-role-ephemeral', 'plan-role'],
    aws_iam_role_policy_attachment: [
      'deploy-data-attachment-dev', 'deploy-data-attachment-ephemeral', 'deploy-eks-attachment-dev', 'deploy-eks-attachment-ephemeral', 'deploy-iam-attachment-dev',
      'deploy-iam-attachment-ephemeral', 'deploy-network-attachment-dev', 'deploy-network-attachment-ephemeral', 'deploy-resources-attachment-dev', 'deploy-resources-attachment-ephemeral',
      'deploy-state-attachment-dev', 'deploy-state-attachment-ephemeral', 'deploy-unscoped-attachment-dev', 'deploy-unscoped-attachment-ephemeral', 'plan-policy-attachment',
    ],
    google_iam_workload_identity_pool: ['github-pool'],
    google_iam_workload_identity_pool_provider: ['github-provider'],
    google_project_iam_custom_role: ['plan-storage-role'],
    google_project_iam_member: [
      'deploy-sa-dev-bigquery-admin', 'deploy-sa-dev-iam-serviceAccountAdmin', 'deploy-sa-dev-iam-serviceAccountCreator', 'deploy-sa-dev-iam-serviceAccountKeyAdmin',
      'deploy-sa-dev-resourcemanager-projectIamAdmin', 'deploy-sa-dev-storage-admin', 'deploy-sa-dev-storage-hmacKeyAdmin', 'deploy-sa-ephemeral-bigquery-admin',
      'deploy-sa-ephemeral-iam-serviceAccountAdmin', 'deploy-sa-ephemeral-iam-serviceAccountCreator', 'deploy-sa-ephemeral-iam-serviceAccountKeyAdmin',
      'deploy-sa-ephemeral-resourcemanager-projectIamAdmin', 'deploy-sa-ephemeral-storage-admin', 'deploy-sa-ephemeral-storage-hmacKeyAdmin', 'plan-sa-bigquery-metadataViewer',
      'plan-sa-browser', 'plan-sa-iam-securityReviewer', 'plan-sa-iam-serviceAccountViewer', 'plan-sa-storage-read',
    ],
    google_project_service: ['service-bigquery', 'service-cloudresourcemanager', 'service-iam', 'service-iamcredentials', 'service-storage', 'service-sts'],
    google_service_account: ['deploy-sa-dev', 'deploy-sa-ephemeral', 'plan-sa'],
    google_service_account_iam_member: ['deploy-sa-dev-workload-identity', 'deploy-sa-ephemeral-workload-identity', 'plan-sa-workload-identity'],
  };

  test.each(Object.keys(expected))('%s: the addresses the stack had before the split', (type) => {
    const [section, name] = type.startsWith('data.') ? ['data', type.slice(5)] : ['resource', type];
    expect(Object.keys(nonprod.json[section][name] ?? {}).sort()).toEqual(expected[type]);
  });
});
