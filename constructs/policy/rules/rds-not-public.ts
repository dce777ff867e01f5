import { PolicyRule, Violation } from '../types';
import { describeValue } from '../helpers/attributes';

/**
 * Mirrors checkov CKV_AWS_17. The source database is reached only from the Airbyte host's
 * security group; a public endpoint would put it one password away from the internet.
 */
export const rdsNotPublic: PolicyRule = {
  id: 'CDC-RDS-2',
  checkov: ['CKV_AWS_17'],
  level: 'error',
  title: 'RDS instances are not publicly accessible',
  appliesTo: ['aws_db_instance'],
  fix: 'remove publiclyAccessible or set it to false; reach the database through the host (SSM port forward)',
  check(element): Violation[] {
    const value = element.config.publicly_accessible;
    // Absent means false (the provider default); anything else must be a literal false.
    if (value === undefined || value === false || value === 'false') return [];
    return [{ problem: `publicly_accessible is ${describeValue(value)}, must be false` }];
  },
};
