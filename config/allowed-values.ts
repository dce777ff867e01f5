/** AWS commercial regions the stack may be deployed to. */
export const AWS_REGIONS: readonly string[] = [
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
  'ap-southeast-5', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2',
  'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1',
  'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1',
  'us-west-2',
];

/** Dataset locations the Airbyte BigQuery destination accepts (a connector fact, kept with the connector code). */
export { BIGQUERY_DATASET_LOCATIONS as BIGQUERY_LOCATIONS } from '../constructs/connector-configuration';

/**
 * vCPU and memory of the instance types we know, so the stack can decide on abctl's
 * low-resource mode (for hosts under 4 vCPU / 16 GiB). Unknown types are refused rather than
 * guessed.
 */
export const INSTANCE_TYPE_SIZES: Readonly<Record<string, { readonly vcpu: number; readonly memoryGiB: number }>> = {
  't3.large': { vcpu: 2, memoryGiB: 8 },
  't3.xlarge': { vcpu: 4, memoryGiB: 16 },
  't3.2xlarge': { vcpu: 8, memoryGiB: 32 },
  't3a.large': { vcpu: 2, memoryGiB: 8 },
  't3a.xlarge': { vcpu: 4, memoryGiB: 16 },
  't3a.2xlarge': { vcpu: 8, memoryGiB: 32 },
  'm5.large': { vcpu: 2, memoryGiB: 8 },
  'm5.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm5.2xlarge': { vcpu: 8, memoryGiB: 32 },
  'm6i.large': { vcpu: 2, memoryGiB: 8 },
  'm6i.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm6i.2xlarge': { vcpu: 8, memoryGiB: 32 },
  'm6a.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm6a.2xlarge': { vcpu: 8, memoryGiB: 32 },
  'm7i.large': { vcpu: 2, memoryGiB: 8 },
  'm7i.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm7i.2xlarge': { vcpu: 8, memoryGiB: 32 },
  'r6i.large': { vcpu: 2, memoryGiB: 16 },
  'r6i.xlarge': { vcpu: 4, memoryGiB: 32 },
};
