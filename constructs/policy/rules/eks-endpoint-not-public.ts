import { PolicyRule, Violation } from '../types';
import { describeValue, firstBlock, isExpression, stringList } from '../helpers/attributes';

const OPEN = new Set(['0.0.0.0/0', '::/0']);

/**
 * Mirrors checkov CKV_AWS_38 and CKV_AWS_39. The Kubernetes API is the cluster's control: with
 * the public endpoint on and no CIDR list, AWS opens it to 0.0.0.0/0, so one leaked token or
 * API bug is reachable from the whole internet. Private endpoint only, or named ranges.
 */
export const eksEndpointNotPublic: PolicyRule = {
  id: 'CDC-EKS-1',
  checkov: ['CKV_AWS_38', 'CKV_AWS_39'],
  level: 'error',
  title: 'EKS cluster API endpoint is private, or public only to named CIDRs (never 0.0.0.0/0)',
  appliesTo: ['aws_eks_cluster'],
  fix: 'set vpcConfig.endpointPublicAccess: false (reach it from inside the VPC), or list your ranges in vpcConfig.publicAccessCidrs',
  check(element): Violation[] {
    const vpc = firstBlock(element.config.vpc_config) ?? {};
    const problems: Violation[] = [];
    if (vpc.endpoint_private_access !== true && vpc.endpoint_private_access !== 'true') {
      problems.push({ problem: `endpoint_private_access is ${describeValue(vpc.endpoint_private_access)}; nodes and pods then reach the API through the internet`, fix: 'set vpcConfig.endpointPrivateAccess: true' });
    }
    // The provider's default for endpoint_public_access is true.
    const publicAccess = vpc.endpoint_public_access;
    if (publicAccess === false || publicAccess === 'false') return problems;
    if (isExpression(publicAccess)) {
      problems.push({ problem: `endpoint_public_access is an expression (${publicAccess}); it cannot be shown to be off` });
      return problems;
    }
    const cidrs = vpc.public_access_cidrs;
    if (isExpression(cidrs)) {
      problems.push({ problem: `public_access_cidrs is an expression (${cidrs}); it cannot be shown to exclude 0.0.0.0/0` });
    } else if (stringList(cidrs).length === 0) {
      problems.push({ problem: 'the public endpoint is on with no public_access_cidrs, which AWS opens to 0.0.0.0/0' });
    } else {
      const open = stringList(cidrs).filter((cidr) => OPEN.has(cidr.trim()) || isExpression(cidr));
      if (open.length > 0) problems.push({ problem: `public_access_cidrs contains ${open.join(', ')}` });
    }
    return problems;
  },
};
