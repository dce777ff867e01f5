import { AirbyteDataVolume, AirbyteDataVolumeProps } from '../../constructs/airbyte-data-volume';
import { expectPropsError, Json, single, synthConstruct } from '../support/construct';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/abc';
/** Only the required props: size, retention and tags take their defaults. */
const base: AirbyteDataVolumeProps = { namePrefix: 'cdc-dev', subnetId: 'subnet-0a1b2c3d4e5f60001', kmsKeyArn: KEY };

function synth(props: Partial<AirbyteDataVolumeProps> = {}): Json {
  return synthConstruct((stack) => new AirbyteDataVolume(stack, 'data', { ...base, ...props }), 'volume');
}

describe('AirbyteDataVolume defaults (props omitted)', () => {
  test('a 50 GiB encrypted gp3 volume in the subnet\'s zone, kept by Terraform (prevent_destroy)', () => {
    const json = synth();
    const volume = single(json, 'aws_ebs_volume');
    expect(volume).toMatchObject({ size: 50, type: 'gp3', encrypted: true, kms_key_id: KEY });
    expect(volume.lifecycle).toEqual({ prevent_destroy: true });
    expect(single(json, 'aws_subnet', 'data')).toEqual(expect.objectContaining({ id: 'subnet-0a1b2c3d4e5f60001' }));
    expect(String(volume.availability_zone)).toMatch(/^\$\{data\.aws_subnet\..+\.availability_zone\}$/);
    expect(volume.tags).toEqual({ Name: 'cdc-dev-airbyte-data' });
  });
});

describe('AirbyteDataVolume props given', () => {
  test('retain: false lets a teardown delete it; size and tags reach the volume', () => {
    const volume = single(synth({ retain: false, sizeGiB: 100, tags: { team: 'data' } }), 'aws_ebs_volume');
    expect(volume).toMatchObject({ size: 100, lifecycle: { prevent_destroy: false }, tags: { team: 'data', Name: 'cdc-dev-airbyte-data' } });
  });
});

describe('AirbyteDataVolume refuses props it cannot work with, naming the prop', () => {
  test.each([10, 50.5, 20000, -1])('sizeGiB %p', (sizeGiB) => {
    expectPropsError(() => synth({ sizeGiB }), `AirbyteDataVolume volume/data: sizeGiB must be an integer from 20 to 16384, got ${sizeGiB}`);
  });

  test('an empty namePrefix', () => {
    expectPropsError(() => synth({ namePrefix: '' }), 'AirbyteDataVolume volume/data: namePrefix "" must be 1–24 lowercase letters, digits or hyphens, starting with a letter');
  });
});
