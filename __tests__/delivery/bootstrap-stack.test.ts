import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { BOOTSTRAP_TARGETS, BootstrapConfig, BootstrapConfigError, selectBootstrapTargets, validateBootstrapConfig } from '../../config/bootstrap';
import { applyPolicyPack } from '../../constructs/policy';
import { BootstrapStack } from '../../stacks/bootstrap-stack';

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

  test('passes the security policy pack; the only suppression is the documented unscoped-actions one', () => {
    expect(nonprod.policy.errors).toEqual([]);
    const suppressed = nonprod.policy.findings.filter((f) => f.suppressedReason !== undefined);
    // One finding per statement (kms:CreateKey, tag:GetResources), all on the two unscoped documents.
    // And one per permissions boundary (the Session Manager agent's actions, which grant nothing there).
    expect(suppressed).toHaveLength(6);
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
