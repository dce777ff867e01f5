import { InvalidPropsError } from './errors';
import { checkInteger, checkPattern } from './prop-checks';
import { Construct } from 'constructs';
import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset';
import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountKey } from '@cdktf/provider-google/lib/service-account-key';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { StorageHmacKey } from '@cdktf/provider-google/lib/storage-hmac-key';

/** The only project-level roles a BigQueryTarget grants (the bootstrap stack lets deploys grant no other). */
export const BIGQUERY_TARGET_PROJECT_ROLES: readonly string[] = ['roles/bigquery.jobUser'];

export interface GcsStagingProps {
  /** Bucket location (region or multi-region), usually the dataset's. */
  readonly location: string;
  /** Days staged files live before GCS deletes them (Airbyte deletes them itself on success). @default 2 */
  readonly retentionDays?: number;
}

export interface BigQueryTargetProps {
  readonly projectId: string;
  readonly datasetId: string;
  /** Dataset location, e.g. "EU". */
  readonly location: string;
  /** Service account id (6–30 chars). */
  readonly serviceAccountId: string;
  /** Let destroy delete the dataset/bucket with their contents (ephemeral environments). @default false */
  readonly deleteContentsOnDestroy?: boolean;
  /**
   * Dataset for Airbyte's raw tables (the destination's `raw_data_dataset`), created here in the
   * same location with dataEditor for the service account. The connector would otherwise create
   * it on the first sync, which needs project-level bigquery.datasets.create.
   */
  readonly rawDatasetId: string;
  /** Add a GCS staging bucket and an HMAC key for Airbyte's "GCS Staging" loading. @default no staging */
  readonly gcsStaging?: GcsStagingProps;
  /** @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * The BigQuery side: a dataset, a dedicated service account with dataset-level dataEditor and
 * project-level jobUser only, a key for Airbyte (exposed as a sensitive value), and optionally
 * a private staging bucket with an HMAC key.
 */
export class BigQueryTarget extends Construct {
  readonly datasetId: string;
  readonly rawDatasetId: string;
  readonly serviceAccountEmail: string;
  /** Base64 JSON key of the service account (sensitive). */
  readonly serviceAccountKeyBase64: string;
  readonly stagingBucketName?: string;
  /** Sensitive. */
  readonly hmacAccessId?: string;
  /** Sensitive. */
  readonly hmacSecret?: string;

  constructor(scope: Construct, id: string, props: BigQueryTargetProps) {
    super(scope, id);
    const where = `BigQueryTarget ${this.node.path}`;
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(props.serviceAccountId)) {
      throw new InvalidPropsError(`${where}: serviceAccountId ${JSON.stringify(props.serviceAccountId)} must be 6–30 lowercase letters, digits or hyphens, starting with a letter`);
    }
    checkPattern(where, 'datasetId', props.datasetId, /^[A-Za-z0-9_]{1,1024}$/, 'a dataset id (letters, digits, _)');
    if (!/^[A-Za-z0-9_]{1,1024}$/.test(props.rawDatasetId) || props.rawDatasetId === props.datasetId) {
      throw new InvalidPropsError(`${where}: rawDatasetId ${JSON.stringify(props.rawDatasetId)} must be a dataset id (letters, digits, _) other than datasetId`);
    }
    checkInteger(where, 'gcsStaging.retentionDays', props.gcsStaging?.retentionDays, 1);
    const deleteContents = props.deleteContentsOnDestroy ?? false;
    const dataset = new BigqueryDataset(this, 'dataset', {
      project: props.projectId,
      datasetId: props.datasetId,
      location: props.location,
      description: 'Replicated from the CDC source by Airbyte',
      deleteContentsOnDestroy: deleteContents,
      labels: props.labels,
    });
    this.datasetId = dataset.datasetId;
    const rawDataset = new BigqueryDataset(this, 'raw-dataset', {
      project: props.projectId,
      datasetId: props.rawDatasetId,
      location: props.location,
      description: "Airbyte's raw tables (raw_data_dataset) for the replicated dataset",
      deleteContentsOnDestroy: deleteContents,
      labels: props.labels,
    });
    this.rawDatasetId = rawDataset.datasetId;

    const account = new ServiceAccount(this, 'service-account', {
      project: props.projectId,
      accountId: props.serviceAccountId,
      displayName: `Airbyte BigQuery writer (${props.datasetId})`,
    });
    this.serviceAccountEmail = account.email;
    const member = `serviceAccount:${account.email}`;
    new BigqueryDatasetIamMember(this, 'dataset-editor', {
      project: props.projectId,
      datasetId: dataset.datasetId,
      role: 'roles/bigquery.dataEditor',
      member,
    });
    new BigqueryDatasetIamMember(this, 'raw-dataset-editor', {
      project: props.projectId,
      datasetId: rawDataset.datasetId,
      role: 'roles/bigquery.dataEditor',
      member,
    });
    // Load/query jobs are project-scoped: jobUser lets the account run jobs, not read other data.
    new ProjectIamMember(this, 'job-user', { project: props.projectId, role: BIGQUERY_TARGET_PROJECT_ROLES[0], member });
    const key = new ServiceAccountKey(this, 'key', { serviceAccountId: account.name });
    this.serviceAccountKeyBase64 = key.privateKey;

    if (props.gcsStaging) {
      const bucket = new StorageBucket(this, 'staging', {
        project: props.projectId,
        name: `${props.projectId}-${props.datasetId.replace(/_/g, '-')}-staging`.slice(0, 63),
        location: props.gcsStaging.location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        forceDestroy: deleteContents,
        lifecycleRule: [{ action: { type: 'Delete' }, condition: { age: props.gcsStaging.retentionDays ?? 2 } }],
        labels: props.labels,
      });
      new StorageBucketIamMember(this, 'staging-writer', { bucket: bucket.name, role: 'roles/storage.objectAdmin', member });
      const hmac = new StorageHmacKey(this, 'staging-hmac', { project: props.projectId, serviceAccountEmail: account.email });
      this.stagingBucketName = bucket.name;
      this.hmacAccessId = hmac.accessId;
      this.hmacSecret = hmac.secret;
    }
  }
}
