import { ResourceView } from '../types';
import { Attributes, asNumber, blocks, stringList } from './attributes';

/** The Terraform resource types that can open inbound traffic on a security group. */
export const INGRESS_RESOURCE_TYPES = ['aws_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_ingress_rule'] as const;

/** Every resource type that carries security group rules, for the description rule. */
export const SECURITY_GROUP_RESOURCE_TYPES = [
  ...INGRESS_RESOURCE_TYPES,
  'aws_vpc_security_group_egress_rule',
] as const;

/** One ingress or egress permission, whichever resource type declared it. */
export interface SecurityGroupPermission {
  /** Where it sits, for messages: `ingress[0]`, or `rule` for standalone rule resources. */
  readonly label: string;
  readonly direction: 'ingress' | 'egress';
  readonly protocol: string;
  /** Undefined when the port is an expression and cannot be known at synth. */
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly ipv4Cidrs: string[];
  readonly ipv6Cidrs: string[];
  readonly description: unknown;
}

/** All permissions a resource declares, inline blocks and standalone rules alike. */
export function permissionsOf(element: ResourceView): SecurityGroupPermission[] {
  const config = element.config;
  switch (element.type) {
    case 'aws_security_group':
      return [
        ...blocks(config.ingress).map((block, index) => fromClassicBlock(block, 'ingress', `ingress[${index}]`)),
        ...blocks(config.egress).map((block, index) => fromClassicBlock(block, 'egress', `egress[${index}]`)),
      ];
    case 'aws_security_group_rule':
      return [fromClassicBlock(config, config.type === 'egress' ? 'egress' : 'ingress', 'rule')];
    case 'aws_vpc_security_group_ingress_rule':
    case 'aws_vpc_security_group_egress_rule':
      return [
        {
          label: 'rule',
          direction: element.type === 'aws_vpc_security_group_ingress_rule' ? 'ingress' : 'egress',
          protocol: String(config.ip_protocol ?? ''),
          // ip_protocol -1 (all) ignores ports; the provider rejects ports with it.
          fromPort: config.from_port === undefined ? -1 : asNumber(config.from_port),
          toPort: config.to_port === undefined ? -1 : asNumber(config.to_port),
          ipv4Cidrs: stringList(config.cidr_ipv4),
          ipv6Cidrs: stringList(config.cidr_ipv6),
          description: config.description,
        },
      ];
    default:
      return [];
  }
}

function fromClassicBlock(block: Attributes, direction: 'ingress' | 'egress', label: string): SecurityGroupPermission {
  return {
    label,
    direction,
    protocol: String(block.protocol ?? ''),
    fromPort: asNumber(block.from_port),
    toPort: asNumber(block.to_port),
    ipv4Cidrs: stringList(block.cidr_blocks),
    ipv6Cidrs: stringList(block.ipv6_cidr_blocks),
    description: block.description,
  };
}

function isAllProtocols(protocol: string): boolean {
  return protocol === '-1' || protocol.toLowerCase() === 'all';
}

function hasNoPorts(protocol: string): boolean {
  return ['icmp', 'icmpv6', '1', '58'].includes(protocol.toLowerCase());
}

/**
 * Whether the permission may admit traffic to `port`. Unknown ports (expressions) count as a
 * match: the rule cannot prove they exclude it.
 */
export function mayCoverPort(permission: SecurityGroupPermission, port: number): boolean {
  if (isAllProtocols(permission.protocol)) return true;
  if (hasNoPorts(permission.protocol)) return false;
  const { fromPort, toPort } = permission;
  if (fromPort === undefined || toPort === undefined) return true;
  if (fromPort === -1 && toPort === -1) return true;
  return fromPort <= port && port <= toPort;
}

export function describePorts(permission: SecurityGroupPermission): string {
  if (isAllProtocols(permission.protocol)) return 'all ports and protocols';
  const { fromPort, toPort } = permission;
  if (fromPort === undefined || toPort === undefined) return `ports given by an expression (${permission.protocol})`;
  if (fromPort === toPort) return `port ${fromPort}/${permission.protocol}`;
  return `ports ${fromPort}-${toPort}/${permission.protocol}`;
}
