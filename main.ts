import { App } from 'cdktf';
import { ConfigValidationError, EnvironmentSelectionError, loadEnvironments } from './config';
import { ConnectorConfigurationError } from './constructs/connector-configuration';
import { InvalidPropsError } from './constructs/errors';
import { defineEnvironmentStacks } from './stacks';

/**
 * The cdktf app: every selected environment's three stacks. User mistakes (bad config, bad
 * selection) end with one readable message and exit code 1, never a stack trace.
 */
function main(): void {
  try {
    const environments = loadEnvironments(process.env);
    const app = new App();
    for (const env of environments) defineEnvironmentStacks(app, env);
    app.synth();
    process.stderr.write(`synthesized ${environments.length * 3} stacks: ${environments.map((e) => `${e.name}-{aws,gcp,airbyte}`).join(', ')}\n`);
  } catch (error) {
    if (isUserError(error)) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function isUserError(error: unknown): error is Error {
  return (
    error instanceof ConfigValidationError ||
    error instanceof EnvironmentSelectionError ||
    error instanceof ConnectorConfigurationError ||
    error instanceof InvalidPropsError
  );
}

main();
