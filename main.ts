import { App, TerraformStack } from 'cdktf';
import { loadEnvironments } from './config';
import { selectBootstrapTargets } from './config/bootstrap';
import { applyPolicyPack } from './constructs/policy';
import { defineEnvironmentStacks } from './stacks';
import { BootstrapStack } from './stacks/bootstrap-stack';
import { describeUserError } from './stacks/synth-errors';

/**
 * The cdktf app: every selected environment's stacks (three, four with eks-helm), checked by the security policy
 * pack. User mistakes (bad config, bad selection, policy findings) end with one readable
 * message and exit code 1, never a stack trace.
 */
function main(): void {
  try {
    const environments = loadEnvironments(process.env);
    const app = new App({ stackTraces: false });
    for (const env of environments) defineEnvironmentStacks(app, env);
    // Opt-in: the bootstrap stacks are deployed once by hand (BOOTSTRAP=1|all|<target>), so the
    // everyday synth, CI plans and `'<env>-*'` selections never include them.
    for (const target of selectBootstrapTargets(process.env.BOOTSTRAP)) new BootstrapStack(app, target);
    // Security rules run on every synth: an error finding fails it (constructs/policy/RULES.md).
    applyPolicyPack(app);
    app.synth();
    const stackNames = app.node.children.filter(TerraformStack.isStack).map((stack) => stack.node.id);
    process.stderr.write(`synthesized ${stackNames.length} stacks: ${stackNames.join(', ')}\n`);
  } catch (error) {
    const message = describeUserError(error);
    if (message === undefined) throw error;
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  }
}

main();
