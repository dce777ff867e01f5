import { PolicyRule, ResourceView, StackView, Violation } from '../types';
import { blocks, describeValue, isExpression, refersTo } from '../helpers/attributes';

const PARAMETER_GROUP_TYPE = 'aws_db_parameter_group';

function isPostgres(engineOrFamily: unknown): boolean {
  return typeof engineOrFamily === 'string' && engineOrFamily.toLowerCase().includes('postgres');
}

/**
 * Every rds.force_ssl entry must be 1: cdktf's addOverride appends to lists, so a group can end
 * up with two conflicting entries, and one of them being 1 proves nothing.
 */
function forcesSsl(group: ResourceView): boolean {
  const entries = blocks(group.config.parameter).filter((parameter) => parameter.name === 'rds.force_ssl');
  return entries.length > 0 && entries.every((parameter) => String(parameter.value) === '1');
}

function attachedGroup(instance: ResourceView, stack: StackView): ResourceView | undefined {
  const name = instance.config.parameter_group_name;
  return stack
    .resourcesOfType(PARAMETER_GROUP_TYPE)
    .find((group) => refersTo(name, PARAMETER_GROUP_TYPE, group.logicalId) || (typeof name === 'string' && name === group.config.name));
}

/**
 * Mirrors checkov CKV2_AWS_69. PostgreSQL before 15 accepts clear-text connections unless the
 * parameter group sets rds.force_ssl = 1, and the replication stream carries every row. Checked
 * on both sides: a PostgreSQL parameter group must set it, and a PostgreSQL instance must use a
 * parameter group from this stack (a default or external group cannot be verified here).
 */
export const rdsForceSsl: PolicyRule = {
  id: 'CDC-RDS-3',
  checkov: ['CKV2_AWS_69'],
  level: 'error',
  title: 'PostgreSQL RDS forces SSL through its parameter group (rds.force_ssl = 1)',
  appliesTo: ['aws_db_instance', PARAMETER_GROUP_TYPE],
  fix: 'add { name: "rds.force_ssl", value: "1" } to the aws_db_parameter_group and attach that group (parameterGroupName: group.name)',
  check(element, stack): Violation[] {
    if (element.type === PARAMETER_GROUP_TYPE) {
      if (!isPostgres(element.config.family) || forcesSsl(element)) return [];
      return [{ problem: 'the PostgreSQL parameter group does not set rds.force_ssl = 1' }];
    }
    if (element.config.engine !== undefined && !isPostgres(element.config.engine)) return [];
    const name = element.config.parameter_group_name;
    if (name === undefined) {
      return [{ problem: 'no parameter_group_name: the default group cannot be shown to force SSL' }];
    }
    const group = attachedGroup(element, stack);
    if (!group) {
      const what = isExpression(name) ? `refers to ${name}` : `is ${describeValue(name)}`;
      return [{ problem: `parameter_group_name ${what}, not an aws_db_parameter_group of this stack, so rds.force_ssl cannot be verified` }];
    }
    if (!forcesSsl(group)) {
      return [{ problem: `the attached parameter group ${group.address} does not set rds.force_ssl = 1` }];
    }
    return [];
  },
};
