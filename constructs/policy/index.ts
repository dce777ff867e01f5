/**
 * The security policy pack: rules checked as cdktf Aspects on every synth (see RULES.md).
 *
 *   const app = new App();
 *   defineEnvironment(app, config);          // stacks first: cdktf ignores aspects on the App
 *   applyPolicyPack(app);
 *   app.synth();                             // throws on any unsuppressed error finding
 */
export { applyPolicyPack, collectPolicyFindings, evaluateElement, formatFinding, PolicyAspect, viewOf } from './engine';
export type { ElementEvaluation, PolicyPackOptions } from './engine';
export { PolicyFindingsError } from './findings-error';
export { MIN_SUPPRESSION_REASON_LENGTH, PolicyUsageError, suppressRule, suppressionsOf } from './suppressions';
export { ALL_RULES, RESOURCE_WILDCARD_ALLOWED_ACTIONS } from './all-rules';
export type { ElementKind, PolicyFinding, PolicyLevel, PolicyRule, ResourceView, StackView, Violation } from './types';
