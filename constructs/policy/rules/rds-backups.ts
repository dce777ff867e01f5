import { PolicyRule, Violation } from '../types';
import { asNumber, describeValue } from '../helpers/attributes';

/**
 * Mirrors checkov CKV_AWS_133. Automated backups give point-in-time recovery; 0 disables them.
 * The value must be explicit because the provider's default depends on how the instance is made.
 */
export const rdsBackups: PolicyRule = {
  id: 'CDC-RDS-5',
  checkov: ['CKV_AWS_133'],
  level: 'error',
  title: 'RDS instances keep automated backups (backup_retention_period >= 1, set explicitly)',
  appliesTo: ['aws_db_instance'],
  fix: 'set backupRetentionPeriod to 1-35 days (7 or more outside ephemeral environments); an ephemeral environment may suppress CDC-RDS-5 with a reason',
  check(element): Violation[] {
    const days = asNumber(element.config.backup_retention_period);
    if (days !== undefined && days >= 1) return [];
    return [{ problem: `backup_retention_period is ${describeValue(element.config.backup_retention_period)}, must be at least 1` }];
  },
};
