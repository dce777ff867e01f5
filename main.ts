import { loadEnvironments } from './config';
import { selectBootstrapTargets } from './config/bootstrap';
import { defineEnvironmentStacks } from './stacks';
import { BootstrapStack } from './stacks/bootstrap-stack';
import { runApp } from './stacks/run-app';

/**
 * The cdktf app: every selected environment's stacks (three, four with eks-helm), checked by the
 * security policy pack. Progress goes to stdout; a user mistake (bad config, bad selection, bad
 * props, policy findings) ends with one message on stderr and exit code 1, never a stack trace
 * (stacks/run-app.ts).
 */
process.exitCode = runApp(() => {
  const environments = loadEnvironments(process.env);
  // Opt-in: the bootstrap stacks are deployed once by hand (BOOTSTRAP=1|all|<target>), so the
  // everyday synth, CI plans and `'<env>-*'` selections never include them.
  const bootstrapTargets = selectBootstrapTargets(process.env.BOOTSTRAP);
  return (app) => {
    for (const env of environments) defineEnvironmentStacks(app, env);
    for (const target of bootstrapTargets) new BootstrapStack(app, target);
  };
});
