import { UserError } from '../user-error';

/**
 * How cdktf's synthesizer refuses a stack with error annotations (node_modules/cdktf/lib/errors.js,
 * encounteredAnnotationWithLevelError): this heading, one `[path] message` line per annotation,
 * then a hint naming an environment variable that skips the check.
 */
const ANNOTATION_ERRORS = 'Encountered Annotations with level "ERROR":';
const BYPASS_VARIABLE = 'CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS';

/** Synth refused because of error-level findings; each finding is one line of the message. */
export class PolicyFindingsError extends UserError {
  constructor(readonly findings: readonly string[]) {
    super(
      `synth refused: ${findings.length} security policy finding(s) at error level ` +
        '(see constructs/policy/RULES.md; suppress only with suppressRule(resource, ruleId, reason)):\n' +
        findings.join('\n'),
    );
  }

  /**
   * The user error behind cdktf's annotation failure, or undefined for any other error. cdktf's
   * bypass hint is dropped: security findings are fixed or suppressed with a reason, not skipped.
   */
  static fromSynthError(error: unknown): PolicyFindingsError | undefined {
    if (!(error instanceof Error) || !error.message.startsWith(ANNOTATION_ERRORS)) return undefined;
    const findings = error.message
      .slice(ANNOTATION_ERRORS.length)
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes(BYPASS_VARIABLE));
    return new PolicyFindingsError(findings);
  }
}
