import { PolicyRule, Violation } from '../types';
import { describePorts, INGRESS_RESOURCE_TYPES, permissionsOf } from '../helpers/security-group-rules';

const ANYWHERE_IPV4 = '0.0.0.0/0';
const ANYWHERE_IPV6 = '::/0';

/**
 * Mirrors checkov CKV_AWS_24 (22), CKV_AWS_25 (3389), CKV_AWS_260 (80) and CKV_AWS_277 (all
 * ports), generalised to every port: nothing in this stack is meant to be reachable from the
 * internet. Operators reach the host through SSM Session Manager.
 */
export const sgNoOpenIngress: PolicyRule = {
  id: 'CDC-SG-1',
  checkov: ['CKV_AWS_24', 'CKV_AWS_25', 'CKV_AWS_260', 'CKV_AWS_277'],
  level: 'error',
  title: 'No security group ingress from 0.0.0.0/0 or ::/0, on any port',
  appliesTo: [...INGRESS_RESOURCE_TYPES],
  fix: 'allow ingress only from a security group or a narrow CIDR; reach the host through SSM Session Manager port forwarding',
  check(element): Violation[] {
    return permissionsOf(element)
      .filter((permission) => permission.direction === 'ingress')
      .flatMap((permission) => {
        const open = [
          ...permission.ipv4Cidrs.filter((cidr) => cidr === ANYWHERE_IPV4),
          ...permission.ipv6Cidrs.filter((cidr) => cidr === ANYWHERE_IPV6),
        ];
        return open.map((cidr) => ({ problem: `${permission.label} allows ${describePorts(permission)} from ${cidr}` }));
      });
  },
};
