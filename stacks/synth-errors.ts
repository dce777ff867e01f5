import { ConfigValidationError, EnvironmentSelectionError } from '../config';
import { ConnectorConfigurationError } from '../constructs/connector-configuration';
import { InvalidPropsError } from '../constructs/errors';
import { PolicyUsageError } from '../constructs/policy';

const ANNOTATION_ERRORS = 'Encountered Annotations with level "ERROR":';

/**
 * The message to show for an error that is the user's to fix (bad config, bad selection, bad
 * construct props, security policy findings), or undefined for a bug, which keeps its stack.
 */
export function describeUserError(error: unknown): string | undefined {
  if (
    error instanceof ConfigValidationError ||
    error instanceof EnvironmentSelectionError ||
    error instanceof ConnectorConfigurationError ||
    error instanceof InvalidPropsError ||
    error instanceof PolicyUsageError
  ) {
    return error.message;
  }
  if (error instanceof Error && error.message.startsWith(ANNOTATION_ERRORS)) {
    // cdktf's own text suggests an environment variable that skips the checks; security
    // findings are fixed or suppressed with a reason, so that hint is dropped.
    const findings = error.message
      .slice(ANNOTATION_ERRORS.length)
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS'));
    return `synth refused: ${findings.length} security policy finding(s) at error level (see constructs/policy/RULES.md; suppress only with suppressRule(resource, ruleId, reason)):\n${findings.join('\n')}`;
  }
  return undefined;
}
