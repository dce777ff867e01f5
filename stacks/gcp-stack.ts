import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { ResolvedEnvironment } from '../config';
import { BigQueryTarget } from '../constructs/bigquery-target';
import { configureBackend } from './backend';
import { stackName } from '../config/naming';

/** GCP labels allow only lowercase letters, digits, `-` and `_`. */
function toLabels(tags: Readonly<Record<string, string>>): Record<string, string> {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [clean(k), clean(v)]));
}

/**
 * `<env>-gcp`: the BigQuery dataset, Airbyte's service account with dataset-level write and
 * project-level job rights only, its key, and the optional GCS staging bucket + HMAC key.
 */
export class GcpStack extends TerraformStack {
  readonly env: ResolvedEnvironment;
  readonly target: BigQueryTarget;

  constructor(scope: Construct, env: ResolvedEnvironment) {
    const name = stackName(env.name, 'gcp');
    super(scope, name);
    this.env = env;
    configureBackend(this, env, name);
    const labels = toLabels({ environment: env.name, managed_by: 'cdktf', ...env.tags });
    new GoogleProvider(this, 'google', {
      project: env.gcp.projectId,
      region: env.gcp.region,
      defaultLabels: labels,
    });
    this.target = new BigQueryTarget(this, 'bigquery', {
      projectId: env.gcp.projectId,
      datasetId: env.gcp.datasetId,
      location: env.gcp.datasetLocation,
      rawDatasetId: env.airbyte.destination.rawDataDataset,
      serviceAccountId: env.gcp.serviceAccountId,
      deleteContentsOnDestroy: env.ephemeral,
      gcsStaging: env.gcp.loadingMethod === 'gcs-staging' ? { location: env.gcp.datasetLocation } : undefined,
    });
    new TerraformOutput(this, 'service_account_email', { value: this.target.serviceAccountEmail });
    new TerraformOutput(this, 'dataset_id', { value: this.target.datasetId });
    new TerraformOutput(this, 'raw_dataset_id', { value: this.target.rawDatasetId });
  }
}
