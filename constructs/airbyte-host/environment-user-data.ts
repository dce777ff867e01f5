import { HostUserDataProps, userDataForTerraform } from './user-data';

/**
 * The part of an environment's configuration the boot script reads. Written out here rather than
 * imported from config/ because constructs do not depend on the environment configuration; a
 * resolved environment (config/) fits it as is.
 */
export interface HostEnvironment {
  readonly name: string;
  readonly aws: { readonly region: string };
  readonly host: {
    readonly vcpu: number;
    readonly memoryGiB: number;
    readonly abctlVersion: string;
    readonly airbyteChartVersion: string;
    readonly dockerHubSecretArn?: string;
    readonly airbytePort: number;
  };
}

/** What the stack knows about the host beyond its environment: ARNs, names and the bundle. */
export type HostUserDataInputs = { readonly env: HostEnvironment } & Pick<
  HostUserDataProps,
  | 'airbyteCredentialsSecretArn'
  | 'databaseSecretArn'
  | 'alertWebhookSecretArn'
  | 'orchestratorConfigParameter'
  | 'releaseParameter'
  | 'preparationParameter'
  | 'dataVolumeId'
>;

/** abctl's low-resource mode is for hosts under Airbyte's recommended 4 vCPU / 16 GiB. */
export function needsLowResourceMode(env: HostEnvironment): boolean {
  return env.host.vcpu < 4 || env.host.memoryGiB < 16;
}

/**
 * The host's boot script for this environment, escaped for Terraform JSON (values that are
 * Terraform references still resolve). A change to it (a new abctl or chart pin, a new boot
 * script) replaces the host, because the instance sets `user_data_replace_on_change`; Airbyte's
 * state survives on the data volume. The orchestrator bundle is not part of it.
 */
export function buildHostUserData(inputs: HostUserDataInputs): string {
  const { env, ...locations } = inputs;
  return userDataForTerraform({
    region: env.aws.region,
    environment: env.name,
    abctlVersion: env.host.abctlVersion,
    airbyteChartVersion: env.host.airbyteChartVersion,
    dockerHubSecretArn: env.host.dockerHubSecretArn,
    airbytePort: env.host.airbytePort,
    lowResourceMode: needsLowResourceMode(env),
    ...locations,
  });
}
