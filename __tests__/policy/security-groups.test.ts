import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SecurityGroupRule } from '@cdktf/provider-aws/lib/security-group-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

const httpsOut = { fromPort: 443, toPort: 443, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'], description: 'HTTPS to AWS APIs and package mirrors' };

describe('CDC-SG-1 no ingress from anywhere', () => {
  it('accepts a group with no ingress and open egress, and ingress from another group', () => {
    const findings = findingsOf((stack) => {
      const host = new SecurityGroup(stack, 'host', { description: 'Airbyte host: no inbound', egress: [httpsOut] });
      new SecurityGroup(stack, 'db', {
        description: 'database',
        ingress: [{ fromPort: 5432, toPort: 5432, protocol: 'tcp', securityGroups: [host.id], description: 'Postgres from the host' }],
      });
    });
    expect(pathsFlagged(findings, 'CDC-SG-1')).toEqual([]);
  });

  it('flags 0.0.0.0/0 and ::/0 on inline ingress, security group rules and VPC ingress rules', () => {
    const findings = findingsOf((stack) => {
      const group = new SecurityGroup(stack, 'inline', {
        description: 'open',
        ingress: [{ fromPort: 443, toPort: 443, protocol: 'tcp', ipv6CidrBlocks: ['::/0'], description: 'https' }],
      });
      new SecurityGroupRule(stack, 'classic-rule', {
        type: 'ingress', securityGroupId: group.id, fromPort: 5432, toPort: 5432, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'], description: 'db',
      });
      new VpcSecurityGroupIngressRule(stack, 'vpc-rule', {
        securityGroupId: group.id, ipProtocol: '-1', cidrIpv4: '0.0.0.0/0', description: 'everything',
      });
      // Egress to anywhere is not ingress.
      new SecurityGroupRule(stack, 'egress-rule', {
        type: 'egress', securityGroupId: group.id, fromPort: 443, toPort: 443, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'], description: 'out',
      });
    });
    expect(pathsFlagged(findings, 'CDC-SG-1')).toEqual(['test/classic-rule', 'test/inline', 'test/vpc-rule']);
    const vpcFinding = findingsOfRule(findings, 'CDC-SG-1').find((f) => f.path === 'test/vpc-rule');
    expect(vpcFinding?.problem).toContain('all ports and protocols from 0.0.0.0/0');
  });

  it('sees an ingress block added with addOverride', () => {
    const findings = findingsOf((stack) => {
      new SecurityGroup(stack, 'host', { description: 'host' }).addOverride('ingress', [
        { from_port: 22, to_port: 22, protocol: 'tcp', cidr_blocks: ['0.0.0.0/0'], description: 'ssh' },
      ]);
    });
    expect(pathsFlagged(findings, 'CDC-SG-1')).toEqual(['test/host']);
  });
});

describe('CDC-SG-2 descriptions', () => {
  it('accepts described groups and rules', () => {
    const findings = findingsOf((stack) => {
      const group = new SecurityGroup(stack, 'host', { description: 'host', egress: [httpsOut] });
      new VpcSecurityGroupEgressRule(stack, 'out', { securityGroupId: group.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8', description: 'https' });
    });
    expect(pathsFlagged(findings, 'CDC-SG-2')).toEqual([]);
  });

  it('flags an undescribed group, inline rule, classic rule and VPC rule', () => {
    const findings = findingsOf((stack) => {
      const group = new SecurityGroup(stack, 'no-description', {});
      new SecurityGroup(stack, 'inline-rule', { description: 'db', egress: [{ ...httpsOut, description: undefined }] });
      new SecurityGroupRule(stack, 'classic', { type: 'egress', securityGroupId: group.id, fromPort: 443, toPort: 443, protocol: 'tcp', cidrBlocks: ['10.0.0.0/8'] });
      new VpcSecurityGroupEgressRule(stack, 'vpc', { securityGroupId: group.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' });
    });
    expect(pathsFlagged(findings, 'CDC-SG-2')).toEqual(['test/classic', 'test/inline-rule', 'test/no-description', 'test/vpc']);
    expect(findingsOfRule(findings, 'CDC-SG-2').find((f) => f.path === 'test/inline-rule')?.problem).toContain('egress egress[0]');
  });
});

describe('CDC-SG-3 Airbyte port 8000 never exposed', () => {
  it('accepts ingress on other ports and egress on 8000', () => {
    const findings = findingsOf((stack) => {
      const group = new SecurityGroup(stack, 'db', {
        description: 'db',
        ingress: [{ fromPort: 5432, toPort: 5432, protocol: 'tcp', cidrBlocks: ['10.0.0.0/16'], description: 'Postgres' }],
        egress: [{ fromPort: 8000, toPort: 8000, protocol: 'tcp', cidrBlocks: ['10.0.0.0/16'], description: 'egress is not exposure' }],
      });
      new VpcSecurityGroupIngressRule(stack, 'icmp', { securityGroupId: group.id, ipProtocol: 'icmp', fromPort: -1, toPort: -1, cidrIpv4: '10.0.0.0/16', description: 'ping' });
    });
    expect(pathsFlagged(findings, 'CDC-SG-3')).toEqual([]);
  });

  it('flags ingress covering 8000 even from a private CIDR or another group, including ranges and all-protocol rules', () => {
    const findings = findingsOf((stack) => {
      const group = new SecurityGroup(stack, 'host', {
        description: 'host',
        ingress: [{ fromPort: 8000, toPort: 8000, protocol: 'tcp', cidrBlocks: ['10.0.0.0/16'], description: 'Airbyte UI' }],
      });
      new SecurityGroupRule(stack, 'range', { type: 'ingress', securityGroupId: group.id, fromPort: 7000, toPort: 9000, protocol: 'tcp', sourceSecurityGroupId: group.id, description: 'range' });
      new VpcSecurityGroupIngressRule(stack, 'all', { securityGroupId: group.id, ipProtocol: '-1', referencedSecurityGroupId: group.id, description: 'self' });
    });
    expect(pathsFlagged(findings, 'CDC-SG-3')).toEqual(['test/all', 'test/host', 'test/range']);
    expect(findingsOfRule(findings, 'CDC-SG-3').find((f) => f.path === 'test/range')?.problem).toContain('ports 7000-9000/tcp');
  });
});
