import { Testing, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AirbyteDataVolume } from '../../constructs/airbyte-data-volume';

function synth(props: Partial<ConstructorParameters<typeof AirbyteDataVolume>[2]> = {}) {
  const stack = new TerraformStack(Testing.app(), 'volume');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  new AirbyteDataVolume(stack, 'data', { namePrefix: 'cdc-dev', subnetId: 'subnet-0a1b2c3d4e5f60001', kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/abc', ...props });
  return JSON.parse(Testing.synth(stack));
}

describe('AirbyteDataVolume', () => {
  test('an encrypted gp3 volume in the subnet\'s zone, kept by default', () => {
    const json = synth();
    const [volume] = Object.values(json.resource.aws_ebs_volume) as Array<Record<string, unknown>>;
    expect(volume).toMatchObject({ size: 50, type: 'gp3', encrypted: true, kms_key_id: 'arn:aws:kms:eu-west-1:111111111111:key/abc' });
    expect(volume.lifecycle).toEqual({ prevent_destroy: true });
    expect(Object.values(json.data.aws_subnet)).toEqual([expect.objectContaining({ id: 'subnet-0a1b2c3d4e5f60001' })]);
    expect(String(volume.availability_zone)).toMatch(/^\$\{data\.aws_subnet\..+\.availability_zone\}$/);
    expect(volume.tags).toEqual({ Name: 'cdc-dev-airbyte-data' });
  });

  test('retain: false lets a teardown delete it', () => {
    const [volume] = Object.values(synth({ retain: false }).resource.aws_ebs_volume) as Array<Record<string, unknown>>;
    expect(volume).toMatchObject({ lifecycle: { prevent_destroy: false } });
  });

  test.each([10, 50.5, 20000])('refuses sizeGiB %p, naming the prop', (sizeGiB) => {
    expect(() => synth({ sizeGiB })).toThrow(/AirbyteDataVolume volume\/data: sizeGiB must be an integer from 20 to 16384/);
  });
});
