import { InvalidPropsError } from './errors';
import { checkNamePrefix } from './prop-checks';
import { Construct } from 'constructs';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';

/** What AirbyteDataVolume uses when a prop is omitted; the environment schema (config/schema.ts) takes its defaults from here. */
export const AIRBYTE_DATA_VOLUME_DEFAULTS = {
  sizeGiB: 50,
  retain: true,
} as const;

export interface AirbyteDataVolumeProps {
  /** Prefix for the Name tag (lowercase, hyphens). */
  readonly namePrefix: string;
  /** The host's subnet: the volume is created in its availability zone. */
  readonly subnetId: string;
  /** gp3 size in GiB. @default AIRBYTE_DATA_VOLUME_DEFAULTS.sizeGiB */
  readonly sizeGiB?: number;
  /** KMS key encrypting the volume. */
  readonly kmsKeyArn: string;
  /**
   * `prevent_destroy`: Terraform refuses any plan that would delete the volume (and with it
   * Airbyte's database). Off for environments meant to be torn down.
   * @default true
   */
  readonly retain?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The encrypted EBS volume that holds Airbyte's state under abctl (`/root/.airbyte`: its
 * database, connections, job history and CDC positions). It is a resource of its own, so it
 * outlives the instance: a replaced host attaches the same volume and finds the data.
 */
export class AirbyteDataVolume extends Construct {
  readonly volumeId: string;
  readonly volumeArn: string;

  constructor(scope: Construct, id: string, props: AirbyteDataVolumeProps) {
    super(scope, id);
    checkNamePrefix(`AirbyteDataVolume ${this.node.path}`, props.namePrefix);
    const sizeGiB = props.sizeGiB ?? AIRBYTE_DATA_VOLUME_DEFAULTS.sizeGiB;
    if (!Number.isInteger(sizeGiB) || sizeGiB < 20 || sizeGiB > 16384) {
      throw new InvalidPropsError(`AirbyteDataVolume ${this.node.path}: sizeGiB must be an integer from 20 to 16384, got ${sizeGiB}`);
    }
    // An EBS volume attaches only to instances in its own zone.
    const subnet = new DataAwsSubnet(this, 'subnet', { id: props.subnetId });
    const volume = new EbsVolume(this, 'volume', {
      availabilityZone: subnet.availabilityZone,
      size: sizeGiB,
      type: 'gp3',
      encrypted: true,
      kmsKeyId: props.kmsKeyArn,
      tags: { ...(props.tags ?? {}), Name: `${props.namePrefix}-airbyte-data` },
      lifecycle: { preventDestroy: props.retain ?? AIRBYTE_DATA_VOLUME_DEFAULTS.retain },
    });
    this.volumeId = volume.id;
    this.volumeArn = volume.arn;
  }
}
