import { ResolvedEnvironment } from '../config';

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

/** The host's boot script for this environment (placeholder until the host boot script lands). */
export function buildHostUserData(inputs: HostUserDataInputs): string {
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    `# abctl ${inputs.env.host.abctlVersion}, port ${inputs.env.host.airbytePort}, bundle sha256 ${inputs.assetSha256}`,
    'echo "host boot script not installed yet" >&2',
    '',
  ].join('\n');
}
