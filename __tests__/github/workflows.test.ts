import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { CHECKED_IN_ENVIRONMENTS } from '../../config';
import { EPHEMERAL_GITHUB_ENVIRONMENT, pullRequestEnvironmentName } from '../../config/naming';

const root = path.join(__dirname, '..', '..');
const workflowDir = path.join(root, '.github', 'workflows');

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; name?: string };
type Job = {
  if?: string;
  environment?: string | { name: string };
  concurrency?: { group: string; 'cancel-in-progress'?: boolean } | string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
};
type Workflow = { name: string; on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const files = fs.readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f));
const texts = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(workflowDir, f), 'utf8')]));
const workflows: Record<string, Workflow> = Object.fromEntries(files.map((f) => [f, parse(texts[f]) as Workflow]));
const allJobs = () => Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })));

/** The operator-script commands a job runs: [{command, argument}]. */
function stackCommands(job: Job): Array<{ command: string; options: string[]; argument: string }> {
  return (job.steps ?? []).flatMap((step) =>
    [...(step.run ?? '').matchAll(/scripts\/stack\.sh (deploy|diff|destroy)((?: --[\w=-]+)*) ("?[^\s"]+"?)/g)].map((m) => ({
      command: m[1],
      options: m[2].trim().split(/\s+/).filter(Boolean),
      argument: m[3].replace(/"/g, ''),
    })),
  );
}
const appliesOrDestroys = (job: Job) => stackCommands(job).some((c) => c.command !== 'diff');

let manifest: { stacks: Record<string, { dependencies: string[] }> };
let outdir: string;

beforeAll(() => {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--quiet'], { cwd: root, encoding: 'utf8' });
  expect({ status: build.status, stderr: build.stderr }).toEqual({ status: 0, stderr: '' });
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-synth-'));
  // dev, prod and the pull request environment the ephemeral workflows create (pr-<number>).
  const synth = spawnSync(process.execPath, [path.join(root, 'dist', 'main.js')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDKTF_OUTDIR: outdir, EPHEMERAL_ENV: 'pr-123', ENVIRONMENTS: '', BOOTSTRAP: '' },
  });
  expect(synth.status).toBe(0);
  manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('GitHub workflows', () => {
  test('the four workflows exist and parse', () => {
    expect(files.sort()).toEqual(['deploy.yml', 'ephemeral.yml', 'pull-request.yml', 'sweep.yml']);
    for (const [file, wf] of Object.entries(workflows)) {
      expect({ file, name: typeof wf.name, jobs: Object.keys(wf.jobs ?? {}).length > 0 }).toEqual({ file, name: 'string', jobs: true });
    }
  });

  test('every uses: is pinned to a full commit SHA with a version comment', () => {
    const uses = Object.values(texts).flatMap((text) => [...text.matchAll(/^\s*(?:-\s*)?uses:\s*(.+)$/gm)].map((m) => m[1].trim()));
    expect(uses.length).toBeGreaterThan(10);
    for (const line of uses) {
      expect(line).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  test('every action is the release of .github/actions-pins.json, whose action.yml runs on Node 24', () => {
    // The table was verified against each action's repository (tag -> commit, runs.using); this
    // test holds the workflows to it, so a pin cannot drift to a SHA nobody checked.
    const table = JSON.parse(fs.readFileSync(path.join(root, '.github', 'actions-pins.json'), 'utf8')).actions as Record<
      string,
      { tag: string; sha: string; runtime: string; firstNode24Release: string }
    >;
    const used = new Set<string>();
    for (const [file, text] of Object.entries(texts)) {
      for (const m of text.matchAll(/^\s*(?:-\s*)?uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v[\d.]+)\s*$/gm)) {
        const [, action, sha, tag] = m;
        used.add(action);
        const pin = table[action];
        expect({ file, action, known: pin !== undefined }).toEqual({ file, action, known: true });
        expect({ file, action, sha, tag, runtime: pin.runtime }).toEqual({ file, action, sha: pin.sha, tag: pin.tag, runtime: 'node24' });
        // Same major line as the first release that declares node24, never an older one.
        expect({ action, major: tag.split('.')[0] }).toEqual({ action, major: pin.firstNode24Release.split('.')[0] });
      }
    }
    // No stale rows: the table lists what the workflows use.
    expect([...used].sort()).toEqual(Object.keys(table).sort());
  });

  test('jobs run Node.js 22 or 24 (setup-node and container images)', () => {
    let seen = 0;
    for (const { file, id, job } of allJobs()) {
      for (const step of job.steps ?? []) {
        if (!step.uses?.startsWith('actions/setup-node@')) continue;
        seen += 1;
        expect({ where: `${file}:${id}`, node: String(step.with?.['node-version']) }).toEqual({ where: `${file}:${id}`, node: expect.stringMatching(/^(22|24)$/) });
      }
      const container = (job as { container?: string }).container;
      if (container) expect({ where: `${file}:${id}`, container }).toEqual({ where: `${file}:${id}`, container: expect.stringMatching(/^node:(22|24)-/) });
    }
    expect(seen).toBeGreaterThan(5);
  });

  test('every job that applies or destroys has a per-environment concurrency group that never cancels, and OIDC permissions', () => {
    const appliers = allJobs().filter(({ job }) => appliesOrDestroys(job));
    expect(appliers.map(({ file, id }) => `${file}:${id}`).sort()).toEqual([
      'deploy.yml:deploy-dev',
      'deploy.yml:deploy-prod',
      'ephemeral.yml:deploy',
      'ephemeral.yml:destroy',
      'sweep.yml:destroy',
    ]);
    for (const { file, id, job } of appliers) {
      const where = `${file}:${id}`;
      expect({ where, concurrency: typeof job.concurrency }).toEqual({ where, concurrency: 'object' });
      const concurrency = job.concurrency as { group: string; 'cancel-in-progress'?: boolean };
      expect({ where, cancel: concurrency['cancel-in-progress'] }).toEqual({ where, cancel: false });
      // The group names the environment, the same way the job's ENVIRONMENT does.
      const environment = job.env?.ENVIRONMENT ?? '';
      expect({ where, group: concurrency.group }).toEqual({ where, group: `cdktf-apply-${environment}` });
      expect({ where, idToken: job.permissions?.['id-token'] }).toEqual({ where, idToken: 'write' });
      expect({ where, environment: job.environment }).toEqual({ where, environment: expect.stringMatching(/^(dev|prod|ephemeral)$/) });
    }
  });

  test('cloud access is OIDC only: role assumption and workload identity, no keys or secrets', () => {
    for (const { file, id, job } of allJobs()) {
      for (const step of job.steps ?? []) {
        const where = `${file}:${id}`;
        if (step.uses?.startsWith('aws-actions/configure-aws-credentials@')) {
          expect({ where, with: Object.keys(step.with ?? {}).filter((k) => /key|token/.test(k)) }).toEqual({ where, with: [] });
          expect({ where, role: String(step.with?.['role-to-assume']) }).toEqual({ where, role: expect.stringMatching(/^\$\{\{ (vars\.AWS_DEPLOY_ROLE_ARN|env\.AWS_PLAN_ROLE_ARN|vars\.AWS_PLAN_ROLE_ARN) \}\}$/) });
          expect({ where, idToken: job.permissions?.['id-token'] }).toEqual({ where, idToken: 'write' });
        }
        if (step.uses?.startsWith('google-github-actions/auth@')) {
          expect({ where, keys: Object.keys(step.with ?? {}).sort() }).toEqual({ where, keys: ['service_account', 'workload_identity_provider'] });
          expect({ where, idToken: job.permissions?.['id-token'] }).toEqual({ where, idToken: 'write' });
        }
      }
    }
    for (const [file, text] of Object.entries(texts)) {
      expect({ file, secrets: text.match(/secrets\.\w+/g) ?? [] }).toEqual({ file, secrets: [] });
      expect({ file, keys: text.match(/aws-access-key-id|aws-secret-access-key|credentials_json/g) ?? [] }).toEqual({ file, keys: [] });
    }
    // Workflow-level permissions stay read-only; jobs ask for more.
    for (const [file, wf] of Object.entries(workflows)) expect({ file, permissions: wf.permissions }).toEqual({ file, permissions: { contents: 'read' } });
  });

  test('plan jobs: no secrets, no SSM session, no lock, no refresh, no Airbyte stack', () => {
    const pr = workflows['pull-request.yml'];
    const planJobs = Object.entries(pr.jobs).filter(([, job]) => stackCommands(job).some((c) => c.command === 'diff'));
    expect(planJobs.map(([id]) => id).sort()).toEqual(['plan', 'plan-prod']);
    for (const [id, job] of planJobs) {
      const text = JSON.stringify(job);
      expect({ id, secrets: text.match(/secrets\./g) ?? [] }).toEqual({ id, secrets: [] });
      // Only the OIDC token: the plan role has no secret values and no sessions.
      expect({ id, permissions: job.permissions }).toEqual({ id, permissions: { contents: 'read', 'id-token': 'write' } });
      expect({ id, sessionPlugin: text.includes('session-manager-plugin') }).toEqual({ id, sessionPlugin: false });
      expect({ id, commands: stackCommands(job) }).toEqual({
        id,
        commands: [{ command: 'diff', options: ['--lock=false', '--refresh=false', '--skip-airbyte'], argument: '$ENVIRONMENT' }],
      });
      const aws = job.steps!.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
      expect({ id, role: aws.with?.['role-to-assume'] }).toEqual({ id, role: expect.not.stringContaining('DEPLOY') });
      const gcp = job.steps!.find((s) => s.uses?.startsWith('google-github-actions/auth@'))!;
      expect({ id, sa: gcp.with?.service_account }).toEqual({ id, sa: expect.stringContaining('GCP_PLAN_SERVICE_ACCOUNT') });
    }
  });

  // jq is on GitHub's runners and installed by scripts/install-system-deps.sh; under CI it must be here.
  const hasJq = spawnSync('bash', ['-c', 'command -v jq'], { encoding: 'utf8' }).status === 0;
  (hasJq || process.env.CI === 'true' ? test : test.skip)('prod plans only in the protected plan-prod environment; other plans never see prod (skipped without jq)', () => {
    const pr = workflows['pull-request.yml'];
    expect(pr.jobs['plan-prod']).toMatchObject({ environment: 'plan-prod', env: { ENVIRONMENT: 'prod' } });
    expect(pr.jobs['plan-prod'].if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    // The environment-less plan matrix is the affected list without the protected ones.
    expect(pr.jobs.plan.environment).toBeUndefined();
    expect(String(pr.jobs.plan.strategy?.matrix?.target)).toBe('${{ fromJSON(needs.affected.outputs.environments) }}');
    const step = pr.jobs.affected.steps!.find((s) => s.id === 'affected')!;
    expect(JSON.parse(step.env!.PROTECTED_PLANS)).toEqual(['prod']);
    // Run the job's jq filters on an affected list: prod leaves the plain matrix.
    const all = JSON.stringify([{ environment: 'dev', key: 'DEV' }, { environment: 'prod', key: 'PROD' }]);
    const filters = [...step.run!.matchAll(/jq -c --argjson p "\$PROTECTED_PLANS" '([^']+)'/g)].map((m) => m[1]);
    expect(filters).toHaveLength(2);
    const jq = (filter: string) => {
      const r = spawnSync('jq', ['-c', '--argjson', 'p', step.env!.PROTECTED_PLANS, filter], { input: all, encoding: 'utf8' });
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout);
    };
    expect(jq(filters[0])).toEqual([{ environment: 'dev', key: 'DEV' }]);
    expect(jq(filters[1])).toEqual([{ environment: 'prod', key: 'PROD' }]);
  });

  test('prod deploys only after dev, in the protected prod environment; pull requests from forks get no cloud access', () => {
    const deploy = workflows['deploy.yml'];
    expect(deploy.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(deploy.jobs['deploy-prod']).toMatchObject({ needs: 'deploy-dev', environment: 'prod' });
    expect(deploy.jobs['deploy-dev']).toMatchObject({ needs: 'test', environment: 'dev' });
    const pr = workflows['pull-request.yml'];
    for (const id of ['plan', 'plan-prod', 'comment']) expect(pr.jobs[id].if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    for (const id of ['deploy', 'destroy']) expect(workflows['ephemeral.yml'].jobs[id].if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
  });

  test('ephemeral environments follow the ephemeral-env label and the pull request lifecycle', () => {
    const eph = workflows['ephemeral.yml'];
    expect((eph.on.pull_request as { types: string[] }).types.sort()).toEqual(['closed', 'labeled', 'reopened', 'synchronize', 'unlabeled']);
    expect(eph.jobs.deploy.if).toContain("contains(github.event.pull_request.labels.*.name, 'ephemeral-env')");
    expect(eph.jobs.destroy.if).toContain("github.event.action == 'closed'");
    expect(eph.jobs.destroy.if).toContain("github.event.label.name == 'ephemeral-env'");
    // No --skip-airbyte: stack.sh skips the Airbyte stack by itself when its state is empty or the host is gone.
    expect(stackCommands(eph.jobs.destroy)).toEqual([{ command: 'destroy', options: [], argument: '$ENVIRONMENT' }]);
    const sweep = workflows['sweep.yml'];
    expect(Object.keys(sweep.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(sweep.jobs.find.steps?.some((s) => s.run?.includes('scripts/stack.sh stale-ephemeral'))).toBe(true);
    expect(sweep.jobs.find.permissions).toMatchObject({ 'pull-requests': 'read' });
  });

  test('pull request environments are named and deployed by config/naming.ts rules', () => {
    // GitHub expressions cannot call the naming module: this pins the workflows to its rules.
    const number = '${{ github.event.pull_request.number }}';
    const eph = workflows['ephemeral.yml'];
    for (const id of ['deploy', 'destroy']) {
      expect(eph.jobs[id].env?.ENVIRONMENT).toBe(pullRequestEnvironmentName(number));
      expect(eph.jobs[id].environment).toBe(EPHEMERAL_GITHUB_ENVIRONMENT);
    }
    for (const id of Object.keys(workflows['sweep.yml'].jobs)) expect(workflows['sweep.yml'].jobs[id].environment).toBe(EPHEMERAL_GITHUB_ENVIRONMENT);
  });

  test('every stack the workflows deploy, plan or destroy exists in the synthesized manifest', () => {
    // What each environment argument resolves to: literals, the PR number (pr-123 synthesized
    // above), the affected matrix (checked-in environments) and the sweep's matrix (pr-<n>).
    // scripts/stack.sh affected yields checked-in environments only (its own tests show which).
    const checkedIn = CHECKED_IN_ENVIRONMENTS.map((e) => e.name);
    expect(checkedIn).toEqual(['dev', 'prod']);
    const resolve = (value: string): string[] => {
      if (value.includes('${{ github.event.pull_request.number }}')) return [value.replace('${{ github.event.pull_request.number }}', '123')];
      if (value === '${{ matrix.target.environment }}') return checkedIn;
      if (value === '${{ matrix.environment }}') return ['pr-123'];
      expect(value).toMatch(/^[a-z][a-z0-9-]*$/);
      return [value];
    };
    const used: string[] = [];
    for (const { file, id, job } of allJobs()) {
      for (const { argument } of stackCommands(job)) {
        expect({ where: `${file}:${id}`, argument }).toEqual({ where: `${file}:${id}`, argument: '$ENVIRONMENT' });
        for (const env of resolve(job.env?.ENVIRONMENT ?? '')) {
          for (const role of ['aws', 'gcp', 'airbyte']) used.push(`${env}-${role}`);
        }
      }
      // Any stack named directly in a script must exist too.
      for (const step of job.steps ?? []) {
        for (const m of (step.run ?? '').matchAll(/\b((?:dev|prod|pr-\d+)-(?:aws|gcp|airbyte))\b/g)) used.push(m[1]);
      }
    }
    const unique = [...new Set(used)].sort();
    expect(unique).toEqual(['dev-airbyte', 'dev-aws', 'dev-gcp', 'pr-123-airbyte', 'pr-123-aws', 'pr-123-gcp', 'prod-airbyte', 'prod-aws', 'prod-gcp']);
    for (const stack of unique) expect({ stack, inManifest: stack in manifest.stacks }).toEqual({ stack, inManifest: true });
    // The order scripts/stack.sh applies them in is the manifest's dependency order.
    expect(manifest.stacks['dev-airbyte'].dependencies.sort()).toEqual(['dev-aws', 'dev-gcp']);
  });
});

describe('the plan comment script', () => {
  const step = workflows['pull-request.yml'].jobs.comment.steps!.find((s) => s.uses?.startsWith('actions/github-script@'))!;
  const script = String(step.with!.script);

  async function runScript(existing: Array<{ id: number; body: string; user: { type: string } }>, plans: Record<string, { status: number; log: string } | undefined>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plans-'));
    for (const [env, plan] of Object.entries(plans)) {
      if (!plan) continue;
      fs.writeFileSync(path.join(dir, `${env}.log`), plan.log);
      fs.writeFileSync(path.join(dir, `${env}.status`), `${plan.status}\n`);
    }
    const calls: Array<{ method: string; args: Record<string, unknown> }> = [];
    const listComments = () => undefined;
    const github = {
      paginate: async (method: unknown, args: Record<string, unknown>) => {
        expect(method).toBe(listComments);
        expect(args).toMatchObject({ issue_number: 42 });
        return existing;
      },
      rest: {
        issues: {
          listComments,
          updateComment: async (args: Record<string, unknown>) => void calls.push({ method: 'update', args }),
          createComment: async (args: Record<string, unknown>) => {
            calls.push({ method: 'create', args });
            return { data: { id: 999 } };
          },
        },
      },
    };
    const context = {
      repo: { owner: 'o', repo: 'r' },
      issue: { number: 42 },
      serverUrl: 'https://github.com',
      runId: 7,
      payload: { pull_request: { head: { sha: 'abcdef1234567890' } } },
    };
    const core = { info: () => undefined };
    const saved = { ENVIRONMENTS: process.env.ENVIRONMENTS, PLANS_DIR: process.env.PLANS_DIR };
    process.env.ENVIRONMENTS = JSON.stringify(Object.keys(plans).map((environment) => ({ environment, key: environment.toUpperCase() })));
    process.env.PLANS_DIR = dir;
    try {
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
      await new AsyncFunction('github', 'context', 'core', 'require', script)(github, context, core, require);
    } finally {
      Object.assign(process.env, saved);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return calls;
  }

  test('creates one comment with a hidden marker and a section per environment', async () => {
    const calls = await runScript([{ id: 1, body: 'LGTM', user: { type: 'User' } }], {
      dev: { status: 0, log: 'dev-aws  Plan: 1 to add, 0 to change, 0 to destroy.' },
      prod: { status: 1, log: 'Error: prod-gcp failed' },
    });
    expect(calls.map((c) => c.method)).toEqual(['create']);
    const body = String(calls[0].args.body);
    expect(body.startsWith('<!-- cdktf-plan-review -->')).toBe(true);
    expect(body).toContain('✅ <b>dev</b>: planned');
    expect(body).toContain('Plan: 1 to add');
    expect(body).toContain('❌ <b>prod</b>: plan failed (exit 1)');
    expect(body).toContain('Commit abcdef1');
  });

  test('updates the previous bot comment in place instead of adding another', async () => {
    const calls = await runScript(
      [
        { id: 5, body: 'a human quoting <!-- cdktf-plan-review -->', user: { type: 'User' } },
        { id: 6, body: '<!-- cdktf-plan-review -->\nold plan', user: { type: 'Bot' } },
      ],
      { dev: { status: 0, log: 'new plan' } },
    );
    expect(calls.map((c) => [c.method, c.args.comment_id])).toEqual([['update', 6]]);
    expect(String(calls[0].args.body)).toContain('new plan');
  });

  test('keeps the end of a long plan under the comment size limit, and names a missing plan', async () => {
    const calls = await runScript([], { dev: { status: 0, log: 'x'.repeat(200000) + 'THE SUMMARY' }, prod: undefined });
    const body = String(calls[0].args.body);
    expect(body.length).toBeLessThan(65536);
    expect(body).toContain('THE SUMMARY');
    expect(body).toContain('characters cut');
    expect(body).toContain('No plan: the plan job did not get that far');
  });

  test('says so when no environment is affected', async () => {
    const calls = await runScript([], {});
    expect(String(calls[0].args.body)).toContain('No environment is affected by this change');
  });
});
