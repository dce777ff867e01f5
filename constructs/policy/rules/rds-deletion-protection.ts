import { PolicyRule } from '../types';
import { requireLiteralTrue } from '../helpers/checks';

/**
 * Mirrors checkov CKV_AWS_293. The source database is the system of record the pipeline reads;
 * a mistaken `cdktf destroy` must not be able to drop it. Ephemeral environments suppress this
 * rule on their instance (see RULES.md) instead of weakening it.
 */
export const rdsDeletionProtection: PolicyRule = {
  id: 'CDC-RDS-4',
  checkov: ['CKV_AWS_293'],
  level: 'error',
  title: 'RDS instances have deletion protection',
  appliesTo: ['aws_db_instance'],
  fix: 'set deletionProtection: true; an ephemeral environment suppresses CDC-RDS-4 on its instance with a reason',
  check: requireLiteralTrue('deletion_protection'),
};
