import { PolicyRule, Violation } from '../types';
import { nonEmptyString } from '../helpers/attributes';
import { permissionsOf, SECURITY_GROUP_RESOURCE_TYPES } from '../helpers/security-group-rules';

/**
 * Mirrors checkov CKV_AWS_23. A rule without a description cannot be reviewed ("why is 5432 open
 * to this group?") and tends to outlive its purpose.
 */
export const sgRulesDescribed: PolicyRule = {
  id: 'CDC-SG-2',
  checkov: ['CKV_AWS_23'],
  level: 'error',
  title: 'Every security group and every security group rule has a description',
  appliesTo: [...SECURITY_GROUP_RESOURCE_TYPES],
  fix: 'set description to say what the group or rule allows and why',
  check(element): Violation[] {
    const violations: Violation[] = [];
    if (element.type === 'aws_security_group' && !nonEmptyString(element.config.description)) {
      violations.push({ problem: 'the security group has no description (Terraform would write "Managed by Terraform")' });
    }
    for (const permission of permissionsOf(element)) {
      if (!nonEmptyString(permission.description)) {
        violations.push({ problem: `${permission.direction} ${permission.label} has no description` });
      }
    }
    return violations;
  },
};
