import { PolicyRule, ResourceView, StackView, Violation } from '../types';
import { asNumber, describeValue, firstBlock, refersTo } from '../helpers/attributes';

const LAUNCH_TEMPLATE = 'aws_launch_template';

function templateOf(nodeGroup: ResourceView, stack: StackView): ResourceView | undefined {
  const reference = firstBlock(nodeGroup.config.launch_template);
  if (!reference) return undefined;
  return stack
    .resourcesOfType(LAUNCH_TEMPLATE)
    .find(
      (template) =>
        refersTo(reference.id, LAUNCH_TEMPLATE, template.logicalId) ||
        refersTo(reference.name, LAUNCH_TEMPLATE, template.logicalId) ||
        (typeof reference.name === 'string' && reference.name === template.config.name),
    );
}

/**
 * Checkov has no node-group check (CKV_AWS_79/CKV_AWS_341 look at instances and templates). A
 * managed node group without a launch template boots with the AMI's defaults: IMDSv1 allowed
 * and hop limit 2, so any pod could take the node role's credentials. The group must use a
 * launch template of this stack that requires IMDSv2 with hop limit 1 (pods get their own
 * credentials from EKS Pod Identity).
 */
export const eksNodeGroupImds: PolicyRule = {
  id: 'CDC-EKS-4',
  checkov: [],
  level: 'error',
  title: 'EKS managed node groups use a launch template of this stack with IMDSv2 required and hop limit 1',
  appliesTo: ['aws_eks_node_group'],
  fix: 'create an aws_launch_template with metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 } and set launchTemplate: { id: template.id, version: ... }',
  check(element, stack): Violation[] {
    if (!firstBlock(element.config.launch_template)) {
      return [{ problem: 'no launch_template: nodes boot with the AMI defaults (IMDSv1 allowed, hop limit 2)' }];
    }
    const template = templateOf(element, stack);
    if (!template) return [{ problem: 'the launch_template is not an aws_launch_template of this stack, so its metadata options cannot be verified' }];
    const options = firstBlock(template.config.metadata_options);
    const problems: Violation[] = [];
    if (options?.http_tokens !== 'required') problems.push({ problem: `launch template ${template.address} allows IMDSv1 (http_tokens is ${describeValue(options?.http_tokens)})` });
    if (asNumber(options?.http_put_response_hop_limit) !== 1) {
      problems.push({ problem: `launch template ${template.address} has hop limit ${describeValue(options?.http_put_response_hop_limit)}, must be 1 so pods cannot reach node credentials` });
    }
    return problems;
  },
};
