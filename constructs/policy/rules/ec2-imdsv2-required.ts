import { PolicyRule, Violation } from '../types';
import { describeValue, firstBlock } from '../helpers/attributes';

/**
 * Mirrors checkov CKV_AWS_79. IMDSv1 answers any GET, so an SSRF in anything on the host (the
 * Airbyte UI and API, connectors) could read the instance role's credentials. IMDSv2 needs a PUT
 * with a session token first, which such requests cannot do.
 */
export const ec2ImdsV2Required: PolicyRule = {
  id: 'CDC-EC2-1',
  checkov: ['CKV_AWS_79'],
  level: 'error',
  title: 'EC2 instances and launch templates require IMDSv2 (metadata_options.http_tokens = "required")',
  appliesTo: ['aws_instance', 'aws_launch_template'],
  fix: 'set metadataOptions: { httpTokens: "required" } (or httpEndpoint: "disabled" when nothing on the host needs instance metadata)',
  check(element): Violation[] {
    const options = firstBlock(element.config.metadata_options);
    if (options?.http_endpoint === 'disabled') return [];
    if (options?.http_tokens === 'required') return [];
    return [{ problem: `instance metadata accepts IMDSv1 (metadata_options.http_tokens is ${describeValue(options?.http_tokens)}, must be "required")` }];
  },
};
