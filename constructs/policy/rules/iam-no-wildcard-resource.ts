import { PolicyRule, Violation } from '../types';
import { IAM_POLICY_SELECTORS, iamStatementsOf, isAllow } from '../helpers/iam-statements';
import { isResourceWildcardAllowed } from '../helpers/iam-resource-wildcard-allowlist';

/**
 * Mirrors checkov CKV_AWS_355. A grant on Resource "*" reaches every secret, parameter and
 * bucket in the account, not only this environment's. Exception: actions AWS authorizes only on
 * "*" (the explicit list in iam-resource-wildcard-allowlist.ts, documented in RULES.md).
 */
export const iamNoWildcardResource: PolicyRule = {
  id: 'CDC-IAM-2',
  checkov: ['CKV_AWS_355'],
  level: 'error',
  title: 'IAM policies allow nothing on Resource "*" or NotResource, except actions with no resource-level permission',
  appliesTo: [...IAM_POLICY_SELECTORS],
  fix: 'name the ARNs of this environment\'s resources (e.g. secret.arn); keep "*" only for actions on the documented allow-list, in their own statement',
  check(element): Violation[] {
    const violations: Violation[] = [];
    for (const statement of iamStatementsOf(element).statements.filter(isAllow)) {
      if (statement.resources.includes('*')) {
        const actions = [...statement.actions, ...statement.notActions.map((action) => `NotAction ${action}`)];
        const notAllowed = actions.filter((action) => !isResourceWildcardAllowed(action));
        if (notAllowed.length > 0 || actions.length === 0) {
          violations.push({ problem: `${statement.label} allows ${notAllowed.join(', ') || 'its actions'} on Resource "*"` });
        }
      }
      if (statement.notResources.length > 0) {
        violations.push({ problem: `${statement.label} combines Allow with NotResource, which covers every resource not listed` });
      }
    }
    return violations;
  },
};
