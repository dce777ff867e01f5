import { PolicyRule, Violation } from '../types';
import { describePorts, INGRESS_RESOURCE_TYPES, mayCoverPort, permissionsOf } from '../helpers/security-group-rules';

/** The port `abctl local install --port` serves Airbyte's UI and both APIs on. */
export const AIRBYTE_PORT = 8000;

/**
 * No checkov equivalent (project rule). Airbyte OSS on port 8000 carries the UI, the public API
 * and the config API behind one credential: it is reached only through an SSM port forward, so
 * no ingress may admit port 8000 from any source, a security group or a private CIDR included.
 */
export const sgAirbytePortClosed: PolicyRule = {
  id: 'CDC-SG-3',
  checkov: [],
  level: 'error',
  title: `No security group ingress admits port ${AIRBYTE_PORT} (Airbyte), from any source`,
  appliesTo: [...INGRESS_RESOURCE_TYPES],
  fix: `remove the rule; reach Airbyte with an SSM port forward (scripts/ has the tunnel), never through a security group opening on ${AIRBYTE_PORT}`,
  check(element): Violation[] {
    return permissionsOf(element)
      .filter((permission) => permission.direction === 'ingress' && mayCoverPort(permission, AIRBYTE_PORT))
      .map((permission) => ({ problem: `${permission.label} allows ${describePorts(permission)}, which includes Airbyte's port ${AIRBYTE_PORT}` }));
  },
};
