import { ResolvedEnvironment } from '../config';
import { userDataForTerraform } from '../constructs/airbyte-host/user-data';

export interface HostUserDataInputs {
  readonly env: ResolvedEnvironment;
  readonly airbyteCredentialsSecretArn: string;
  readonly databaseSecretArn: string;
  readonly orchestratorConfigParameter: string;
  readonly assetBucket: string;
  readonly assetKey: string;
  readonly assetSha256: string;
}

/** abctl's low-resource mode is for hosts under Airbyte's recommended 4 vCPU / 16 GiB. */
export function needsLowResourceMode(env: ResolvedEnvironment): boolean {
  return env.host.vcpu < 4 || env.host.memoryGiB < 16;
}

/**
 * The host's boot script for this environment, escaped for Terraform JSON (values that are
 * Terraform references still resolve). Any change to it (a new bundle hash, a new abctl pin)
 * replaces the host, because the instance sets `user_data_replace_on_change`.
 */
export function buildHostUserData(inputs: HostUserDataInputs): string {
  return userDataForTerraform({
    region: inputs.env.aws.region,
    environment: inputs.env.name,
    abctlVersion: inputs.env.host.abctlVersion,
    airbytePort: inputs.env.host.airbytePort,
    lowResourceMode: needsLowResourceMode(inputs.env),
    airbyteCredentialsSecretArn: inputs.airbyteCredentialsSecretArn,
    databaseSecretArn: inputs.databaseSecretArn,
    orchestratorConfigParameter: inputs.orchestratorConfigParameter,
    assetBucket: inputs.assetBucket,
    assetKey: inputs.assetKey,
    assetSha256: inputs.assetSha256,
  });
}
