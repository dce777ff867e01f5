import { CdcNetwork, CdcNetworkProps } from '../../constructs/network';
import { all, buildConstruct, expectPropsError, Json, single } from '../support/construct';

/** Only the required props: the zone count takes its default. */
const base: CdcNetworkProps = { vpcCidr: '10.42.0.0/16', namePrefix: 'cdc-test' };

function build(props: Partial<CdcNetworkProps> = {}) {
  return buildConstruct((stack) => new CdcNetwork(stack, 'net', { ...base, ...props }));
}

/** Subnets by their Name tag. */
function subnets(json: Json): Record<string, Json> {
  return Object.fromEntries(all(json, 'aws_subnet').map((s) => [s.tags.Name, s]));
}

describe('CdcNetwork defaults (props omitted)', () => {
  test('two zones: one public NAT subnet, a host and a database subnet in each zone', () => {
    const { json, construct: network } = build();
    expect(Object.keys(subnets(json)).sort()).toEqual(['cdc-test-db-0', 'cdc-test-db-1', 'cdc-test-host-0', 'cdc-test-host-1', 'cdc-test-public-nat']);
    expect(network.databaseSubnetIds).toHaveLength(2);
    expect(network.privateSubnetIds).toHaveLength(2);
    expect(network.hostInternetAccess).toHaveLength(2);
  });

  test('the VPC resolves DNS names; the public subnet gives no public IPs', () => {
    const { json } = build();
    expect(single(json, 'aws_vpc')).toMatchObject({ cidr_block: '10.42.0.0/16', enable_dns_hostnames: true, enable_dns_support: true, tags: { Name: 'cdc-test-vpc' } });
    expect(subnets(json)['cdc-test-public-nat'].map_public_ip_on_launch).toBe(false);
  });

  test('the subnets are eighths of the VPC: 0 public, 1.. host, 4.. database', () => {
    const cidrs = Object.fromEntries(Object.entries(subnets(build().json)).map(([name, s]) => [name, s.cidr_block]));
    expect(cidrs).toEqual({
      'cdc-test-public-nat': '${cidrsubnet("10.42.0.0/16", 3, 0)}',
      'cdc-test-host-0': '${cidrsubnet("10.42.0.0/16", 3, 1)}',
      'cdc-test-host-1': '${cidrsubnet("10.42.0.0/16", 3, 2)}',
      'cdc-test-db-0': '${cidrsubnet("10.42.0.0/16", 3, 4)}',
      'cdc-test-db-1': '${cidrsubnet("10.42.0.0/16", 3, 5)}',
    });
  });

  test('only host subnets route to the NAT; database subnets have no route out; the default security group is emptied', () => {
    const json = build().json;
    const associations = all(json, 'aws_route_table_association').map((a) => String(a.subnet_id));
    expect(associations).toHaveLength(3);
    expect(associations.filter((id) => /host-0|host-1|public/.test(id))).toHaveLength(3);
    expect(associations.some((id) => /db-/.test(id))).toBe(false);
    const defaultGroup = single(json, 'aws_default_security_group');
    expect(defaultGroup).not.toHaveProperty('ingress');
    expect(defaultGroup).not.toHaveProperty('egress');
  });
});

describe('CdcNetwork props given', () => {
  test('three zones add a third host and database subnet', () => {
    const { json, construct: network } = build({ availabilityZoneCount: 3 });
    expect(Object.keys(subnets(json))).toEqual(expect.arrayContaining(['cdc-test-host-2', 'cdc-test-db-2']));
    expect(network.databaseSubnetIds).toHaveLength(3);
  });
});

describe('CdcNetwork refuses props it cannot work with, naming the prop', () => {
  const where = 'CdcNetwork test/net';
  test.each<[string, Partial<CdcNetworkProps>, string]>([
    ['one zone', { availabilityZoneCount: 1 }, `${where}: availabilityZoneCount must be 2 or 3, got 1`],
    ['four zones', { availabilityZoneCount: 4 }, `${where}: availabilityZoneCount must be 2 or 3, got 4`],
    ['a fractional zone count', { availabilityZoneCount: 2.5 }, `${where}: availabilityZoneCount must be 2 or 3, got 2.5`],
    ['an empty namePrefix', { namePrefix: '' }, `${where}: namePrefix "" must be 1–24 lowercase letters, digits or hyphens, starting with a letter`],
    ['a CIDR that is not one', { vpcCidr: '10.42.0.0' }, `${where}: vpcCidr "10.42.0.0" must be an IPv4 CIDR from /16 to /24, e.g. 10.42.0.0/16`],
    ['an octet out of range', { vpcCidr: '10.300.0.0/16' }, `${where}: vpcCidr "10.300.0.0/16" must be an IPv4 CIDR from /16 to /24, e.g. 10.42.0.0/16`],
    ['a VPC larger than AWS allows', { vpcCidr: '10.0.0.0/8' }, `${where}: vpcCidr "10.0.0.0/8" must be an IPv4 CIDR from /16 to /24, e.g. 10.42.0.0/16`],
    ['a VPC too small to cut in eight', { vpcCidr: '10.42.0.0/26' }, `${where}: vpcCidr "10.42.0.0/26" must be an IPv4 CIDR from /16 to /24, e.g. 10.42.0.0/16`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => build(props), message);
  });
});
