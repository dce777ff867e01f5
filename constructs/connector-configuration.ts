import { Token } from 'cdktf';
import { UserError } from './user-error';

/**
 * Typed builders for the `configuration` JSON of the generic `airbyte_source` /
 * `airbyte_destination` resources (provider 1.2 takes it as a JSON string, so nothing checks it
 * before a sync runs). Each builder validates its input and returns the snake_case object with
 * the discriminators the connectors expect. Values may be cdktf tokens (host, password, keys);
 * checks that need a concrete value are skipped for tokens.
 */

/** Thrown when a connector configuration is invalid; names the field and what is allowed. */
export class ConnectorConfigurationError extends UserError {
  constructor(connector: string, field: string, message: string) {
    super(`${connector} configuration: ${field}: ${message}`);
  }
}

/** Dataset locations the Airbyte BigQuery destination (3.0.x) accepts for `dataset_location`. */
export const BIGQUERY_DATASET_LOCATIONS: readonly string[] = [
  'EU', 'US', 'africa-south1', 'asia-east1', 'asia-east2', 'asia-northeast1', 'asia-northeast2',
  'asia-northeast3', 'asia-south1', 'asia-south2', 'asia-southeast1', 'asia-southeast2',
  'australia-southeast1', 'australia-southeast2', 'europe-central2', 'europe-north1', 'europe-north2',
  'europe-southwest1', 'europe-west1', 'europe-west2', 'europe-west3', 'europe-west4', 'europe-west6',
  'europe-west8', 'europe-west9', 'europe-west10', 'europe-west12', 'me-central1', 'me-central2',
  'me-west1', 'northamerica-northeast1', 'northamerica-northeast2', 'northamerica-south1',
  'southamerica-east1', 'southamerica-west1', 'us-central1', 'us-east1', 'us-east4', 'us-east5',
  'us-south1', 'us-west1', 'us-west2', 'us-west3', 'us-west4',
];


export const POSTGRES_SOURCE_DEFINITION_ID = 'decd338e-5647-4c0b-adf4-da0e75f5a750';
export const BIGQUERY_DESTINATION_DEFINITION_ID = '22f6c74f-5699-40ff-833c-4a879ea40133';

export type PostgresSslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresCdcMethod {
  readonly method: 'CDC';
  readonly replicationSlot: string;
  readonly publication: string;
  /** 120–2400. @default 1200 (connector default) */
  readonly initialWaitingSeconds?: number;
  /** 4–24. @default 8 */
  readonly initialLoadTimeoutHours?: number;
  /** @default "Fail sync" */
  readonly invalidCdcCursorPositionBehavior?: 'Fail sync' | 'Re-sync data';
  /** @default "After loading Data in the destination" */
  readonly lsnCommitBehaviour?: 'While reading Data' | 'After loading Data in the destination';
  /** @default "" (no heartbeat) */
  readonly heartbeatActionQuery?: string;
}

export interface PostgresSourceInput {
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  readonly database: string;
  readonly username: string;
  /** A reference (token) to the password, never a literal in code. */
  readonly password: string;
  /** @default ["public"] */
  readonly schemas?: readonly string[];
  /** @default "require" */
  readonly sslMode?: PostgresSslMode;
  /** Required for verify-ca / verify-full. */
  readonly caCertificate?: string;
  readonly replication: PostgresCdcMethod | { readonly method: 'Xmin' } | { readonly method: 'Standard' };
}

const CONNECTOR_POSTGRES = 'Postgres source';
const CONNECTOR_BIGQUERY = 'BigQuery destination';
const SSL_MODES: readonly PostgresSslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

function concrete(value: unknown): boolean {
  return !(typeof value === 'string' && Token.isUnresolved(value)) && !(typeof value === 'number' && Token.isUnresolved(value));
}

function checkRange(connector: string, field: string, value: number, min: number, max: number): void {
  if (concrete(value) && (!Number.isInteger(value) || value < min || value > max)) {
    throw new ConnectorConfigurationError(connector, field, `${value} is out of range; expected an integer from ${min} to ${max}`);
  }
}

function checkOneOf<T>(connector: string, field: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw new ConnectorConfigurationError(connector, field, `${JSON.stringify(value)} is not allowed; expected one of: ${allowed.join(', ')}`);
  }
}

function checkRequired(connector: string, field: string, value: unknown): void {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    throw new ConnectorConfigurationError(connector, field, 'is required');
  }
}

/** What the Postgres source configuration sends when an input is omitted; the environment schema (config/schema.ts) takes its defaults from here. */
export const POSTGRES_SOURCE_DEFAULTS = {
  port: 5432,
  sslMode: 'require',
  schemas: ['public'],
  /** The connector's own default. */
  initialWaitingSeconds: 1200,
  initialLoadTimeoutHours: 8,
  invalidCdcCursorPositionBehavior: 'Fail sync',
  lsnCommitBehaviour: 'After loading Data in the destination',
} as const;

/** What the BigQuery destination configuration sends when an input is omitted; the environment schema takes its defaults from here. */
export const BIGQUERY_DESTINATION_DEFAULTS = {
  cdcDeletionMode: 'Hard delete',
  disableTypeDedupe: false,
  /** The connector's own default dataset for raw tables. */
  rawDataDataset: 'airbyte_internal',
  gcsBucketPath: 'airbyte-staging',
} as const;

/**
 * The Postgres source configuration. `tunnel_method`, `replication_method` and `ssl_mode` are
 * always sent explicitly: the 3.8 connector requires the first two and changes the SSL default,
 * so an explicit object behaves the same on 3.7 and 3.8.
 */
export function postgresSourceConfiguration(input: PostgresSourceInput): Record<string, unknown> {
  const c = CONNECTOR_POSTGRES;
  checkRequired(c, 'host', input.host);
  checkRequired(c, 'database', input.database);
  checkRequired(c, 'username', input.username);
  checkRequired(c, 'password', input.password);
  const port = input.port ?? POSTGRES_SOURCE_DEFAULTS.port;
  checkRange(c, 'port', port, 1, 65535);
  const sslMode = input.sslMode ?? POSTGRES_SOURCE_DEFAULTS.sslMode;
  checkOneOf(c, 'ssl_mode.mode', sslMode, SSL_MODES);
  const verifying = sslMode === 'verify-ca' || sslMode === 'verify-full';
  if (verifying) checkRequired(c, 'ssl_mode.ca_certificate', input.caCertificate);
  const schemas = input.schemas ?? POSTGRES_SOURCE_DEFAULTS.schemas;
  if (schemas.length === 0) throw new ConnectorConfigurationError(c, 'schemas', 'is empty; expected at least one schema');
  if (new Set(schemas).size !== schemas.length) throw new ConnectorConfigurationError(c, 'schemas', 'has duplicates; expected unique names');

  let replicationMethod: Record<string, unknown>;
  const replication = input.replication;
  if (replication.method === 'CDC') {
    checkRequired(c, 'replication_method.replication_slot', replication.replicationSlot);
    checkRequired(c, 'replication_method.publication', replication.publication);
    if (concrete(replication.replicationSlot) && /^rds/.test(replication.replicationSlot)) {
      throw new ConnectorConfigurationError(c, 'replication_method.replication_slot', `${JSON.stringify(replication.replicationSlot)} starts with "rds", which RDS reserves`);
    }
    const initialWaitingSeconds = replication.initialWaitingSeconds ?? POSTGRES_SOURCE_DEFAULTS.initialWaitingSeconds;
    checkRange(c, 'replication_method.initial_waiting_seconds', initialWaitingSeconds, 120, 2400);
    const initialLoadTimeoutHours = replication.initialLoadTimeoutHours ?? POSTGRES_SOURCE_DEFAULTS.initialLoadTimeoutHours;
    checkRange(c, 'replication_method.initial_load_timeout_hours', initialLoadTimeoutHours, 4, 24);
    const invalidBehavior = replication.invalidCdcCursorPositionBehavior ?? POSTGRES_SOURCE_DEFAULTS.invalidCdcCursorPositionBehavior;
    checkOneOf(c, 'replication_method.invalid_cdc_cursor_position_behavior', invalidBehavior, ['Fail sync', 'Re-sync data']);
    const lsnCommitBehaviour = replication.lsnCommitBehaviour ?? POSTGRES_SOURCE_DEFAULTS.lsnCommitBehaviour;
    checkOneOf(c, 'replication_method.lsn_commit_behaviour', lsnCommitBehaviour, ['While reading Data', 'After loading Data in the destination']);
    replicationMethod = {
      method: 'CDC',
      plugin: 'pgoutput',
      replication_slot: replication.replicationSlot,
      publication: replication.publication,
      initial_waiting_seconds: initialWaitingSeconds,
      initial_load_timeout_hours: initialLoadTimeoutHours,
      invalid_cdc_cursor_position_behavior: invalidBehavior,
      lsn_commit_behaviour: lsnCommitBehaviour,
      heartbeat_action_query: replication.heartbeatActionQuery ?? '',
    };
  } else if (replication.method === 'Xmin' || replication.method === 'Standard') {
    replicationMethod = { method: replication.method };
  } else {
    throw new ConnectorConfigurationError(c, 'replication_method.method', `${JSON.stringify((replication as { method: unknown }).method)} is not allowed; expected one of: CDC, Xmin, Standard`);
  }

  const sslObject: Record<string, unknown> = { mode: sslMode };
  if (verifying) sslObject.ca_certificate = input.caCertificate;
  return {
    host: input.host,
    port,
    database: input.database,
    username: input.username,
    password: input.password,
    schemas: [...schemas],
    ssl_mode: sslObject,
    replication_method: replicationMethod,
    tunnel_method: { tunnel_method: 'NO_TUNNEL' },
  };
}

export interface BigQueryGcsStaging {
  readonly bucketName: string;
  /** Folder inside the bucket. @default BIGQUERY_DESTINATION_DEFAULTS.gcsBucketPath */
  readonly bucketPath?: string;
  /** Sensitive reference. */
  readonly hmacAccessId: string;
  /** Sensitive reference. */
  readonly hmacSecret: string;
  /** @default false (delete staged files after each load) */
  readonly keepFiles?: boolean;
}

export interface BigQueryDestinationInput {
  readonly projectId: string;
  readonly datasetId: string;
  readonly datasetLocation: string;
  /** The service account key JSON itself (a reference), not a path. */
  readonly credentialsJson: string;
  /** @default standard inserts */
  readonly gcsStaging?: BigQueryGcsStaging;
  /** @default BIGQUERY_DESTINATION_DEFAULTS.cdcDeletionMode */
  readonly cdcDeletionMode?: 'Hard delete' | 'Soft delete';
  /** @default BIGQUERY_DESTINATION_DEFAULTS.disableTypeDedupe */
  readonly disableTypeDedupe?: boolean;
  /** @default BIGQUERY_DESTINATION_DEFAULTS.rawDataDataset */
  readonly rawDataDataset?: string;
}

/** The BigQuery destination configuration with its `loading_method` discriminator. */
export function bigQueryDestinationConfiguration(input: BigQueryDestinationInput): Record<string, unknown> {
  const c = CONNECTOR_BIGQUERY;
  checkRequired(c, 'project_id', input.projectId);
  checkRequired(c, 'dataset_id', input.datasetId);
  checkRequired(c, 'credentials_json', input.credentialsJson);
  if (concrete(input.datasetLocation)) checkOneOf(c, 'dataset_location', input.datasetLocation, BIGQUERY_DATASET_LOCATIONS);
  const cdcDeletionMode = input.cdcDeletionMode ?? BIGQUERY_DESTINATION_DEFAULTS.cdcDeletionMode;
  checkOneOf(c, 'cdc_deletion_mode', cdcDeletionMode, ['Hard delete', 'Soft delete']);

  let loadingMethod: Record<string, unknown> = { method: 'Standard' };
  if (input.gcsStaging) {
    const staging = input.gcsStaging;
    checkRequired(c, 'loading_method.gcs_bucket_name', staging.bucketName);
    checkRequired(c, 'loading_method.credential.hmac_key_access_id', staging.hmacAccessId);
    checkRequired(c, 'loading_method.credential.hmac_key_secret', staging.hmacSecret);
    loadingMethod = {
      method: 'GCS Staging',
      credential: { credential_type: 'HMAC_KEY', hmac_key_access_id: staging.hmacAccessId, hmac_key_secret: staging.hmacSecret },
      gcs_bucket_name: staging.bucketName,
      gcs_bucket_path: staging.bucketPath ?? BIGQUERY_DESTINATION_DEFAULTS.gcsBucketPath,
      // The connector's own key mixes "_" and "-"; it is spelled exactly as the spec has it.
      'keep_files_in_gcs-bucket': staging.keepFiles ? 'Keep all tmp files in GCS' : 'Delete all tmp files from GCS',
    };
  }
  return {
    project_id: input.projectId,
    dataset_id: input.datasetId,
    dataset_location: input.datasetLocation,
    credentials_json: input.credentialsJson,
    loading_method: loadingMethod,
    cdc_deletion_mode: cdcDeletionMode,
    disable_type_dedupe: input.disableTypeDedupe ?? BIGQUERY_DESTINATION_DEFAULTS.disableTypeDedupe,
    raw_data_dataset: input.rawDataDataset ?? BIGQUERY_DESTINATION_DEFAULTS.rawDataDataset,
  };
}
