import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const script = path.join(root, 'scripts', 'stack.sh');
const STUBBED = ['cdktf', 'terraform', 'aws', 'gcloud', 'curl', 'npm', 'gh', 'kubectl', 'session-manager-plugin'];

/** The system tools the scripts use; linked alone so a real gcloud/terraform/aws here cannot leak in. */
const SYSTEM_TOOLS = ['bash', 'sed', 'tr', 'grep', 'head', 'tail', 'cat', 'mkdir', 'cp', 'rm', 'mktemp', 'dirname', 'basename', 'paste', 'sort', 'sleep', 'pkill', 'git', 'touch', 'find', 'wc', 'date'];

let work: string;
let synthDir: string;
/** pr-8 synthesized in eks-helm hosting (EPHEMERAL_HOSTING), so it has a pr-8-kubernetes stack. */
let eksSynthDir: string;
let systemBin: string;

/** Real synthesized stacks for dev and pr-7, which the cdktf stub "synthesizes" by copying. */
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-sh-'));
  synthDir = path.join(work, 'synth');
  systemBin = path.join(work, 'system-bin');
  fs.mkdirSync(systemBin);
  for (const tool of SYSTEM_TOOLS) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    expect({ tool, found: found !== '' }).toEqual({ tool, found: true });
    fs.symlinkSync(found, path.join(systemBin, tool));
  }
  fs.symlinkSync(process.execPath, path.join(systemBin, 'node'));
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--quiet'], { cwd: root, encoding: 'utf8' });
  expect({ status: build.status, stderr: build.stderr }).toEqual({ status: 0, stderr: '' });
  const synth = spawnSync(process.execPath, [path.join(root, 'dist', 'main.js')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDKTF_OUTDIR: synthDir, EPHEMERAL_ENV: 'pr-7', ENVIRONMENTS: 'dev,pr-7', BOOTSTRAP: '' },
  });
  expect(synth.status).toBe(0);
  eksSynthDir = path.join(work, 'synth-eks');
  const eksSynth = spawnSync(process.execPath, [path.join(root, 'dist', 'main.js')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDKTF_OUTDIR: eksSynthDir, EPHEMERAL_ENV: 'pr-8', EPHEMERAL_HOSTING: 'eks-helm', ENVIRONMENTS: 'pr-8', BOOTSTRAP: '' },
  });
  expect(eksSynth.status).toBe(0);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every stubbed call, in order ("cdktf deploy pr-7-aws ..."). */
  calls: string[];
  /** The stubs' log; they keep their state beside it (e.g. `<log>.job.json`, the Job kubectl created). */
  stubLog: string;
}

/**
 * A state bucket for the aws stub: one file per object key, each a Terraform state (format 4,
 * as `terraform show -json`'s source: resources[] with mode/type/name/instances) recording
 * `count` managed resources plus one data source, which must not count.
 */
function stateBucket(objects: Record<string, number>): string {
  const dir = fs.mkdtempSync(path.join(work, 'bucket-'));
  for (const [key, count] of Object.entries(objects)) {
    const resources = [
      { mode: 'data', type: 'aws_partition', name: 'partition', instances: [{ attributes: {} }] },
      ...Array.from({ length: count }, (_, i) => ({ mode: 'managed', type: 'aws_vpc', name: `r${i}`, instances: [{ attributes: { id: `vpc-${i}` } }] })),
    ];
    fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), JSON.stringify({ version: 4, terraform_version: '1.10.5', serial: 3, lineage: 'x', outputs: {}, resources }));
  }
  return dir;
}
const objectsIn = (dir: string): string[] =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort() : [];

/** pr-7 fully deployed: every stack's state records resources. */
const deployedPr7 = () =>
  stateBucket({ 'cdc-bigquery/pr-7/pr-7-aws.tfstate': 30, 'cdc-bigquery/pr-7/pr-7-gcp.tfstate': 5, 'cdc-bigquery/pr-7/pr-7-airbyte.tfstate': 4 });

function run(args: string[], options: { env?: Record<string, string>; without?: string[]; synth?: string; bucket?: string } = {}): Run {
  const dir = fs.mkdtempSync(path.join(work, 'run-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const name of STUBBED.filter((n) => !(options.without ?? []).includes(n))) {
    fs.symlinkSync(path.join(__dirname, 'stubs', 'stub.sh'), path.join(bin, name));
  }
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(log, '');
  const result = spawnSync('bash', [script, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60000,
    env: {
      PATH: [bin, systemBin].join(':'),
      HOME: dir,
      TMPDIR: dir,
      STUB_LOG: log,
      STUB_SYNTH_DIR: options.synth ?? synthDir,
      STUB_STATE_DIR: options.bucket ?? stateBucket({}),
      CDKTF_OUTDIR: path.join(dir, 'cdktf.out'),
      STACK_HEALTH_INTERVAL: '0',
      ...options.env,
    },
  });
  const calls = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, stubLog: log };
}

/** The cdktf actions on stacks, in order: ["deploy pr-7-aws", ...]. */
function stackActions(calls: string[]): string[] {
  return calls.filter((c) => /^cdktf (deploy|diff|destroy) /.test(c)).map((c) => c.split(' ').slice(1, 3).join(' '));
}

/** A copy of the synthesized stacks with `edit` applied to one stack's JSON. */
function editedSynth(stack: string, edit: (json: Record<string, any>) => void): string {
  const copy = fs.mkdtempSync(path.join(work, 'synth-'));
  fs.cpSync(synthDir, copy, { recursive: true });
  const file = path.join(copy, 'stacks', stack, 'cdk.tf.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
  return copy;
}

describe('scripts/stack.sh deploy', () => {
  test('deploys aws, gcp, waits for Airbyte through the tunnel, then airbyte; EPHEMERAL_ENV set for pr-<n>', () => {
    const r = run(['deploy', 'pr-7']);
    expect(r.stderr).toContain('deployed pr-7-aws, pr-7-gcp, pr-7-airbyte');
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['deploy pr-7-aws', 'deploy pr-7-gcp', 'deploy pr-7-airbyte']);
    const index = (prefix: string) => r.calls.findIndex((c) => c.startsWith(prefix));
    // Credentials are checked before anything runs; the tunnel and health check sit between gcp and airbyte.
    expect(index('aws sts get-caller-identity')).toBeLessThan(index('cdktf synth'));
    expect(index('gcloud auth application-default print-access-token')).toBeLessThan(index('cdktf synth'));
    expect(index('cdktf deploy pr-7-gcp')).toBeLessThan(index('aws ssm start-session'));
    expect(index('aws ssm start-session')).toBeLessThan(index('cdktf deploy pr-7-airbyte'));
    expect(index('curl')).toBeLessThan(index('cdktf deploy pr-7-airbyte'));
    expect(r.calls.find((c) => c.startsWith('aws ssm start-session'))).toContain('localPortNumber=8000');
    expect(r.calls.find((c) => c.startsWith('curl'))).toContain('http://localhost:8000/api/public/v1/health');
    expect(r.calls).toContain('cdktf-env EPHEMERAL_ENV=pr-7 ENVIRONMENTS=pr-7');
    for (const call of r.calls.filter((c) => /^cdktf deploy /.test(c))) {
      expect(call).toContain('--skip-synth');
      expect(call).toContain('--auto-approve');
      expect(call).toContain('--ignore-missing-stack-dependencies');
    }
  });

  test('stops before the Airbyte stack when Airbyte never answers, and says how to follow the boot', () => {
    const r = run(['deploy', 'pr-7', '--health-timeout', '0'], { env: { STUB_CURL_EXIT: '7' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Airbyte on the pr-7 host did not answer within 0s');
    expect(r.stderr).toContain('scripts/boot-log.sh pr-7');
    expect(stackActions(r.calls)).toEqual(['deploy pr-7-aws', 'deploy pr-7-gcp']);
  });

  test('a failed stack stops the sequence', () => {
    const r = run(['deploy', 'pr-7'], { env: { STUB_CDKTF_FAIL: 'pr-7-aws' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('deploying pr-7-aws failed; nothing after it was applied');
    expect(stackActions(r.calls)).toEqual(['deploy pr-7-aws']);
  });

  test('dev gets no EPHEMERAL_ENV, only the ENVIRONMENTS selection', () => {
    const r = run(['deploy', 'dev']);
    expect(r.status).toBe(0);
    expect(r.calls).toContain('cdktf-env EPHEMERAL_ENV= ENVIRONMENTS=dev');
    expect(stackActions(r.calls)).toEqual(['deploy dev-aws', 'deploy dev-gcp', 'deploy dev-airbyte']);
  });

  test('in CI, an environment with local state is refused before anything is applied', () => {
    const synth = editedSynth('dev-aws', (json) => {
      json.terraform.backend = { local: { path: '../../../terraform.dev-aws.tfstate' } };
    });
    const r = run(['deploy', 'dev'], { synth, env: { CI: 'true' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("dev keeps its Terraform state on local disk, which a CI runner throws away: set backend: { type: 's3'");
    expect(stackActions(r.calls)).toEqual([]);
  });

  test('credentials for another account than the environment allows are refused', () => {
    const synth = editedSynth('dev-aws', (json) => {
      json.provider.aws[0].allowed_account_ids = ['111111111111'];
    });
    const r = run(['deploy', 'dev'], { synth, env: { STUB_AWS_ACCOUNT: '999999999999' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('these AWS credentials are for account 999999999999, but dev may only be deployed to: 111111111111');
    expect(stackActions(r.calls)).toEqual([]);
  });
});

describe('scripts/stack.sh deploy: the source is prepared on the host before the Airbyte stack', () => {
  const sendCommands = (calls: string[]) => calls.filter((c) => /^aws .*ssm send-command /.test(c));

  test('order: aws, gcp, Airbyte answers, cdc-prepare-source through SSM Run Command, airbyte, orchestrator restart', () => {
    const r = run(['deploy', 'pr-7']);
    expect(r.status).toBe(0);
    const index = (pattern: RegExp) => r.calls.findIndex((c) => pattern.test(c));
    const prepare = index(/ssm send-command .*cdc-prepare-source/);
    expect(index(/^cdktf deploy pr-7-gcp/)).toBeLessThan(index(/^curl /));
    expect(index(/^curl /)).toBeLessThan(prepare);
    expect(prepare).toBeLessThan(index(/^cdktf deploy pr-7-airbyte/));
    expect(index(/^cdktf deploy pr-7-airbyte/)).toBeLessThan(index(/ssm send-command .*systemctl restart cdc-orchestrator/));
    const [prepareCall] = sendCommands(r.calls);
    // The host found by its tags, in the environment's region; the command names no secret.
    expect(r.calls).toContain('aws --region eu-west-1 ec2 describe-instances --filters Name=tag:Environment,Values=pr-7 Name=tag:Role,Values=airbyte-host Name=instance-state-name,Values=running --query Reservations[].Instances[].InstanceId --output text');
    expect(prepareCall).toContain('aws --region eu-west-1 ssm send-command --instance-ids i-0123456789abcdef0 --document-name AWS-RunShellScript');
    expect(prepareCall).toMatch(/"commands":\["[^"]*\/usr\/local\/bin\/cdc-prepare-source"\]/);
    expect(prepareCall).not.toMatch(/password|SOURCE_ADMIN_DATABASE_URL|secret/i);
    // Polled until it ended (the stub answers InProgress first), its output shown.
    expect(r.calls.filter((c) => c.includes('ssm get-command-invocation --command-id 0b5e6f7a-0000-4000-8000-000000000001')).length).toBeGreaterThanOrEqual(2);
    expect(r.stdout).toContain('{"ready": true}');
    expect(r.stderr).toContain('prepare the source: Success (exit 0)');
  });

  test('exit 2 from prepare-source (a person must act) stops before the Airbyte stack with the tool\'s message and exit code', () => {
    const r = run(['deploy', 'pr-7'], {
      env: { STUB_PREPARE_EXIT: '2', STUB_PREPARE_STDOUT: '{\\"ready\\": false, \\"missingTables\\": [\\"public.orders\\"]}', STUB_PREPARE_STDERR: 'watched tables missing: public.orders' },
    });
    expect(r.status).toBe(2);
    expect(stackActions(r.calls)).toEqual(['deploy pr-7-aws', 'deploy pr-7-gcp']);
    expect(r.stdout).toContain('"missingTables": ["public.orders"]');
    expect(r.stderr).toContain('watched tables missing: public.orders');
    expect(r.stderr).toContain('the source needs a person (see the messages above): pr-7-airbyte was not deployed');
    expect(sendCommands(r.calls).some((c) => c.includes('systemctl restart'))).toBe(false);
  });

  test('a failed preparation (exit 1) stops before the Airbyte stack', () => {
    const r = run(['deploy', 'pr-7'], { env: { STUB_PREPARE_EXIT: '1', STUB_PREPARE_STDERR: 'cannot connect to the source database' } });
    expect(r.status).toBe(1);
    expect(stackActions(r.calls)).toEqual(['deploy pr-7-aws', 'deploy pr-7-gcp']);
    expect(r.stderr).toContain('preparing the source failed (exit 1): pr-7-airbyte was not deployed');
  });

  test('--skip-prepare-source skips it; --recreate-lost-slot passes the flag to prepare-source', () => {
    const skipped = run(['deploy', 'pr-7', '--skip-prepare-source']);
    expect(skipped.status).toBe(0);
    expect(sendCommands(skipped.calls).some((c) => c.includes('cdc-prepare-source'))).toBe(false);
    expect(stackActions(skipped.calls)).toEqual(['deploy pr-7-aws', 'deploy pr-7-gcp', 'deploy pr-7-airbyte']);
    const recreate = run(['deploy', 'pr-7', '--recreate-lost-slot']);
    expect(recreate.status).toBe(0);
    expect(sendCommands(recreate.calls)[0]).toContain('/usr/local/bin/cdc-prepare-source --recreate-lost-slot"]');
  });
});

describe('scripts/stack.sh deploy: GCP organisations that forbid service-account keys', () => {
  test.each(['iam.disableServiceAccountKeyCreation', 'iam.managed.disableServiceAccountKeyCreation'])('%s enforced: stops by name before applying anything', (constraint) => {
    const r = run(['deploy', 'pr-7'], { env: { STUB_GCLOUD_ENFORCED: constraint } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the GCP organisation policy ${constraint} is enforced on project example-data-dev`);
    expect(r.stderr).toContain('Nothing was applied. Ask an organisation policy administrator for an exception on project example-data-dev');
    expect(stackActions(r.calls)).toEqual([]);
    expect(r.calls).toContain(`gcloud org-policies describe ${constraint} --effective --project example-data-dev --format=json`);
  });

  test('not enforced, or not readable: the deploy goes on (unreadable is said)', () => {
    expect(run(['deploy', 'pr-7']).status).toBe(0);
    const denied = run(['deploy', 'pr-7'], { env: { STUB_GCLOUD_ORG_DENIED: '1' } });
    expect(denied.status).toBe(0);
    expect(denied.stderr).toContain('warning: could not read the organisation policy iam.disableServiceAccountKeyCreation of project example-data-dev');
  });
});

test('stack.sh is shellcheck-clean', () => {
  const result = spawnSync('shellcheck', ['--severity=style', '--external-sources', script], { encoding: 'utf8' });
  if (result.error) throw new Error(`shellcheck could not run (${result.error.message}); install it: apt-get install -y shellcheck`);
  expect(`${result.stdout}${result.stderr}`).toBe('');
  expect(result.status).toBe(0);
});

describe('scripts/stack.sh diff', () => {
  test('plans aws and gcp, and reports the Airbyte plan as skipped when the host does not answer (first deploy)', () => {
    const r = run(['diff', 'pr-7', '--health-timeout', '0'], { env: { STUB_CURL_EXIT: '7' } });
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['diff pr-7-aws', 'diff pr-7-gcp']);
    expect(r.stdout).toContain('pr-7-airbyte: not planned: Airbyte on the pr-7 host does not answer through the tunnel');
    for (const call of r.calls.filter((c) => c.startsWith('cdktf diff'))) expect(call).not.toContain('--auto-approve');
  });

  test('pull request plans: no lock, no refresh (Terraform reads TF_CLI_ARGS_plan), no Airbyte stack and no tunnel', () => {
    const r = run(['diff', '--lock=false', '--refresh=false', '--skip-airbyte', 'pr-7']);
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['diff pr-7-aws', 'diff pr-7-gcp']);
    expect(r.calls).toContain('cdktf-env TF_CLI_ARGS_plan=-lock=false -refresh=false');
    expect(r.calls.some((c) => c.startsWith('aws ssm') || c.startsWith('curl'))).toBe(false);
    expect(r.stdout).toContain('pr-7-airbyte: not planned (--skip-airbyte)');
    // Without the options a plan takes the lock as usual.
    expect(run(['diff', 'pr-7']).calls.some((c) => c.includes('TF_CLI_ARGS_plan'))).toBe(false);
  });

  test('plans all three when Airbyte answers, and fails naming the stack whose plan failed', () => {
    const ok = run(['diff', 'pr-7']);
    expect(ok.status).toBe(0);
    expect(stackActions(ok.calls)).toEqual(['diff pr-7-aws', 'diff pr-7-gcp', 'diff pr-7-airbyte']);
    const failed = run(['diff', 'pr-7'], { env: { STUB_CDKTF_FAIL: 'pr-7-gcp' } });
    expect(failed.status).toBe(1);
    expect(stackActions(failed.calls)).toEqual(['diff pr-7-aws', 'diff pr-7-gcp', 'diff pr-7-airbyte']);
    expect(failed.stderr).toContain('plan failed for: pr-7-gcp');
  });
});

describe('scripts/stack.sh destroy', () => {
  const withSharedSource = () =>
    editedSynth('pr-7-aws', (json) => {
      delete json.resource.aws_db_instance;
    });

  test('destroys airbyte, gcp, aws in that order; no retire-source when the environment has its own database', () => {
    const r = run(['destroy', 'pr-7'], { bucket: deployedPr7() });
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['destroy pr-7-airbyte', 'destroy pr-7-gcp', 'destroy pr-7-aws']);
    expect(r.calls.some((c) => c.startsWith('npm'))).toBe(false);
    expect(r.stderr).toContain('retire-source not needed: pr-7 has its own database');
  });

  test('runs retire-source first when the source database is shared', () => {
    const r = run(['destroy', 'pr-7'], { synth: withSharedSource(), bucket: deployedPr7(), env: { SOURCE_DATABASE_URL: 'postgres://admin@localhost:15432/app' } });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('npm') || /^cdktf destroy/.test(c)).map((c) => (c.startsWith('cdktf') ? c.split(' ').slice(0, 3).join(' ') : c))).toEqual([
      'npm run --silent orchestrator -- retire-source --confirm',
      'cdktf destroy pr-7-airbyte',
      'cdktf destroy pr-7-gcp',
      'cdktf destroy pr-7-aws',
    ]);
  });

  test('a shared source without SOURCE_DATABASE_URL stops before anything is destroyed', () => {
    const r = run(['destroy', 'pr-7'], { synth: withSharedSource(), env: { SOURCE_DATABASE_URL: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the source database is shared, so pr-7's replication slot must be dropped first: set SOURCE_DATABASE_URL");
    expect(r.calls.some((c) => c.startsWith('npm'))).toBe(false);
    expect(stackActions(r.calls)).toEqual([]);
  });

  test('a failed retire-source destroys nothing; --skip-retire-source skips it', () => {
    const failed = run(['destroy', 'pr-7'], { synth: withSharedSource(), env: { STUB_NPM_EXIT: '1', SOURCE_DATABASE_URL: 'postgres://admin@localhost:15432/app' } });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('retire-source failed, so nothing was destroyed');
    expect(stackActions(failed.calls)).toEqual([]);
    const skipped = run(['destroy', 'pr-7', '--skip-retire-source'], { synth: withSharedSource(), env: { STUB_NPM_EXIT: '1' } });
    expect(skipped.status).toBe(0);
    expect(skipped.calls.some((c) => c.startsWith('npm'))).toBe(false);
  });

  test('an unreachable Airbyte stops the destroy with the --skip-airbyte hint; --skip-airbyte destroys gcp and aws', () => {
    const stuck = run(['destroy', 'pr-7', '--health-timeout', '0'], { bucket: deployedPr7(), env: { STUB_CURL_EXIT: '7' } });
    expect(stuck.status).toBe(1);
    expect(stuck.stderr).toContain('rerun with --skip-airbyte');
    expect(stackActions(stuck.calls)).toEqual([]);
    const skipped = run(['destroy', 'pr-7', '--skip-airbyte'], { bucket: deployedPr7(), env: { STUB_CURL_EXIT: '7' } });
    expect(skipped.status).toBe(0);
    expect(stackActions(skipped.calls)).toEqual(['destroy pr-7-gcp', 'destroy pr-7-aws']);
  });

  test('an environment whose host never booted: the empty Airbyte state is skipped without waiting, the rest destroyed', () => {
    // The deploy stopped before <env>-airbyte (Airbyte never answered), so its state holds nothing.
    const bucket = stateBucket({ 'cdc-bigquery/pr-7/pr-7-aws.tfstate': 30, 'cdc-bigquery/pr-7/pr-7-gcp.tfstate': 5, 'cdc-bigquery/pr-7/pr-7-airbyte.tfstate': 0 });
    const r = run(['destroy', 'pr-7', '--health-timeout', '600'], { bucket, env: { STUB_CURL_EXIT: '7' } });
    expect(r.stderr).toContain('pr-7-airbyte not destroyed: its state holds no resources');
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['destroy pr-7-gcp', 'destroy pr-7-aws']);
    expect(r.calls.some((c) => c.startsWith('curl') || c.startsWith('aws ssm start-session'))).toBe(false);
    // Never deployed at all: no state object either.
    const never = run(['destroy', 'pr-7'], { bucket: stateBucket({ 'cdc-bigquery/pr-7/pr-7-aws.tfstate': 3 }), env: { STUB_CURL_EXIT: '7' } });
    expect(never.status).toBe(0);
    expect(stackActions(never.calls)).toEqual(['destroy pr-7-gcp', 'destroy pr-7-aws']);
  });

  test('a host that is gone: the Airbyte stack is skipped (its objects went with the host), and all state is deleted', () => {
    const bucket = deployedPr7();
    const r = run(['destroy', 'pr-7'], { bucket, env: { STUB_NO_HOST: '1', STUB_CURL_EXIT: '7' } });
    expect(r.stderr).toContain('pr-7-airbyte not destroyed: no pr-7 host exists');
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['destroy pr-7-gcp', 'destroy pr-7-aws']);
    expect(r.calls).toContain(
      'aws ec2 describe-instances --filters Name=tag:Environment,Values=pr-7 Name=tag:Role,Values=airbyte-host Name=instance-state-name,Values=pending,running,stopping,stopped --query Reservations[].Instances[].InstanceId --output text',
    );
    // The abandoned Airbyte records are deleted with the rest.
    expect(objectsIn(bucket)).toEqual([]);
  });

  test("the environment's state objects are deleted after a successful destroy, and only then", () => {
    const bucket = stateBucket({
      'cdc-bigquery/pr-7/pr-7-aws.tfstate': 30,
      'cdc-bigquery/pr-7/pr-7-gcp.tfstate': 5,
      'cdc-bigquery/pr-7/pr-7-airbyte.tfstate': 4,
      'cdc-bigquery/pr-70/pr-70-aws.tfstate': 12,
      'cdc-bigquery/dev/dev-aws.tfstate': 40,
    });
    const r = run(['destroy', 'pr-7'], { bucket });
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['destroy pr-7-airbyte', 'destroy pr-7-gcp', 'destroy pr-7-aws']);
    expect(r.stderr).toContain("deleted pr-7's state (s3://example-terraform-state-dev/cdc-bigquery/pr-7/)");
    const rm = 'aws s3 rm s3://example-terraform-state-dev/cdc-bigquery/pr-7/ --recursive';
    expect(r.calls.indexOf(rm)).toBeGreaterThan(r.calls.findIndex((c) => c.startsWith('cdktf destroy pr-7-aws')));
    // pr-70 shares the characters "pr-7"; only pr-7/ goes, and other environments stay.
    expect(objectsIn(bucket)).toEqual(['cdc-bigquery/dev/dev-aws.tfstate', 'cdc-bigquery/pr-70/pr-70-aws.tfstate']);

    // A failed destroy deletes nothing.
    const kept = deployedPr7();
    const failed = run(['destroy', 'pr-7'], { bucket: kept, env: { STUB_CDKTF_FAIL: 'pr-7-aws' } });
    expect(failed.status).toBe(1);
    expect(failed.calls.some((c) => c.startsWith('aws s3 rm'))).toBe(false);
    expect(objectsIn(kept)).toHaveLength(3);

    // A state that still records resources (a stack this script does not destroy) keeps them all.
    const stray = stateBucket({ 'cdc-bigquery/pr-7/pr-7-aws.tfstate': 3, 'cdc-bigquery/pr-7/pr-7-extra.tfstate': 2 });
    const partial = run(['destroy', 'pr-7'], { bucket: stray });
    expect(partial.status).toBe(0);
    expect(partial.stderr).toContain('still holds resources: cdc-bigquery/pr-7/pr-7-extra.tfstate (2 resources)');
    expect(partial.calls.some((c) => c.startsWith('aws s3 rm'))).toBe(false);
    expect(objectsIn(stray)).toHaveLength(2);
  });

  test('a state that cannot be read (not a missing one) stops the destroy before anything is destroyed', () => {
    const r = run(['destroy', 'pr-7'], { bucket: deployedPr7(), env: { STUB_S3_DENIED: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('could not read the Terraform state s3://example-terraform-state-dev/cdc-bigquery/pr-7/pr-7-airbyte.tfstate');
    expect(stackActions(r.calls)).toEqual([]);
  });

  test('refuses a persistent environment without --confirm-persistent, before touching anything', () => {
    const r = run(['destroy', 'dev']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("refusing to destroy 'dev', which is not an ephemeral environment");
    expect(r.calls).toEqual([]);
  });
});

describe('scripts/stack.sh with eks-helm hosting (mode read from the synthesized stacks)', () => {
  // The stub `cdktf synth` copies STUB_SYNTH_DIR; EPHEMERAL_HOSTING is what a caller sets for pr-8.
  const eks = (args: string[], env: Record<string, string> = {}, bucket?: string, without?: string[]) =>
    run(args, { synth: eksSynthDir, bucket, without, env: { EPHEMERAL_HOSTING: 'eks-helm', ...env } });
  /** pr-8 fully deployed: every stack's state records resources. */
  const deployedPr8 = () =>
    stateBucket({
      'cdc-bigquery/pr-8/pr-8-aws.tfstate': 60, 'cdc-bigquery/pr-8/pr-8-gcp.tfstate': 5,
      'cdc-bigquery/pr-8/pr-8-kubernetes.tfstate': 6, 'cdc-bigquery/pr-8/pr-8-airbyte.tfstate': 4,
    });

  const kubectlCalls = (r: Run) => r.calls.filter((c) => c.startsWith('kubectl ') && !c.includes(' port-forward '));
  /** The Job the kubectl stub was asked to create (`kubectl create -f -`). */
  const createdJob = (r: Run) => JSON.parse(fs.readFileSync(`${r.stubLog}.job.json`, 'utf8'));

  test('deploy: kubernetes applied, then the source preparation Job created from its CronJob, waited for, its logs shown, then airbyte, then the orchestrator restarted', () => {
    const r = eks(['deploy', 'pr-8']);
    expect(r.stderr).toContain('deployed pr-8-aws, pr-8-gcp, pr-8-kubernetes, pr-8-airbyte');
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['deploy pr-8-aws', 'deploy pr-8-gcp', 'deploy pr-8-kubernetes', 'deploy pr-8-airbyte']);
    const index = (pattern: RegExp) => r.calls.findIndex((c) => pattern.test(c));
    const create = index(/^kubectl .* create job /);
    expect(index(/^cdktf deploy pr-8-kubernetes/)).toBeLessThan(index(/^curl /));
    expect(index(/^curl /)).toBeLessThan(create);
    expect(create).toBeLessThan(index(/^kubectl .* create -f -$/));
    expect(index(/^kubectl .* create -f -$/)).toBeLessThan(index(/^kubectl .* wait job\//));
    expect(index(/^kubectl .* logs job\//)).toBeLessThan(index(/^cdktf deploy pr-8-airbyte/));
    expect(index(/^cdktf deploy pr-8-airbyte/)).toBeLessThan(index(/^kubectl .* rollout restart /));
    expect(index(/^kubectl .* rollout restart /)).toBeLessThan(index(/^kubectl .* rollout status /));

    // Its own kubeconfig for the environment's cluster, in a temporary directory removed at the end.
    // (scripts/tunnel.sh, running the port-forward, keeps its own in the user's cache.)
    const kubeconfigCall = r.calls.find((c) => c.includes('eks update-kubeconfig') && c.includes('stack-kube'))!;
    expect(kubeconfigCall).toMatch(/^aws --region eu-west-1 eks update-kubeconfig --name cdc-pr-8 --kubeconfig \S+\/stack-kube\.\w+\/config$/);
    const kubeconfig = kubeconfigCall.split(' ').pop()!;
    expect(kubectlCalls(r).every((c) => c.startsWith(`kubectl --kubeconfig ${kubeconfig} --namespace airbyte `))).toBe(true);
    expect(fs.existsSync(path.dirname(kubeconfig))).toBe(false);

    const job = /create job (cdc-prepare-source-\d{8}-\d{6}) --from=cronjob\/cdc-prepare-source --dry-run=client -o json$/.exec(r.calls[create])?.[1];
    expect(job).toBeDefined();
    expect(createdJob(r).metadata).toMatchObject({ name: job, namespace: 'airbyte', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } });
    const container = createdJob(r).spec.template.spec.containers.find((c: { name: string }) => c.name === 'prepare-source');
    expect(container.args).toBeUndefined();
    // Waited for (the stub's Job ends on the third poll), then its exit code read from its pod.
    expect(r.calls.filter((c) => c.includes(` wait job/${job} `)).length).toBeGreaterThanOrEqual(3);
    expect(r.calls).toContain(`kubectl --kubeconfig ${kubeconfig} --namespace airbyte wait job/${job} --for=condition=Complete --timeout=0s`);
    expect(r.calls).toContain(`kubectl --kubeconfig ${kubeconfig} --namespace airbyte wait job/${job} --for=condition=Failed --timeout=0s`);
    expect(r.calls).toContain(`kubectl --kubeconfig ${kubeconfig} --namespace airbyte logs job/${job} --all-containers=true`);
    expect(r.stdout).toContain('{"ready": true}');
    expect(r.stderr).toContain('prepare the source: Complete (exit 0)');
    expect(r.calls).toContain(`kubectl --kubeconfig ${kubeconfig} --namespace airbyte rollout status deployment/cdc-orchestrator --timeout=600s`);
    expect(r.stderr).toContain('deployment "cdc-orchestrator" successfully rolled out');
    // No secret on any command line, and nothing goes through SSM.
    expect(r.calls.join('\n')).not.toMatch(/postgres(ql)?:\/\/|PASSWORD/);
    expect(r.calls.some((c) => c.startsWith('aws ssm'))).toBe(false);
  });

  test('deploy: exit 2 from the Job (a person must act) stops before airbyte with the tool\'s message and exit 2', () => {
    const message = 'prepare-source cannot proceed as "postgres": watched tables missing: public.orders';
    const r = eks(['deploy', 'pr-8'], { STUB_JOB_EXIT: '2', STUB_JOB_LOG: message });
    expect(r.status).toBe(2);
    expect(stackActions(r.calls)).toEqual(['deploy pr-8-aws', 'deploy pr-8-gcp', 'deploy pr-8-kubernetes']);
    expect(r.stdout).toContain(message);
    expect(r.stderr).toContain('prepare the source: Failed (BackoffLimitExceeded, exit 2)');
    expect(r.stderr).toContain('the source needs a person (see the messages above): pr-8-airbyte was not deployed');
    expect(kubectlCalls(r).some((c) => c.includes(' rollout '))).toBe(false);
  });

  test('deploy: exit 1 from the Job fails the deploy before airbyte', () => {
    const r = eks(['deploy', 'pr-8'], { STUB_JOB_EXIT: '1', STUB_JOB_LOG: 'cannot connect to the source database' });
    expect(r.status).toBe(1);
    expect(stackActions(r.calls)).toEqual(['deploy pr-8-aws', 'deploy pr-8-gcp', 'deploy pr-8-kubernetes']);
    expect(r.stdout).toContain('cannot connect to the source database');
    expect(r.stderr).toContain('preparing the source failed (exit 1): pr-8-airbyte was not deployed');
  });

  test('deploy: a Job past its deadline (pod deleted, no exit code) is a failure, with the reason', () => {
    const r = eks(['deploy', 'pr-8'], { STUB_JOB_EXIT: '137', STUB_JOB_NO_POD: '1', STUB_JOB_REASON: 'DeadlineExceeded' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('prepare the source: Failed (DeadlineExceeded, exit ?)');
    expect(r.stderr).toContain('preparing the source failed (exit 1)');
    expect(stackActions(r.calls)).not.toContain('deploy pr-8-airbyte');
  });

  test('deploy: a Job that cannot be followed (API unreachable) fails at once instead of waiting out the deadline', () => {
    const r = eks(['deploy', 'pr-8'], { STUB_KUBE_API_DOWN: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot follow the Job cdc-prepare-source-\d{8}-\d{6}: The connection to the server .* was refused/);
    expect(r.stderr).toContain('preparing the source failed (exit 1): pr-8-airbyte was not deployed');
    expect(r.calls.filter((c) => c.includes(' wait job/'))).toHaveLength(1);
  });

  test('deploy: --recreate-lost-slot reaches prepare-source as the Job container\'s argument', () => {
    const r = eks(['deploy', 'pr-8', '--recreate-lost-slot']);
    expect(r.status).toBe(0);
    const container = createdJob(r).spec.template.spec.containers.find((c: { name: string }) => c.name === 'prepare-source');
    expect(container.args).toEqual(['--recreate-lost-slot']);
    // The command is the CronJob's, unchanged: `sh -c SCRIPT $0` passes the args on to prepare-source.
    expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  });

  test('deploy: a preparation Job still running from an interrupted deploy stops before a second one is created', () => {
    const r = eks(['deploy', 'pr-8'], { STUB_ACTIVE_JOB: 'cdc-prepare-source-20261201-101500' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('a source preparation Job is still running in the pr-8 cluster: cdc-prepare-source-20261201-101500');
    expect(kubectlCalls(r).some((c) => c.includes(' create '))).toBe(false);
    expect(stackActions(r.calls)).not.toContain('deploy pr-8-airbyte');
  });

  test('deploy: --skip-prepare-source creates no Job; the orchestrator is still restarted', () => {
    const r = eks(['deploy', 'pr-8', '--skip-prepare-source']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('source preparation skipped (--skip-prepare-source)');
    expect(kubectlCalls(r).some((c) => c.includes(' create '))).toBe(false);
    expect(stackActions(r.calls)).toEqual(['deploy pr-8-aws', 'deploy pr-8-gcp', 'deploy pr-8-kubernetes', 'deploy pr-8-airbyte']);
    expect(kubectlCalls(r).filter((c) => c.includes(' rollout ')).map((c) => c.replace(/^kubectl --kubeconfig \S+ /, ''))).toEqual([
      '--namespace airbyte rollout restart deployment/cdc-orchestrator',
      '--namespace airbyte rollout status deployment/cdc-orchestrator --timeout=600s',
    ]);
  });

  test('deploy: a rollout that does not finish fails after airbyte, saying the stacks are deployed', () => {
    const r = eks(['deploy', 'pr-8'], { STUB_ROLLOUT_FAIL: '1' });
    expect(r.status).toBe(1);
    expect(stackActions(r.calls)).toContain('deploy pr-8-airbyte');
    expect(r.stderr).toContain('restarting deployment/cdc-orchestrator in namespace airbyte failed; the stacks are deployed');
  });

  test('deploy: without kubectl nothing is applied', () => {
    const r = eks(['deploy', 'pr-8'], {}, undefined, ['kubectl']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('kubectl is not installed or not on PATH: pr-8 runs Airbyte on EKS');
    expect(stackActions(r.calls)).toEqual([]);
  });

  test('deploy: aws, gcp, kubernetes, then waits for Airbyte through kubectl port-forward, then airbyte', () => {
    const r = eks(['deploy', 'pr-8', '--skip-prepare-source']);
    expect(r.stderr).toContain('deployed pr-8-aws, pr-8-gcp, pr-8-kubernetes, pr-8-airbyte');
    expect(r.status).toBe(0);
    expect(stackActions(r.calls)).toEqual(['deploy pr-8-aws', 'deploy pr-8-gcp', 'deploy pr-8-kubernetes', 'deploy pr-8-airbyte']);
    const index = (prefix: string) => r.calls.findIndex((c) => c.startsWith(prefix));
    const forward = r.calls.find((c) => c.startsWith('kubectl'))!;
    expect(forward).toMatch(/--namespace airbyte port-forward svc\/airbyte-airbyte-server-svc 8000:8001$/);
    expect(r.calls.find((c) => c.startsWith('aws eks update-kubeconfig'))).toContain('--name cdc-pr-8');
    expect(index('cdktf deploy pr-8-kubernetes')).toBeLessThan(index('kubectl'));
    expect(index('curl')).toBeLessThan(index('cdktf deploy pr-8-airbyte'));
    expect(r.calls.some((c) => c.startsWith('aws ssm start-session'))).toBe(false);
  });

  test('deploy: a failed kubernetes stack stops before Airbyte is waited for', () => {
    const r = eks(['deploy', 'pr-8'], { STUB_CDKTF_FAIL: 'pr-8-kubernetes' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('deploying pr-8-kubernetes failed (pr-8-aws and pr-8-gcp are applied)');
    expect(stackActions(r.calls)).toEqual(['deploy pr-8-aws', 'deploy pr-8-gcp', 'deploy pr-8-kubernetes']);
  });

  test('diff: plans kubernetes when the cluster exists, says why not before the first deploy', () => {
    expect(stackActions(eks(['diff', 'pr-8']).calls)).toEqual(['diff pr-8-aws', 'diff pr-8-gcp', 'diff pr-8-kubernetes', 'diff pr-8-airbyte']);
    const first = eks(['diff', 'pr-8', '--health-timeout', '0'], { STUB_EKS_MISSING: '1', STUB_CURL_EXIT: '7' });
    expect(first.status).toBe(0);
    expect(stackActions(first.calls)).toEqual(['diff pr-8-aws', 'diff pr-8-gcp']);
    expect(first.stdout).toContain('pr-8-kubernetes: not planned: the pr-8 EKS cluster does not exist yet');
    expect(first.stdout).toContain('pr-8-airbyte: not planned: Airbyte on the pr-8 cluster does not answer');
    // Pull request plans (--skip-airbyte) read no secret values, so the kubernetes stack is left to the deploy.
    const pullRequest = eks(['diff', 'pr-8', '--skip-airbyte']);
    expect(stackActions(pullRequest.calls)).toEqual(['diff pr-8-aws', 'diff pr-8-gcp']);
    expect(pullRequest.stdout).toContain('pr-8-kubernetes: not planned (--skip-airbyte)');
  });

  test('destroy: airbyte, kubernetes, gcp, aws; a cluster already gone skips kubernetes', () => {
    const full = eks(['destroy', 'pr-8'], {}, deployedPr8());
    expect(full.status).toBe(0);
    expect(stackActions(full.calls)).toEqual(['destroy pr-8-airbyte', 'destroy pr-8-kubernetes', 'destroy pr-8-gcp', 'destroy pr-8-aws']);
    expect(full.calls.some((c) => c.startsWith('aws ec2 describe-instances'))).toBe(false);
    const gone = eks(['destroy', 'pr-8'], { STUB_EKS_MISSING: '1' }, deployedPr8());
    expect(gone.status).toBe(0);
    expect(stackActions(gone.calls)).toEqual(['destroy pr-8-gcp', 'destroy pr-8-aws']);
    expect(gone.stderr).toContain('pr-8-airbyte not destroyed: the pr-8 EKS cluster is gone');
    expect(gone.stderr).toContain('pr-8-kubernetes not destroyed: its EKS cluster is gone');
  });

  test('an ec2-abctl environment never touches kubectl or EKS', () => {
    const r = run(['deploy', 'pr-7']);
    expect(r.calls.some((c) => c.startsWith('kubectl') || c.startsWith('aws eks'))).toBe(false);
  });
});

describe('scripts/stack.sh errors', () => {
  test.each([
    ['Terraform missing', { without: ['terraform'] }, 'Terraform is not installed or not on PATH; install Terraform 1.10 or later'],
    ['Terraform too old', { env: { STUB_TERRAFORM_VERSION: '1.9.8' } }, 'Terraform 1.9.8 is too old: 1.10 or later is needed'],
    ['AWS CLI missing', { without: ['aws'] }, 'the AWS CLI (v2) is not installed or not on PATH'],
    ['no AWS credentials', { env: { STUB_AWS_NO_CREDENTIALS: '1' } }, "no usable AWS credentials ('aws sts get-caller-identity' failed: Unable to locate credentials."],
    ['no gcloud and no GOOGLE_APPLICATION_CREDENTIALS', { without: ['gcloud'] }, 'no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS, or install the gcloud CLI'],
    ['no application-default credentials', { env: { STUB_GCLOUD_FAIL: '1' } }, "no Google application-default credentials: run 'gcloud auth application-default login'"],
    ['unreadable GOOGLE_APPLICATION_CREDENTIALS', { env: { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' } }, "GOOGLE_APPLICATION_CREDENTIALS is set to '/nonexistent/key.json', which is not a readable file"],
  ])('%s: one clear message, nothing synthesized or applied', (_name, options, message) => {
    const r = run(['deploy', 'pr-7'], options as { env?: Record<string, string>; without?: string[] });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.calls.some((c) => c.startsWith('cdktf'))).toBe(false);
    expect(r.stderr).not.toContain('stub-access-token');
  });

  test('usage errors name what is wrong', () => {
    expect(run(['launch', 'dev']).stderr).toContain("unknown command 'launch'");
    expect(run(['deploy']).stderr).toContain('deploy needs an environment, e.g. dev or pr-123');
    expect(run(['deploy', 'staging']).stderr).toContain("unknown environment 'staging': expected one of dev,prod or an ephemeral name");
    const port = run(['deploy', 'dev', '--tunnel-port', '99999']);
    expect(port.status).toBe(2);
    expect(port.stderr).toContain("--tunnel-port must be a port number (1-65535), got '99999'");
  });
});

describe('scripts/stack.sh stale-ephemeral', () => {
  /** The sweep synthesizes pr-0 to learn the backend; an S3 backend like a real setup's. */
  function withPr0Stacks(): string {
    const synth = editedSynth('pr-7-aws', () => undefined);
    for (const role of ['aws', 'gcp', 'airbyte']) {
      fs.mkdirSync(path.join(synth, 'stacks', `pr-0-${role}`), { recursive: true });
      fs.writeFileSync(
        path.join(synth, 'stacks', `pr-0-${role}`, 'cdk.tf.json'),
        JSON.stringify({ terraform: { backend: { s3: { bucket: 'state-bucket', key: `cdc-bigquery/pr-0/pr-0-${role}.tfstate` } } } }),
      );
    }
    return synth;
  }

  test('lists pr-<n> environments whose state records resources, or with Ephemeral tags, whose pull request is closed or gone', () => {
    const bucket = stateBucket({
      'cdc-bigquery/dev/dev-aws.tfstate': 40,
      'cdc-bigquery/pr-5/pr-5-aws.tfstate': 3,
      'cdc-bigquery/pr-9/pr-9-aws.tfstate': 2,
    });
    const r = run(['stale-ephemeral'], {
      synth: withPr0Stacks(),
      bucket,
      env: { STUB_TAGGED: 'pr-9\tpr-11\tdev', STUB_PR_5: 'closed', STUB_PR_9: 'open', STUB_PR_11: '404' },
    });
    expect(r.stderr).toContain('pr-9: pull request #9 is open');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['pr-11', 'pr-5']);
    expect(r.calls).toContain('aws s3api list-objects-v2 --bucket state-bucket --prefix cdc-bigquery/ --delimiter / --query CommonPrefixes[].Prefix --output text');
  });

  test('the sweep ignores an emptied state: a torn-down environment is not stale forever', () => {
    // What a destroy leaves when its state could not be deleted: objects with no resources.
    const bucket = stateBucket({
      'cdc-bigquery/pr-12/pr-12-aws.tfstate': 0,
      'cdc-bigquery/pr-12/pr-12-gcp.tfstate': 0,
      'cdc-bigquery/pr-12/pr-12-airbyte.tfstate': 0,
      'cdc-bigquery/pr-13/pr-13-aws.tfstate': 0,
      'cdc-bigquery/pr-13/pr-13-gcp.tfstate': 1,
    });
    const r = run(['stale-ephemeral'], { synth: withPr0Stacks(), bucket, env: { STUB_PR_12: 'closed', STUB_PR_13: 'closed' } });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['pr-13']);
    expect(r.stderr).toContain('pr-12: its state records no resources (torn down)');
    // Its pull request is not even looked up.
    expect(r.calls.some((c) => c.startsWith('gh') && c.includes('pulls/12'))).toBe(false);
  });

  test('a GitHub API failure other than 404 stops the sweep instead of destroying', () => {
    const r = run(['stale-ephemeral'], { synth: withPr0Stacks(), env: { STUB_TAGGED: 'pr-5', STUB_PR_5: '500' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('could not read the state of pull request #5');
    expect(r.stdout).toBe('');
  });
});

describe('scripts/stack.sh affected', () => {
  function repoWith(changes: Record<string, string>): { dir: string; base: string } {
    const dir = fs.mkdtempSync(path.join(work, 'repo-'));
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
      expect(r.status).toBe(0);
      return r.stdout.trim();
    };
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.mkdirSync(path.join(dir, 'config', 'environments'), { recursive: true });
    fs.copyFileSync(script, path.join(dir, 'scripts', 'stack.sh'));
    // stack.sh sources its shared libraries (scripts/lib) before anything else.
    fs.cpSync(path.join(path.dirname(script), 'lib'), path.join(dir, 'scripts', 'lib'), { recursive: true });
    for (const env of ['dev', 'prod']) fs.writeFileSync(path.join(dir, 'config', 'environments', `${env}.ts`), `// ${env}\n`);
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    const base = git('rev-parse', 'HEAD');
    for (const [file, content] of Object.entries(changes)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    git('add', '.');
    git('commit', '-q', '--allow-empty', '-m', 'change');
    return { dir, base };
  }
  const affected = (changes: Record<string, string>) => {
    const { dir, base } = repoWith(changes);
    const r = spawnSync('bash', [path.join(dir, 'scripts', 'stack.sh'), 'affected', base], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  };

  test('an environment file affects that environment only', () => {
    expect(affected({ 'config/environments/prod.ts': '// changed\n' })).toEqual([{ environment: 'prod', key: 'PROD' }]);
  });
  test('stacks, constructs or the orchestrator affect every checked-in environment', () => {
    expect(affected({ 'constructs/x.ts': 'x', 'README.md': 'x' })).toEqual([
      { environment: 'dev', key: 'DEV' },
      { environment: 'prod', key: 'PROD' },
    ]);
  });
  test("the bootstrap stack's own files affect none, and no environment stack imports them", () => {
    const script = fs.readFileSync(path.join(root, 'scripts', 'stack.sh'), 'utf8');
    const line = script.split('\n').find((l) => l.includes('stacks/bootstrap-stack.ts|'));
    const bootstrapOnly = (line ?? '').trim().replace(/\) ;;$/, '').split('|');
    expect(bootstrapOnly).toEqual(expect.arrayContaining(['stacks/bootstrap-stack.ts', 'stacks/deploy-permissions.ts', 'constructs/github-oidc-role.ts']));
    // Every file the environment stacks reach through relative imports: none may be in the list.
    const reached = new Set<string>();
    const visit = (file: string) => {
      const rel = path.relative(root, file);
      if (reached.has(rel) || !fs.existsSync(file)) return;
      reached.add(rel);
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        visit(fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, 'index.ts'));
      }
    };
    for (const stack of ['aws-stack', 'gcp-stack', 'kubernetes-stack', 'airbyte-stack']) visit(path.join(root, 'stacks', `${stack}.ts`));
    expect(reached.size).toBeGreaterThan(20);
    expect(bootstrapOnly.filter((f) => reached.has(f))).toEqual([]);
    expect(affected({ 'stacks/deploy-permissions.ts': 'x', 'constructs/github-workload-identity.ts': 'x' })).toEqual([]);
  });
  test('documentation, tests and workflows affect none', () => {
    expect(affected({ 'README.md': 'x', '__tests__/a.test.ts': 'x', '.github/workflows/x.yml': 'x' })).toEqual([]);
  });
  test('an unknown git ref is a clear error', () => {
    const { dir } = repoWith({});
    const r = spawnSync('bash', [path.join(dir, 'scripts', 'stack.sh'), 'affected', 'no-such-ref'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot compare with 'no-such-ref'");
  });
});
