import { PolicyRule, Violation } from '../types';
import { asNumber, describeValue, firstBlock } from '../helpers/attributes';

/**
 * Mirrors checkov CKV_AWS_341. With a hop limit above 1 the metadata token reaches containers
 * behind the host's network bridge: every Airbyte connector pod in abctl's kind cluster could
 * take the instance role. Our connectors need no instance role, so 1 is the limit. It must be
 * explicit: Amazon Linux 2023 AMIs default to 2.
 */
export const ec2MetadataHopLimit: PolicyRule = {
  id: 'CDC-EC2-2',
  checkov: ['CKV_AWS_341'],
  level: 'error',
  title: 'EC2 instance metadata hop limit is explicitly 1 (metadata_options.http_put_response_hop_limit = 1)',
  appliesTo: ['aws_instance', 'aws_launch_template'],
  fix: 'set metadataOptions: { httpPutResponseHopLimit: 1 }',
  check(element): Violation[] {
    const options = firstBlock(element.config.metadata_options);
    if (options?.http_endpoint === 'disabled') return [];
    const hopLimit = options?.http_put_response_hop_limit;
    if (asNumber(hopLimit) === 1) return [];
    return [{ problem: `metadata_options.http_put_response_hop_limit is ${describeValue(hopLimit)}, must be 1 so containers on the host cannot reach the instance role` }];
  },
};
