import { EnvironmentConfig } from '../types';

/**
 * Development. Placeholder project/account values: `cdktf synth` needs no credentials; replace
 * them (or override in a private fork) before `cdktf deploy 'dev-*'`.
 */
export const dev: EnvironmentConfig = {
  name: 'dev',
  aws: { region: 'eu-west-1' },
  gcp: {
    projectId: 'example-data-dev',
    region: 'europe-west1',
    datasetId: 'cdc_dev',
    datasetLocation: 'EU',
  },
  // Shared state so CI and people see the same stacks; the bucket is the `nonprod` bootstrap
  // target's (config/bootstrap.ts). Ephemeral pr-<n> environments inherit it (own keys).
  // kmsKeyArn: the target's state key (bootstrap output state_kms_key_arn), placeholder here.
  backend: {
    type: 's3',
    bucket: 'example-terraform-state-dev',
    region: 'eu-west-1',
    kmsKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/00000000-0000-4000-8000-000000000001',
  },
  network: { mode: 'create', vpcCidr: '10.42.0.0/16' },
  host: { instanceType: 'm6i.xlarge' },
  database: {
    mode: 'create',
    databaseName: 'app',
    instanceClass: 'db.t4g.medium',
    // Ephemeral pr-<n> environments (dev's shape) start with an empty database: this creates the
    // watched tables there. dev itself ignores it.
    seedSqlFile: 'config/seed/dev.sql',
  },
  // Placeholder: replace with the team's address (it must confirm the subscription e-mail).
  alarms: { subscriptions: [{ protocol: 'email', endpoint: 'data-platform-alerts@example.com' }] },
  airbyte: {
    source: {
      replication: { method: 'cdc', initialWaitingSeconds: 300 },
    },
    streams: [
      { name: 'customers', primaryKey: [['id']] },
      { name: 'orders', primaryKey: [['id']] },
    ],
  },
  tags: { Project: 'cdc-bigquery', Owner: 'data-platform' },
};
