import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformResource, TerraformStack } from 'cdktf';
import { CHECKED_IN_ENVIRONMENTS, EnvironmentConfig, ephemeralEnvironment, validateEnvironment } from '../../config';
import { defineEnvironmentStacks } from '../../stacks';
import { applyPolicyPack, PolicyFinding } from '../../constructs/policy';
import { fakeBundlePath } from '../support/synth';

interface PolicyOutcome {
  readonly findings: PolicyFinding[];
  readonly synthError?: string;
  /** Each written stack's cdk.tf.json. */
  readonly written: Record<string, string>;
}

/**
 * Synthesizes one environment the way main.ts does (its three stacks, then the pack on the App)
 * and returns what the pack found. The CLI's continue flag lets every stack be checked so a
 * failure lists all errors at once; a second run without it proves the real synth passes.
 */
function synthesizeWithPolicy(
  config: EnvironmentConfig,
  continueOnErrors: boolean,
  tamper: (app: App) => void = () => undefined,
  shareStackResolution = false,
): PolicyOutcome {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-env-'));
  const saved = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  if (continueOnErrors) process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = 'true';
  else delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  try {
    const app = new App({ outdir, stackTraces: false });
    defineEnvironmentStacks(app, validateEnvironment(config), { orchestratorBundlePath: fakeBundlePath() });
    tamper(app);
    const pack = applyPolicyPack(app, { print: false, shareStackResolution });
    const written = (): Record<string, string> => {
      const stacks = path.join(outdir, 'stacks');
      if (!fs.existsSync(stacks)) return {};
      const files = fs.readdirSync(stacks).sort().map((stack) => [stack, path.join(stacks, stack, 'cdk.tf.json')]);
      return Object.fromEntries(files.filter(([, file]) => fs.existsSync(file)).map(([stack, file]) => [stack, fs.readFileSync(file, 'utf8')]));
    };
    try {
      app.synth();
      return { findings: pack.findings, written: written() };
    } catch (error) {
      return { findings: pack.findings, synthError: (error as Error).message, written: written() };
    } finally {
      pack.release();
    }
  } finally {
    if (saved === undefined) delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    else process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = saved;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const environments: Array<[string, EnvironmentConfig]> = [
  ...CHECKED_IN_ENVIRONMENTS.map((config) => [config.name, config] as [string, EnvironmentConfig]),
  ['pr-123 (ephemeral)', ephemeralEnvironment('pr-123')],
  ['pr-124 (ephemeral, eks-helm)', ephemeralEnvironment('pr-124', undefined, 'eks-helm')],
];

describe.each(environments)('environment %s under the policy pack', (_name, config) => {
  it('has no unsuppressed error finding', () => {
    const { findings } = synthesizeWithPolicy(config, true);
    const errors = findings.filter((finding) => finding.level === 'error' && finding.suppressedReason === undefined);
    expect(errors.map((finding) => finding.message)).toEqual([]);
  });

  it('passes a plain app.synth(), which fails on error annotations', () => {
    expect(synthesizeWithPolicy(config, false).synthError).toBeUndefined();
  });
});

// How runApp applies the pack: the configuration each stack's check reads is the one cdktf then
// writes (constructs/policy/engine.ts shareStackResolution). It must find and write exactly what
// the check of every element on its own finds and writes.
describe.each(environments)('environment %s with shareStackResolution', (_name, config) => {
  it('finds the same and writes the same as the per-element check', () => {
    const shared = synthesizeWithPolicy(config, true, undefined, true);
    const alone = synthesizeWithPolicy(config, true);
    expect(shared.findings).toEqual(alone.findings);
    expect(Object.keys(shared.written).length).toBeGreaterThanOrEqual(3);
    expect(shared.written).toEqual(alone.written);
  });
});

describe('the pack on the real stacks', () => {
  it('catches overrides with shareStackResolution too', () => {
    const tampered: string[] = [];
    let synthesized: App | undefined;
    const { findings, synthError } = synthesizeWithPolicy(CHECKED_IN_ENVIRONMENTS[0], false, (app) => {
      synthesized = app;
      for (const node of app.node.findAll()) {
        if (TerraformResource.isTerraformResource(node) && node.terraformResourceType === 'aws_db_instance') {
          node.addOverride('publicly_accessible', true);
          tampered.push(`CDC-RDS-2 ${node.node.path}`);
        }
      }
    }, true);
    expect(tampered.length).toBeGreaterThan(0);
    expect(findings.filter((finding) => finding.level === 'error').map((finding) => `${finding.ruleId} ${finding.path}`).sort()).toEqual(tampered.sort());
    expect(synthError).toMatch(/CDC-RDS-2/);
    // The synth stopped before writing: release() took the hand-over back, so a later toTerraform()
    // resolves the stack as it is then, not as the check saw it.
    const stacks = synthesized!.node.children.filter(TerraformStack.isStack);
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) expect(Object.prototype.hasOwnProperty.call(stack, 'toTerraform')).toBe(false);
  });

  it('catches a regression in the eks-helm stacks of prod', () => {
    const resourcesOfType = (app: App, type: string): TerraformResource[] =>
      app.node.findAll().filter((node): node is TerraformResource => TerraformResource.isTerraformResource(node) && node.terraformResourceType === type);
    const tampered: string[] = [];
    const prod = CHECKED_IN_ENVIRONMENTS.find((config) => config.name === 'prod')!;
    const { findings } = synthesizeWithPolicy(prod, true, (app) => {
      for (const cluster of resourcesOfType(app, 'aws_eks_cluster')) {
        cluster.addOverride('vpc_config.endpoint_public_access', true);
        cluster.addOverride('encryption_config.provider.key_arn', '');
        tampered.push(`CDC-EKS-1 ${cluster.node.path}`, `CDC-EKS-2 ${cluster.node.path}`);
      }
      for (const template of resourcesOfType(app, 'aws_launch_template')) {
        template.addOverride('metadata_options.http_put_response_hop_limit', 2);
        tampered.push(`CDC-EC2-2 ${template.node.path}`);
      }
    });
    expect(tampered.length).toBe(4);
    const errors = findings.filter((finding) => finding.level === 'error').map((finding) => `${finding.ruleId} ${finding.path}`);
    // A weakened template is seen on the template (CDC-EC2-2); the node groups read their templates
    // as they are when visited, so CDC-EKS-4 may or may not see an override made afterwards.
    expect([...new Set(errors.filter((e) => !e.startsWith('CDC-EKS-4')))].sort()).toEqual(tampered.sort());
  });

  it('catches a regression in them (so the zero-findings result above is not vacuous)', () => {
    const resourcesOfType = (app: App, type: string): TerraformResource[] =>
      app.node.findAll().filter((node): node is TerraformResource => TerraformResource.isTerraformResource(node) && node.terraformResourceType === type);
    const tampered: string[] = [];
    const { findings } = synthesizeWithPolicy(CHECKED_IN_ENVIRONMENTS[0], true, (app) => {
      for (const instance of resourcesOfType(app, 'aws_instance')) {
        instance.addOverride('metadata_options.http_tokens', 'optional');
        tampered.push(`CDC-EC2-1 ${instance.node.path}`);
      }
      for (const database of resourcesOfType(app, 'aws_db_instance')) {
        database.addOverride('publicly_accessible', true);
        tampered.push(`CDC-RDS-2 ${database.node.path}`);
      }
    });
    expect(tampered.length).toBeGreaterThan(0);
    const errors = findings.filter((finding) => finding.level === 'error').map((finding) => `${finding.ruleId} ${finding.path}`);
    expect(errors.sort()).toEqual(tampered.sort());
  });
});
