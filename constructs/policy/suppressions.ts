import { IConstruct } from 'constructs';
import { TerraformElement } from 'cdktf';
import { UserError } from '../user-error';
import { ALL_RULES } from './all-rules';

/** Shortest reason accepted: long enough that "n/a" or "test" do not pass review. */
export const MIN_SUPPRESSION_REASON_LENGTH = 10;

const SUPPRESSIONS = Symbol.for('cdc-bigquery-stack/policy-suppressions');

type Suppressible = IConstruct & { [SUPPRESSIONS]?: Map<string, string> };

/** Thrown for a misuse of the policy pack API (never for a policy finding). */
export class PolicyUsageError extends UserError {}

/**
 * Exempts one Terraform element (resource, data source or provider) from one rule. The reason is
 * printed with the synth output so reviewers see every exemption; it must say why the rule does
 * not apply here (e.g. "ephemeral PR environment: destroyed with the pull request").
 */
export function suppressRule(element: IConstruct, ruleId: string, reason: string): void {
  const path = element.node.path;
  const rule = ALL_RULES.find((candidate) => candidate.id === ruleId);
  if (!rule) {
    const known = ALL_RULES.map((candidate) => candidate.id).join(', ');
    throw new PolicyUsageError(
      `suppressRule: unknown policy rule "${ruleId}" on ${path}. Known rules: ${known}.`,
    );
  }
  if (!TerraformElement.isTerraformElement(element)) {
    throw new PolicyUsageError(
      `suppressRule(${ruleId}): ${path} is not a Terraform resource, data source or provider. ` +
        'Suppress the rule on the resource itself so the exemption stays per resource.',
    );
  }
  const trimmed = typeof reason === 'string' ? reason.trim() : '';
  if (trimmed.length < MIN_SUPPRESSION_REASON_LENGTH) {
    throw new PolicyUsageError(
      `suppressRule(${ruleId}) on ${path}: a reason of at least ${MIN_SUPPRESSION_REASON_LENGTH} ` +
        `characters is required (got ${JSON.stringify(reason)}). Say why the rule does not apply here.`,
    );
  }
  const target = element as Suppressible;
  if (!target[SUPPRESSIONS]) {
    Object.defineProperty(target, SUPPRESSIONS, { value: new Map<string, string>(), enumerable: false });
  }
  target[SUPPRESSIONS]!.set(ruleId, trimmed);
}

/** Rule id → reason for every suppression placed on this element. */
export function suppressionsOf(element: IConstruct): ReadonlyMap<string, string> {
  return (element as Suppressible)[SUPPRESSIONS] ?? new Map();
}
