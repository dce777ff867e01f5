import { PolicyRule, Violation } from '../types';
import { blocks, isPlainObject, stringList } from '../helpers/attributes';

const PUBLIC_PRINCIPALS = ['allUsers', 'allAuthenticatedUsers'];

function publicPrincipals(values: string[]): string[] {
  return values.filter((value) => PUBLIC_PRINCIPALS.includes(value.replace(/^(?:iamMember:|member:)/, '')));
}

/** Members of a literal IAM policy JSON (google_*_iam_policy policy_data); references yield none. */
function policyDataMembers(policyData: unknown): string[] {
  if (typeof policyData !== 'string' || policyData.trim().startsWith('${')) return [];
  try {
    const policy: unknown = JSON.parse(policyData);
    if (!isPlainObject(policy)) return [];
    return blocks(policy.bindings).flatMap((binding) => stringList(binding.members));
  } catch {
    return [];
  }
}

/**
 * Mirrors checkov CKV_GCP_15. The dataset receives the replicated tables: `allUsers` would
 * publish them to the internet and `allAuthenticatedUsers` to every Google account.
 */
export const bigQueryNotPublic: PolicyRule = {
  id: 'CDC-BQ-1',
  checkov: ['CKV_GCP_15'],
  level: 'error',
  title: 'BigQuery datasets and tables grant nothing to allUsers or allAuthenticatedUsers',
  appliesTo: [
    'google_bigquery_dataset',
    'google_bigquery_dataset_access',
    'google_bigquery_dataset_iam_member',
    'google_bigquery_dataset_iam_binding',
    'google_bigquery_dataset_iam_policy',
    'google_bigquery_table_iam_member',
    'google_bigquery_table_iam_binding',
    'google_bigquery_table_iam_policy',
  ],
  fix: 'grant access to named principals only (the pipeline service account, groups of analysts)',
  check(element): Violation[] {
    const config = element.config;
    const grants: Array<{ where: string; principals: string[] }> = [];
    if (element.type === 'google_bigquery_dataset') {
      blocks(config.access).forEach((access, index) => {
        grants.push({ where: `access[${index}]`, principals: [...stringList(access.special_group), ...stringList(access.iam_member)] });
      });
    } else if (element.type === 'google_bigquery_dataset_access') {
      grants.push({ where: 'special_group/iam_member', principals: [...stringList(config.special_group), ...stringList(config.iam_member)] });
    } else if (element.type.endsWith('_iam_member')) {
      grants.push({ where: 'member', principals: stringList(config.member) });
    } else if (element.type.endsWith('_iam_binding')) {
      grants.push({ where: 'members', principals: stringList(config.members) });
    } else {
      grants.push({ where: 'policy_data', principals: policyDataMembers(config.policy_data) });
    }
    return grants.flatMap(({ where, principals }) =>
      publicPrincipals(principals).map((principal) => ({ problem: `${where} grants access to ${principal}` })),
    );
  },
};
