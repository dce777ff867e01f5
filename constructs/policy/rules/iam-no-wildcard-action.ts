import { PolicyRule, ResourceView, Violation } from '../types';
import { stringList } from '../helpers/attributes';
import { IAM_POLICY_SELECTORS, iamStatementsOf, isAllow } from '../helpers/iam-statements';

const POLICY_ATTACHMENT_TYPES = [
  'aws_iam_role_policy_attachment',
  'aws_iam_user_policy_attachment',
  'aws_iam_group_policy_attachment',
  'aws_iam_policy_attachment',
];

/**
 * AWS managed policies that are wildcards under another name: AdministratorAccess (`*` on `*`),
 * PowerUserAccess, and the `<Service>FullAccess` family (`service:*`).
 */
function isWildcardManagedPolicy(arn: string): boolean {
  return /^arn:[\w-]+:iam::aws:policy\/(?:.*\/)?(?:AdministratorAccess|PowerUserAccess|[\w-]*FullAccess)$/.test(arn);
}

function attachedManagedPolicies(element: ResourceView): string[] {
  if (POLICY_ATTACHMENT_TYPES.includes(element.type)) return stringList(element.config.policy_arn);
  if (element.type === 'aws_iam_role') return stringList(element.config.managed_policy_arns);
  return [];
}

/** `*` or a whole service (`s3:*`): grants every present and future action. */
function isWildcardAction(action: string): boolean {
  return action === '*' || /^[\w-]+:\*$/.test(action);
}

/**
 * Mirrors checkov CKV_AWS_63 (no `*` action), and with it CKV_AWS_62 / CKV_AWS_1 (no
 * full-admin `*` on `*`). Also rejects service-wide `svc:*` and Allow + NotAction, which grant
 * more than anyone reviewing the policy can list, and attaching AWS managed policies that are
 * the same wildcards (AdministratorAccess, PowerUserAccess, *FullAccess). Every grant names its
 * actions.
 */
export const iamNoWildcardAction: PolicyRule = {
  id: 'CDC-IAM-1',
  checkov: ['CKV_AWS_63', 'CKV_AWS_62', 'CKV_AWS_1'],
  level: 'error',
  title: 'IAM policies allow no "*" or service-wide "svc:*" action, no NotAction, and no wildcard AWS managed policy is attached',
  appliesTo: [...IAM_POLICY_SELECTORS, ...POLICY_ATTACHMENT_TYPES],
  fix: 'list the actions the principal needs (e.g. "s3:GetObject"), not "*" or "service:*"',
  check(element): Violation[] {
    const { statements, unreadable } = iamStatementsOf(element);
    const violations: Violation[] = attachedManagedPolicies(element)
      .filter(isWildcardManagedPolicy)
      .map((arn) => ({ problem: `attaches the AWS managed policy ${arn}, which grants whole services`, fix: 'attach a policy that lists the needed actions; scoped AWS managed policies such as AmazonSSMManagedInstanceCore are fine' }));
    violations.push(...unreadable.map((label) => ({
      problem: `${label} is neither a reference nor readable JSON, so its actions cannot be checked`,
      fix: 'build the policy with DataAwsIamPolicyDocument, or JSON.stringify / Fn.jsonencode an object literal',
    })));
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
