/** Reading IAM grants out of a synthesized stack's JSON (cdktf snake_case, `${...}` references). */

export type Json = Record<string, any>;

export interface Statement {
  sid?: string;
  effect?: string;
  actions?: string[];
  not_actions?: string[];
  resources?: string[];
  condition?: Array<{ test: string; variable: string; values: string[] }>;
}

/** The `data.aws_iam_policy_document` a `"${data.aws_iam_policy_document.<id>.json}"` points at. */
export function documentOf(json: Json, expression: string): Json {
  const id = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(expression)?.[1];
  if (!id) throw new Error(`not a policy document reference: ${expression}`);
  return json.data.aws_iam_policy_document[id];
}

/** The Terraform id of the `aws_iam_role` named `roleName`. */
export function roleId(json: Json, roleName: string): string {
  const entry = Object.entries(json.resource?.aws_iam_role ?? {}).find(([, role]) => (role as Json).name === roleName);
  if (!entry) throw new Error(`no aws_iam_role named ${roleName}`);
  return entry[0];
}

/** Every statement of the managed policies attached to the role (attachments by reference). */
export function roleStatements(json: Json, roleName: string): Statement[] {
  const id = roleId(json, roleName);
  const attachments = Object.values(json.resource?.aws_iam_role_policy_attachment ?? {}) as Json[];
  return attachments
    .filter((a) => a.role === `\${aws_iam_role.${id}.name}`)
    .flatMap((a) => {
      const policyId = /^\$\{aws_iam_policy\.([\w-]+)\.arn\}$/.exec(a.policy_arn)?.[1];
      if (!policyId) throw new Error(`${roleName} has a policy attached that is not defined here: ${a.policy_arn}`);
      return documentOf(json, json.resource.aws_iam_policy[policyId].policy).statement as Statement[];
    });
}

/** Managed policy ARNs attached to the role, as written (references or literal ARNs). */
export function attachedPolicyArns(json: Json, roleName: string): string[] {
  const id = roleId(json, roleName);
  return (Object.values(json.resource?.aws_iam_role_policy_attachment ?? {}) as Json[]).filter((a) => a.role === `\${aws_iam_role.${id}.name}`).map((a) => a.policy_arn);
}

/** Whether an IAM action pattern as written in a policy (`ec2:Describe*`) covers `action`. */
export function actionCovers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&')).join('.*')}$`, 'i');
  return regex.test(action);
}

/** The Allow statements of `statements` that grant `action`. */
export function grantsOf(statements: Statement[], action: string): Statement[] {
  return statements.filter((s) => s.effect !== 'Deny' && (s.actions ?? []).some((pattern) => actionCovers(pattern, action)));
}
