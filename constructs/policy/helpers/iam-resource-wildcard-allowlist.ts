/**
 * Actions that AWS authorizes only against Resource "*": they have no resource-level
 * permission, so a policy granting them cannot name anything narrower. Kept small on purpose;
 * every entry says what needs it. A trailing `*` in an entry matches a family of such actions.
 */
export const RESOURCE_WILDCARD_ALLOWED_ACTIONS: ReadonlyArray<{ action: string; why: string }> = [
  { action: 'ssm:DescribeParameters', why: 'listing parameter metadata; has no resource-level permission' },
  { action: 'ssm:GetCommandInvocation', why: 'reading a Run Command result; has no resource-level permission' },
  { action: 'secretsmanager:GetRandomPassword', why: 'generates a password, touches no secret' },
  { action: 'secretsmanager:ListSecrets', why: 'list operation without resource-level permission' },
  { action: 'kms:ListAliases', why: 'list operation without resource-level permission' },
  { action: 'kms:ListKeys', why: 'list operation without resource-level permission' },
  { action: 'sts:GetCallerIdentity', why: 'identity lookup; needs no permission and has no resource' },
  { action: 'ec2:Describe*', why: 'EC2 Describe calls support no resource-level permission' },
  { action: 'cloudwatch:PutMetricData', why: 'metrics publishing (orchestrator, agents) has no resource; narrow it with a cloudwatch:namespace condition' },
  { action: 'ssmmessages:CreateControlChannel', why: 'SSM Session Manager agent channel; no resource-level permission' },
  { action: 'ssmmessages:CreateDataChannel', why: 'SSM Session Manager agent channel; no resource-level permission' },
  { action: 'ssmmessages:OpenControlChannel', why: 'SSM Session Manager agent channel; no resource-level permission' },
  { action: 'ssmmessages:OpenDataChannel', why: 'SSM Session Manager agent channel; no resource-level permission' },
  { action: 'ec2messages:*', why: 'the SSM agent message service (GetMessages, AcknowledgeMessage, ...) has no resource-level permission' },
];

/** Whether `action` (as written in a policy) is covered by the allow-list. */
export function isResourceWildcardAllowed(action: string): boolean {
  const wanted = action.toLowerCase();
  return RESOURCE_WILDCARD_ALLOWED_ACTIONS.some(({ action: entry }) => {
    const allowed = entry.toLowerCase();
    if (allowed.endsWith('*')) return wanted.startsWith(allowed.slice(0, -1)) && wanted.includes(':');
    return wanted === allowed;
  });
}
