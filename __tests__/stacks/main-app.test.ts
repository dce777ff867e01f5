import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

function runApp(env: Record<string, string>) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-out-'));
  const result = spawnSync(process.execPath, [path.join(root, 'dist', 'main.js')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
    timeout: 120000,
  });
  return { ...result, outdir };
}

beforeAll(() => {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--quiet'], { cwd: root, encoding: 'utf8' });
  expect({ status: build.status, stderr: build.stderr }).toEqual({ status: 0, stderr: '' });
});

describe('the cdktf app (npm run synth)', () => {
  test('writes every stack of dev and prod to <outdir>/stacks/<name>/cdk.tf.json', () => {
    const run = runApp({});
    expect(run.status).toBe(0);
    const stacks = fs.readdirSync(path.join(run.outdir, 'stacks')).sort();
    expect(stacks).toEqual(['dev-airbyte', 'dev-aws', 'dev-gcp', 'prod-airbyte', 'prod-aws', 'prod-gcp', 'prod-kubernetes']);
    for (const stack of stacks) {
      const json = JSON.parse(fs.readFileSync(path.join(run.outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      expect(Object.keys(json.resource).length).toBeGreaterThan(0);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(run.outdir, 'manifest.json'), 'utf8'));
    expect(manifest.stacks['dev-airbyte'].dependencies.sort()).toEqual(['dev-aws', 'dev-gcp']);
    // The release is the real bundle and the host tools, copied next to the stack that ships them
    // (dev is not ephemeral: no seed).
    const assets = fs.readdirSync(path.join(run.outdir, 'stacks', 'dev-aws', 'assets'));
    expect(assets.length).toBe(3);
  });

  test('EPHEMERAL_ENV adds pr-<n> stacks without editing files', () => {
    const run = runApp({ EPHEMERAL_ENV: 'pr-123', ENVIRONMENTS: 'pr-123' });
    expect(run.status).toBe(0);
    expect(fs.readdirSync(path.join(run.outdir, 'stacks')).sort()).toEqual(['pr-123-airbyte', 'pr-123-aws', 'pr-123-gcp']);
  });

  test('a bad selection ends with one clear message and no stack trace', () => {
    const run = runApp({ EPHEMERAL_ENV: 'Feature_X' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error: EPHEMERAL_ENV: "Feature_X" is not an ephemeral environment name');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(path.join(run.outdir, 'stacks'))).toBe(false);
  });
});

describe('output streams: progress and warnings on stdout, errors on stderr', () => {
  test('a successful synth writes nothing to stderr', () => {
    const run = runApp({ EPHEMERAL_ENV: 'pr-7' });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('synthesized 10 stacks: dev-aws, dev-gcp, dev-airbyte, prod-aws, prod-gcp, prod-kubernetes, prod-airbyte, pr-7-aws');
  });

  test('a user error is one line on stderr, and stdout stays empty', () => {
    const run = runApp({ ENVIRONMENTS: 'dev,staging' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('error: ENVIRONMENTS: unknown environment(s) staging; expected some of: dev, prod\n');
  });

  // The whole path a user runs: the cdktf CLI, its app command from cdktf.json (build, then the
  // app). The CLI shows every line its app writes to stderr as a red `[ERROR] default - ...`.
  test('`cdktf synth` through the CLI shows no [ERROR] line', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-cli-out-'));
    // The CLI also runs `terraform version`, which warns (through the same [ERROR] channel) when
    // TF_CLI_CONFIG_FILE names a missing file, as on some machines: that is the machine's setup,
    // not the app's output, so the CLI gets an empty, existing configuration file.
    const terraformrc = path.join(outdir, 'terraformrc');
    fs.writeFileSync(terraformrc, '');
    const cli = spawnSync(process.execPath, [path.join(root, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf'), 'synth', '--output', path.join(outdir, 'out')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: terraformrc, ENVIRONMENTS: 'dev' },
      timeout: 180000,
    });
    const output = `${cli.stdout}\n${cli.stderr}`;
    expect({ status: cli.status, errorLines: output.split('\n').filter((line) => line.includes('[ERROR]')) }).toEqual({ status: 0, errorLines: [] });
    // It did run our app (not an empty success).
    expect(output).toContain('synthesized 3 stacks: dev-aws, dev-gcp, dev-airbyte');
    expect(fs.readdirSync(path.join(outdir, 'out', 'stacks')).sort()).toEqual(['dev-airbyte', 'dev-aws', 'dev-gcp']);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
