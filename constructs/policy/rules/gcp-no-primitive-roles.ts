import { PolicyRule, Violation } from '../types';
import { blocks, isPlainObject } from '../helpers/attributes';

const PRIMITIVE_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'];

function rolesInPolicyData(policyData: unknown): string[] {
  if (typeof policyData !== 'string' || policyData.trim().startsWith('${')) return [];
  try {
    const policy: unknown = JSON.parse(policyData);
    return isPlainObject(policy) ? blocks(policy.bindings).map((binding) => String(binding.role)) : [];
  } catch {
    return [];
  }
}

/**
 * No checkov id in our reference list (project rule, in the spirit of CIS GCP 1.5/1.6). The
 * pipeline's service account needs dataset-level bigquery.dataEditor and project-level
 * bigquery.jobUser; a primitive role would give its key (held by Airbyte) the whole project.
 */
export const gcpNoPrimitiveRoles: PolicyRule = {
  id: 'CDC-GCP-1',
  checkov: [],
  level: 'error',
  title: 'No principal is granted a primitive role (roles/owner, roles/editor, roles/viewer) on a project, folder or organization',
  appliesTo: [
    'google_project_iam_member',
    'google_project_iam_binding',
    'google_project_iam_policy',
    'google_folder_iam_member',
    'google_folder_iam_binding',
    'google_organization_iam_member',
    'google_organization_iam_binding',
    'data.google_iam_policy',
  ],
  fix: 'grant predefined roles scoped to the need (roles/bigquery.jobUser on the project, roles/bigquery.dataEditor on the dataset)',
  check(element): Violation[] {
    let roles: string[];
    if (element.type === 'google_iam_policy') {
      roles = blocks(element.config.binding).map((binding) => String(binding.role));
    } else if (element.type === 'google_project_iam_policy') {
      roles = rolesInPolicyData(element.config.policy_data);
    } else {
      roles = [String(element.config.role)];
    }
    return roles
      .filter((role) => PRIMITIVE_ROLES.includes(role))
      .map((role) => ({ problem: `grants the primitive role ${role}` }));
  },
};
