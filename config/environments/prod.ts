import { EnvironmentConfig } from '../types';

/**
 * Production. Placeholder ids: replace the account id, VPC/subnet ids and project before the
 * first `cdktf deploy 'prod-*'`. Uses the existing network and an S3 state backend, and runs
 * Airbyte on EKS with its Helm chart (README, "Hosting modes").
 */
export const prod: EnvironmentConfig = {
  name: 'prod',
  aws: { region: 'eu-west-1', allowedAccountIds: ['111111111111'] },
  gcp: {
    projectId: 'example-data-prod',
    region: 'europe-west1',
    datasetId: 'cdc_prod',
    datasetLocation: 'EU',
    loadingMethod: 'gcs-staging',
  },
  backend: {
    type: 's3',
    bucket: 'example-terraform-state-prod',
    region: 'eu-west-1',
    kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000002',
  },
  network: {
    mode: 'existing',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    hostSubnetId: 'subnet-0a1b2c3d4e5f60001',
    databaseSubnetIds: ['subnet-0a1b2c3d4e5f60002', 'subnet-0a1b2c3d4e5f60003'],
  },
  hosting: {
    mode: 'eks-helm',
    clusterSubnetIds: ['subnet-0a1b2c3d4e5f60004', 'subnet-0a1b2c3d4e5f60005'],
    // The bootstrap stack's roles (config/bootstrap.ts, target prod): deploy applies every stack,
    // plan refreshes the kubernetes stack for pull-request diffs.
    clusterAdminRoleArns: ['arn:aws:iam::111111111111:role/cdc-github-deploy-prod'],
    clusterViewerRoleArns: ['arn:aws:iam::111111111111:role/cdc-github-plan'],
    servicesNodes: { instanceType: 'm6i.xlarge', minSize: 2, desiredSize: 3, maxSize: 4 },
    jobNodes: { instanceType: 'm6i.2xlarge', minSize: 1, desiredSize: 2, maxSize: 8 },
    configDatabase: { instanceClass: 'db.t4g.medium', multiAz: true, backupRetentionDays: 14 },
    scaling: { workerReplicas: 2, maxSyncWorkersPerWorker: 5, launcherReplicas: 2, launcherParallelism: 10 },
  },
  database: {
    mode: 'create',
    databaseName: 'app',
    instanceClass: 'db.m6g.large',
    allocatedStorageGiB: 200,
    maxAllocatedStorageGiB: 1000,
    backupRetentionDays: 14,
    multiAz: true,
    cdc: { maxSlotWalKeepSizeMb: 51200 },
  },
  // Placeholders: replace with the on-call address and the paging webhook (it must confirm SNS's
  // SubscriptionConfirmation request).
  alarms: {
    subscriptions: [
      { protocol: 'email', endpoint: 'data-platform-oncall@example.com' },
      { protocol: 'https', endpoint: 'https://events.pagerduty.example/integration/placeholder/enqueue' },
    ],
  },
  airbyte: {
    source: {
      replication: { method: 'cdc', initialWaitingSeconds: 600, invalidCdcCursorPositionBehavior: 'Fail sync' },
    },
    destination: { cdcDeletionMode: 'Soft delete' },
    streams: [
      { name: 'customers', primaryKey: [['id']] },
      { name: 'orders', primaryKey: [['id']] },
      { name: 'order_items', primaryKey: [['order_id'], ['line_no']] },
    ],
  },
  tags: { Project: 'cdc-bigquery', Owner: 'data-platform' },
};
