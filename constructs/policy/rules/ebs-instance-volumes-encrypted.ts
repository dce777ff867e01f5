import { PolicyRule, Violation } from '../types';
import { blocks, describeValue, firstBlock, isLiteralTrue } from '../helpers/attributes';

/**
 * Mirrors checkov CKV_AWS_8. The Airbyte host's disk holds connector state, logs and staged rows
 * of the replicated tables. Without an explicit root_block_device the root volume follows the
 * AMI and the account default, which may be unencrypted, so the rule wants it stated.
 */
export const ebsInstanceVolumesEncrypted: PolicyRule = {
  id: 'CDC-EBS-1',
  checkov: ['CKV_AWS_8'],
  level: 'error',
  title: 'EC2 instance root and attached EBS volumes (and launch template block devices) are encrypted',
  appliesTo: ['aws_instance', 'aws_launch_template'],
  fix: 'declare rootBlockDevice: { encrypted: true, ... } and encrypted: true on every ebsBlockDevice / block device mapping',
  check(element): Violation[] {
    const violations: Violation[] = [];
    if (element.type === 'aws_instance') {
      const root = firstBlock(element.config.root_block_device);
      if (!root) {
        violations.push({ problem: 'no root_block_device block, so root volume encryption depends on the AMI and account defaults' });
      } else if (!isLiteralTrue(root.encrypted)) {
        violations.push({ problem: `root_block_device.encrypted is ${describeValue(root.encrypted)}, must be true` });
      }
      blocks(element.config.ebs_block_device).forEach((device, index) => {
        if (!isLiteralTrue(device.encrypted)) {
          violations.push({ problem: `ebs_block_device[${index}] (${describeValue(device.device_name)}) has encrypted ${describeValue(device.encrypted)}, must be true` });
        }
      });
      return violations;
    }
    const mappings = blocks(element.config.block_device_mappings);
    if (mappings.length === 0) {
      violations.push({ problem: 'no block_device_mappings, so volume encryption depends on the AMI and account defaults' });
    }
    mappings.forEach((mapping, index) => {
      const ebs = firstBlock(mapping.ebs);
      if (ebs && !isLiteralTrue(ebs.encrypted)) {
        violations.push({ problem: `block_device_mappings[${index}] (${describeValue(mapping.device_name)}) has ebs.encrypted ${describeValue(ebs.encrypted)}, must be true` });
      }
    });
    return violations;
  },
};
