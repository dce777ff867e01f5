import { PolicyRule, Violation } from '../types';
import { isExpression, stringList } from '../helpers/attributes';

/** Every log type EKS can ship; `audit` and `authenticator` answer "who did what with which identity". */
export const REQUIRED_EKS_LOG_TYPES: readonly string[] = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

/**
 * Mirrors checkov CKV_AWS_37. Without control-plane logs there is no record of who read a
 * secret or changed a Deployment, and no way to debug a failing scheduler or authenticator.
 */
export const eksControlPlaneLogging: PolicyRule = {
  id: 'CDC-EKS-3',
  checkov: ['CKV_AWS_37'],
  level: 'error',
  title: 'EKS cluster ships every control-plane log type to CloudWatch Logs',
  appliesTo: ['aws_eks_cluster'],
  fix: `set enabledClusterLogTypes: [${REQUIRED_EKS_LOG_TYPES.map((t) => `"${t}"`).join(', ')}]`,
  check(element): Violation[] {
    const value = element.config.enabled_cluster_log_types;
    if (isExpression(value)) return [{ problem: `enabled_cluster_log_types is an expression (${value}); it cannot be verified` }];
    const enabled = stringList(value);
    const missing = REQUIRED_EKS_LOG_TYPES.filter((type) => !enabled.includes(type));
    return missing.length === 0 ? [] : [{ problem: `control-plane log types off: ${missing.join(', ')}` }];
  },
};
