import { PolicyRule, Violation } from '../types';
import { IAM_POLICY_SELECTORS, iamStatementsOf, isAllow } from './iam-statements';

/** `*` or a whole service (`s3:*`): grants every present and future action. */
function isWildcardAction(action: string): boolean {
  return action === '*' || /^[\w-]+:\*$/.test(action);
}

/**
 * Mirrors checkov CKV_AWS_63 (no `*` action), and with it CKV_AWS_62 / CKV_AWS_1 (no
 * full-admin `*` on `*`). Also rejects service-wide `svc:*` and Allow + NotAction, which grant
 * more than anyone reviewing the policy can list. Every grant names its actions.
 */
export const iamNoWildcardAction: PolicyRule = {
  id: 'CDC-IAM-1',
  checkov: ['CKV_AWS_63', 'CKV_AWS_62', 'CKV_AWS_1'],
  level: 'error',
  title: 'IAM policies allow no "*" or service-wide "svc:*" action, and no NotAction',
  appliesTo: [...IAM_POLICY_SELECTORS],
  fix: 'list the actions the principal needs (e.g. "s3:GetObject"), not "*" or "service:*"',
  check(element): Violation[] {
    const { statements, unreadable } = iamStatementsOf(element);
    const violations: Violation[] = unreadable.map((label) => ({
      problem: `${label} is neither a reference nor readable JSON, so its actions cannot be checked`,
      fix: 'build the policy with DataAwsIamPolicyDocument, or JSON.stringify / Fn.jsonencode an object literal',
    }));
    for (const statement of statements.filter(isAllow)) {
      const wildcards = statement.actions.filter(isWildcardAction);
      if (wildcards.length > 0) {
        violations.push({ problem: `${statement.label} allows ${wildcards.map((action) => JSON.stringify(action)).join(', ')}` });
      }
      if (statement.notActions.length > 0) {
        violations.push({ problem: `${statement.label} combines Allow with NotAction, which allows everything not listed` });
      }
    }
    return violations;
  },
};
