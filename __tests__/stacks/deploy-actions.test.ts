import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BOOTSTRAP_TARGETS } from '../../config/bootstrap';
import { deployRoleName, PLAN_ROLE_NAME } from '../../stacks/bootstrap-stack';
import { RESOURCE_TYPE_NEEDS, planActions } from '../../stacks/deploy-actions';
import { EPHEMERAL_GITHUB_ENVIRONMENT, deployGithubEnvironment } from '../../config/naming';
import { grantsOf, Json, roleStatements } from '../support/iam-documents';

const root = path.join(__dirname, '..', '..');

/** Resource types (`aws_vpc`) and data sources (`data.aws_vpc`) of a synthesized stack. */
function typesOf(stack: Json): string[] {
  return [...Object.keys(stack.resource ?? {}), ...Object.keys(stack.data ?? {}).map((t) => `data.${t}`)];
}

/** The types with no row in the map: what the test must fail on. */
function unmapped(types: Iterable<string>, map: Record<string, unknown> = RESOURCE_TYPE_NEEDS): string[] {
  return [...new Set(types)].filter((t) => !(t in map)).sort();
}

let stacks: Record<string, Json>;

/** Every stack of every environment (dev, prod and a pull request one) and both bootstrap targets. */
beforeAll(() => {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--quiet'], { cwd: root, encoding: 'utf8' });
  expect({ status: build.status, stderr: build.stderr }).toEqual({ status: 0, stderr: '' });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-actions-'));
  const synth = spawnSync(process.execPath, [path.join(root, 'dist', 'main.js')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDKTF_OUTDIR: outdir, EPHEMERAL_ENV: 'pr-42', ENVIRONMENTS: '', BOOTSTRAP: 'all' },
  });
  expect({ status: synth.status, stderr: synth.status === 0 ? '' : synth.stderr }).toEqual({ status: 0, stderr: '' });
  stacks = Object.fromEntries(
    fs.readdirSync(path.join(outdir, 'stacks')).map((name) => [name, JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'))]),
  );
  fs.rmSync(outdir, { recursive: true, force: true });
});

/** Environment stacks: `<env>-<aws|gcp|airbyte>`, with the bootstrap stack whose roles deploy them. */
function environmentStacks(): Array<{ name: string; env: string; role: string; githubEnvironment: string; bootstrap: Json }> {
  return Object.keys(stacks)
    .filter((name) => !name.startsWith('bootstrap-'))
    .map((name) => {
      const env = name.replace(/-(aws|gcp|kubernetes|airbyte)$/, '');
      const githubEnvironment = deployGithubEnvironment(env, /^(pr|test)-/.test(env));
      const target = BOOTSTRAP_TARGETS.find((t) => t.github.environments.includes(githubEnvironment));
      if (!target) throw new Error(`no bootstrap target deploys GitHub environment ${githubEnvironment} (${name})`);
      return { name, env, role: name.slice(env.length + 1), githubEnvironment, bootstrap: stacks[`bootstrap-${target.name}`] };
    });
}

describe('resource type → deploy actions map (stacks/deploy-actions.ts)', () => {
  test('the synth covers dev, prod and a pull request environment, all their stacks (prod runs on EKS)', () => {
    expect(environmentStacks().map((s) => s.name).sort()).toEqual(
      [...['dev', 'prod', 'pr-42'].flatMap((e) => ['airbyte', 'aws', 'gcp'].map((r) => `${e}-${r}`)), 'prod-kubernetes'].sort(),
    );
  });

  test('every resource type and data source of every environment stack has a row', () => {
    const all = environmentStacks().flatMap(({ name }) => typesOf(stacks[name]));
    expect(all.length).toBeGreaterThan(40);
    expect(unmapped(all)).toEqual([]);
    expect(all).toEqual(expect.arrayContaining(['aws_eks_cluster', 'aws_eks_node_group', 'helm_release', 'kubernetes_manifest']));
    // And the check does catch a type nobody mapped.
    expect(unmapped([...all, 'aws_eks_fargate_profile'])).toEqual(['aws_eks_fargate_profile']);
  });

  test('every row says what it needs: AWS actions, GCP roles, or why nothing', () => {
    for (const [type, needs] of Object.entries(RESOURCE_TYPE_NEEDS)) {
      const said = (needs.aws?.length ?? 0) + (needs.gcpRoles?.length ?? 0) + (needs.nothing ? 1 : 0);
      expect({ type, said: said > 0 }).toEqual({ type, said: true });
      // The GCP deploy identity is a service account: Google types name its roles, not AWS actions.
      if (type.startsWith('google_')) expect({ type, gcp: (needs.gcpRoles?.length ?? 0) > 0, aws: needs.aws }).toEqual({ type, gcp: true, aws: undefined });
    }
  });

  test('the deploy role of each environment grants every AWS action its resource types need', () => {
    const missing: string[] = [];
    for (const { name, githubEnvironment, bootstrap } of environmentStacks()) {
      const statements = roleStatements(bootstrap, deployRoleName(githubEnvironment));
      for (const type of typesOf(stacks[name])) {
        for (const action of RESOURCE_TYPE_NEEDS[type]?.aws ?? []) {
          if (grantsOf(statements, action).length === 0) missing.push(`${name} ${type}: ${action} (role ${deployRoleName(githubEnvironment)})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  test('the GCP deploy service account of each environment holds the roles its resource types need', () => {
    const missing: string[] = [];
    for (const { name, githubEnvironment, bootstrap } of environmentStacks()) {
      const members = Object.entries(bootstrap.resource.google_project_iam_member ?? {}) as Array<[string, Json]>;
      const held = members.filter(([id]) => id.startsWith(`deploy-sa-${githubEnvironment}-`)).map(([, m]) => m.role);
      for (const type of typesOf(stacks[name])) {
        for (const role of RESOURCE_TYPE_NEEDS[type]?.gcpRoles ?? []) {
          if (!held.includes(role)) missing.push(`${name} ${type}: ${role}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  test('the plan role grants what a pull request plan (no refresh, no Airbyte stack) reads, and no secret value or session', () => {
    const missing: string[] = [];
    const forbidden: string[] = [];
    for (const { name, env, role, githubEnvironment, bootstrap } of environmentStacks()) {
      if (githubEnvironment === EPHEMERAL_GITHUB_ENVIRONMENT || role === 'airbyte') continue;
      const statements = roleStatements(bootstrap, PLAN_ROLE_NAME);
      for (const action of planActions(typesOf(stacks[name]))) {
        if (grantsOf(statements, action).length === 0) missing.push(`${name}: ${action}`);
      }
      for (const action of ['secretsmanager:GetSecretValue', 'ssm:StartSession', 'ssm:GetParameter', 'kms:Decrypt', 's3:GetObject']) {
        for (const grant of grantsOf(statements, action)) {
          // What remains allowed must be the state (bucket objects, state key) or public AMI parameters.
          const ok = (grant.resources ?? []).every((r) => /aws_s3_bucket\.|aws_kms_key\.|parameter\/aws\/service\//.test(r));
          if (!ok) forbidden.push(`${env}: ${action} on ${(grant.resources ?? []).join(', ')}`);
        }
      }
      for (const action of ['secretsmanager:GetSecretValue', 'ssm:StartSession']) {
        if (grantsOf(statements, action).length > 0) forbidden.push(`${env}: ${action}`);
      }
    }
    expect(missing).toEqual([]);
    expect(forbidden).toEqual([]);
  });
});
