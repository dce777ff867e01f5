import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { loadEnvironments, validateEnvironment } from '../../config';
import { dev } from '../../config/environments/dev';
import { applyPolicyPack } from '../../constructs/policy';
import { defineEnvironmentStacks } from '../../stacks';
import { describeUserError } from '../../stacks/synth-errors';
import { fakeBundlePath } from '../support/synth';

function synthAll(variables: Record<string, string>, tamper?: (stacks: ReturnType<typeof defineEnvironmentStacks>) => void): unknown {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-synth-'));
  const app = new App({ outdir });
  for (const env of loadEnvironments(variables)) {
    const stacks = defineEnvironmentStacks(app, env, { orchestratorBundlePath: fakeBundlePath() });
    tamper?.(stacks);
  }
  applyPolicyPack(app, { print: false });
  try {
    app.synth();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('synth under the policy pack', () => {
  test('dev, prod and an ephemeral environment synthesize with zero error findings', () => {
    expect(synthAll({ EPHEMERAL_ENV: 'pr-123' })).toBeUndefined();
  });

  test('an error finding fails the synth and is reported without cdktf\'s bypass hint', () => {
    const error = synthAll({ ENVIRONMENTS: 'dev' }, (stacks) => {
      stacks.aws.database.instance!.addOverride('publicly_accessible', true);
    });
    expect(error).toBeInstanceOf(Error);
    const message = describeUserError(error)!;
    expect(message).toContain('synth refused: 1 security policy finding(s) at error level');
    expect(message).toContain('[CDC-RDS-2/CKV_AWS_17] dev-aws/source-db/instance');
    expect(message).not.toContain('CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS');
  });

  test('config errors are user errors; a bug keeps its stack trace', () => {
    let configError: unknown;
    try {
      validateEnvironment({ ...dev, aws: { region: 'nowhere' } });
    } catch (error) {
      configError = error;
    }
    expect(describeUserError(configError)).toContain('aws.region');
    expect(describeUserError(new TypeError('x is undefined'))).toBeUndefined();
  });
});
