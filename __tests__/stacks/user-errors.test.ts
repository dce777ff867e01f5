import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { EnvironmentSelectionError, loadEnvironments, validateEnvironment, ConfigValidationError } from '../../config';
import { BootstrapConfigError, BOOTSTRAP_TARGETS, selectBootstrapTargets, validateBootstrapConfig } from '../../config/bootstrap';
import { dev } from '../../config/environments/dev';
import { renderUserData, HostUserDataError } from '../../constructs/airbyte-host/user-data';
import { ConnectorConfigurationError, postgresSourceConfiguration } from '../../constructs/connector-configuration';
import { InvalidPropsError } from '../../constructs/errors';
import { CdcNetwork } from '../../constructs/network';
import { PolicyFindingsError, PolicyUsageError, suppressRule } from '../../constructs/policy';
import { UserError } from '../../constructs/user-error';
import { defineEnvironmentStacks } from '../../stacks';
import { runApp } from '../../stacks/run-app';
import { testProps } from '../host/fixtures';
import { fakeBundlePath } from '../support/synth';

/**
 * Every kind of mistake a user can make ends the app (stacks/run-app.ts, which main.ts runs) the
 * same way: exit code 1, nothing on stdout, ONE `error:` message on stderr naming what is wrong,
 * and no stack trace.
 */
function run(prepare: () => (app: App) => void) {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'user-errors-')), 'out');
  const stdout: string[] = [];
  const stderr: string[] = [];
  try {
    const code = runApp(prepare, {
      appConfig: { outdir },
      output: { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) },
    });
    const wroteOutput = fs.existsSync(path.join(outdir, 'stacks'));
    return { code, stdout: stdout.join(''), stderr: stderr.join(''), writes: stderr.length, wroteOutput };
  } finally {
    fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
  }
}

function expectOneMessage(result: ReturnType<typeof run>, expected: string | RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.writes).toBe(1);
  expect(result.stderr.startsWith('error: ')).toBe(true);
  expect(result.stderr.match(/^error: /gm)).toHaveLength(1);
  expect(result.stderr).toMatch(expected);
  // A stack frame line ("    at fn (file:line:col)") or an error class prefix would mean a trace.
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toMatch(/\w+Error: /);
}

const devOnly = () => loadEnvironments({ ENVIRONMENTS: 'dev' });

describe('one message, no stack trace, for every user error', () => {
  test('configuration: an invalid environment setting', () => {
    const result = run(() => {
      const env = validateEnvironment({ ...dev, aws: { ...dev.aws, region: 'nowhere-1' } });
      return (app) => void defineEnvironmentStacks(app, env, { orchestratorBundlePath: fakeBundlePath() });
    });
    expectOneMessage(result, /environment "dev" has 1 invalid setting:\n {2}- aws\.region/);
    // Input is checked before the App exists, so a refused input leaves no output directory behind.
    expect(result.wroteOutput).toBe(false);
  });

  test('selection: an unknown environment in ENVIRONMENTS, a bad EPHEMERAL_ENV', () => {
    expectOneMessage(run(() => { loadEnvironments({ ENVIRONMENTS: 'dev,staging' }); return () => undefined; }), /ENVIRONMENTS: unknown environment\(s\) staging/);
    expectOneMessage(run(() => { loadEnvironments({ EPHEMERAL_ENV: 'Feature_X' }); return () => undefined; }), /EPHEMERAL_ENV: "Feature_X" is not an ephemeral environment name/);
  });

  test('bootstrap configuration: an invalid target setting, an unknown BOOTSTRAP target', () => {
    const target = BOOTSTRAP_TARGETS[0];
    const bad = run(() => { validateBootstrapConfig({ ...target, aws: { ...target.aws, accountId: '12' } }); return () => undefined; });
    expectOneMessage(bad, new RegExp(`^error: bootstrap target "${target.name}" \\(config/bootstrap\\.ts\\) has 1 invalid setting:\n {2}- aws\\.accountId`));
    expectOneMessage(run(() => { selectBootstrapTargets('staging'); return () => undefined; }), /BOOTSTRAP: unknown target\(s\) staging/);
  });

  test('construct props: a value the construct refuses at construction', () => {
    const result = run(() => (app) => {
      new CdcNetwork(new TerraformStack(app, 'net'), 'network', { vpcCidr: '10.0.0.0/16', availabilityZoneCount: 5, namePrefix: 'cdc-dev' });
    });
    expectOneMessage(result, 'CdcNetwork net/network: availabilityZoneCount must be 2 or 3, got 5');
  });

  test('connector configuration: a field the Airbyte connector would reject', () => {
    const result = run(() => () => {
      postgresSourceConfiguration({
        host: 'db.example.com', database: 'app', username: 'airbyte', password: 'secret-value',
        replication: { method: 'CDC', replicationSlot: 'rds_slot', publication: 'airbyte_pub' },
      });
    });
    expectOneMessage(result, /^error: Postgres source configuration: replication_method\.replication_slot: "rds_slot" starts with "rds"/);
  });

  test('policy: an error-level finding refuses the synth and lists the finding', () => {
    const result = run(() => (app) => {
      for (const env of devOnly()) {
        const stacks = defineEnvironmentStacks(app, env, { orchestratorBundlePath: fakeBundlePath() });
        stacks.aws.database.instance!.addOverride('publicly_accessible', true);
      }
    });
    expectOneMessage(result, /^error: synth refused: 1 security policy finding\(s\) at error level/);
    expect(result.stderr).toContain('[CDC-RDS-2/CKV_AWS_17] dev-aws/source-db/instance');
    expect(result.stderr).not.toContain('CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS');
  });

  test('policy: a suppression without a real reason', () => {
    const result = run(() => (app) => {
      for (const env of devOnly()) {
        const stacks = defineEnvironmentStacks(app, env, { orchestratorBundlePath: fakeBundlePath() });
        suppressRule(stacks.aws.database.instance!, 'CDC-RDS-2', 'n/a');
      }
    });
    expectOneMessage(result, /suppressRule\(CDC-RDS-2\)/);
  });

  test('host user-data: a value the renderer cannot place in the boot script', () => {
    const result = run(() => () => void renderUserData(testProps({ releaseParameter: 'not a parameter' })));
    expectOneMessage(result, /HostUserDataProps\.releaseParameter .*an SSM parameter name such as \/dev\/cdc\/host-release/);
  });

  test('every kind above is a UserError, so the app needs no list of classes', () => {
    for (const kind of [ConfigValidationError, BootstrapConfigError, EnvironmentSelectionError, InvalidPropsError, ConnectorConfigurationError, PolicyFindingsError, PolicyUsageError, HostUserDataError]) {
      expect(kind.prototype).toBeInstanceOf(UserError);
    }
    expect(new InvalidPropsError('x').name).toBe('InvalidPropsError');
  });

  test('constructs/ throws no plain Error for what a user can cause', () => {
    const userErrors = new Set(['InvalidPropsError', 'ConnectorConfigurationError', 'HostUserDataError', 'PolicyUsageError', 'PolicyFindingsError', 'UserError']);
    // Left as Error on purpose: terraform-expressions.ts is the policy rules' HCL-expression parser,
    // whose errors its caller catches (an unparsable expression is a finding, never the user's message);
    // orchestrator-deployment.ts throws only inside VERIFY_SCRIPT, which the init container runs, not the app.
    const invariants = new Set(['terraform-expressions.ts', 'orchestrator-deployment.ts']);
    const offenders: string[] = [];
    const root = path.join(__dirname, '..', '..', 'constructs');
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : /\.ts$/.test(e.name) ? [path.join(dir, e.name)] : []));
    for (const file of walk(root)) {
      for (const match of fs.readFileSync(file, 'utf8').matchAll(/throw new (\w+)\(/g)) {
        if (!userErrors.has(match[1]) && !invariants.has(path.basename(file))) offenders.push(`${path.relative(root, file)}: ${match[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('a bug is not a user error: it is rethrown with its stack trace', () => {
    expect(() =>
      run(() => () => {
        throw new TypeError('cannot read properties of undefined');
      }),
    ).toThrow(TypeError);
  });
});

describe('a successful synth', () => {
  test('writes progress to stdout and nothing to stderr', () => {
    const result = run(() => (app) => {
      for (const env of devOnly()) defineEnvironmentStacks(app, env, { orchestratorBundlePath: fakeBundlePath() });
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('synthesized 3 stacks: dev-aws, dev-gcp, dev-airbyte\n');
  });
});
