import { InvalidPropsError } from './errors';
import { checkNamePrefix } from './prop-checks';
import { Construct } from 'constructs';
import { Fn, ITerraformDependable } from 'cdktf';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';

/** What CdcNetwork uses when a prop is omitted; the environment schema (config/schema.ts) takes its defaults from here. */
export const CDC_NETWORK_DEFAULTS = {
  availabilityZoneCount: 2,
} as const;

/** Where the stack's resources live: ids only, however the network came to be. */
export interface NetworkPlacement {
  readonly vpcId: string;
  /** Private subnet of the Airbyte host (outbound through NAT, no public IP). */
  readonly hostSubnetId: string;
  /** Private subnets (≥ 2 AZs) for the database subnet group. */
  readonly databaseSubnetIds: string[];
  /** Every private subnet with outbound internet (one per AZ): the EKS cluster and its nodes. */
  readonly privateSubnetIds?: string[];
  /**
   * What must exist before the host subnet reaches the internet (NAT route, route table
   * association); a host that boots earlier finds no network for its first package install.
   * Empty for a network that exists already.
   */
  readonly hostInternetAccess: ITerraformDependable[];
}

export interface CdcNetworkProps {
  /** IPv4 CIDR of the VPC (/16–/24); split into one public and N×2 private subnets. */
  readonly vpcCidr: string;
  /** Availability zones used (2–3). @default CDC_NETWORK_DEFAULTS.availabilityZoneCount */
  readonly availabilityZoneCount?: number;
  /** Name tag prefix. */
  readonly namePrefix: string;
}

/**
 * A small VPC for one environment: a public subnet holding only the NAT gateway, a private
 * subnet per AZ for the host and another per AZ for the database. Nothing is reachable from
 * the internet; the default security group is emptied so nothing can rely on it.
 */
export class CdcNetwork extends Construct implements NetworkPlacement {
  readonly vpcId: string;
  readonly hostSubnetId: string;
  readonly databaseSubnetIds: string[];
  readonly privateSubnetIds: string[];
  readonly hostInternetAccess: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: CdcNetworkProps) {
    super(scope, id);
    const azCount = props.availabilityZoneCount ?? CDC_NETWORK_DEFAULTS.availabilityZoneCount;
    if (!Number.isInteger(azCount) || azCount < 2 || azCount > 3) {
      throw new InvalidPropsError(`CdcNetwork ${this.node.path}: availabilityZoneCount must be 2 or 3, got ${azCount}`);
    }
    checkNamePrefix(`CdcNetwork ${this.node.path}`, props.namePrefix);
    // Eight equal blocks are cut from it (cidrsubnet newbits 3), so /24 still leaves /27 subnets.
    const cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(props.vpcCidr);
    const prefixLength = cidr ? Number(cidr[5]) : NaN;
    if (!cidr || cidr.slice(1, 5).some((octet) => Number(octet) > 255) || prefixLength < 16 || prefixLength > 24) {
      throw new InvalidPropsError(`CdcNetwork ${this.node.path}: vpcCidr ${JSON.stringify(props.vpcCidr)} must be an IPv4 CIDR from /16 to /24, e.g. 10.42.0.0/16`);
    }
    const name = (suffix: string) => ({ Name: `${props.namePrefix}-${suffix}` });
    const zones = new DataAwsAvailabilityZones(this, 'zones', { state: 'available' });
    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: name('vpc'),
    });
    this.vpcId = vpc.id;
    // No rules: anything left on the default group would be an unreviewed way in.
    new DefaultSecurityGroup(this, 'default-sg-locked', { vpcId: vpc.id, tags: name('default-locked') });

    // 8 equal blocks of the VPC: block 0 public, 1..3 host, 4..6 database.
    const block = (index: number) => Fn.cidrsubnet(props.vpcCidr, 3, index);
    const az = (index: number) => Fn.element(zones.names, index);

    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: name('igw') });
    const publicSubnet = new Subnet(this, 'public', {
      vpcId: vpc.id,
      cidrBlock: block(0),
      availabilityZone: az(0),
      mapPublicIpOnLaunch: false,
      tags: name('public-nat'),
    });
    const publicRoutes = new RouteTable(this, 'public-routes', { vpcId: vpc.id, tags: name('public') });
    new Route(this, 'public-default', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    new RouteTableAssociation(this, 'public-assoc', { subnetId: publicSubnet.id, routeTableId: publicRoutes.id });

    const natIp = new Eip(this, 'nat-ip', { domain: 'vpc', tags: name('nat') });
    const nat = new NatGateway(this, 'nat', { allocationId: natIp.id, subnetId: publicSubnet.id, tags: name('nat'), dependsOn: [igw] });
    const privateRoutes = new RouteTable(this, 'private-routes', { vpcId: vpc.id, tags: name('private') });
    const natRoute = new Route(this, 'private-default', { routeTableId: privateRoutes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
    const hostAssociations: RouteTableAssociation[] = [];

    const hostSubnets: Subnet[] = [];
    const databaseSubnets: Subnet[] = [];
    for (let i = 0; i < azCount; i++) {
      const host = new Subnet(this, `host-${i}`, { vpcId: vpc.id, cidrBlock: block(1 + i), availabilityZone: az(i), tags: name(`host-${i}`) });
      hostAssociations.push(new RouteTableAssociation(this, `host-${i}-assoc`, { subnetId: host.id, routeTableId: privateRoutes.id }));
      hostSubnets.push(host);
      // Database subnets get no route to the internet at all.
      const db = new Subnet(this, `db-${i}`, { vpcId: vpc.id, cidrBlock: block(4 + i), availabilityZone: az(i), tags: name(`db-${i}`) });
      databaseSubnets.push(db);
    }
    this.hostSubnetId = hostSubnets[0].id;
    this.privateSubnetIds = hostSubnets.map((s) => s.id);
    this.hostInternetAccess = [natRoute, hostAssociations[0]];
    this.databaseSubnetIds = databaseSubnets.map((s) => s.id);
  }
}
