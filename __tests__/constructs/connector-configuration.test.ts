import { Token } from 'cdktf';
import {
  bigQueryDestinationConfiguration,
  ConnectorConfigurationError,
  PostgresSourceInput,
  postgresSourceConfiguration,
} from '../../constructs/connector-configuration';

const source: PostgresSourceInput = {
  host: 'db.internal',
  database: 'app',
  username: 'airbyte',
  password: Token.asString({ Ref: 'password' }),
  replication: { method: 'CDC', replicationSlot: 'airbyte_slot', publication: 'airbyte_pub' },
};

describe('Postgres source configuration', () => {
  test('always carries tunnel_method, replication_method and ssl_mode explicitly', () => {
    const config = postgresSourceConfiguration(source);
    expect(config.tunnel_method).toEqual({ tunnel_method: 'NO_TUNNEL' });
    expect(config.ssl_mode).toEqual({ mode: 'require' });
    expect(config.replication_method).toMatchObject({
      method: 'CDC', plugin: 'pgoutput', replication_slot: 'airbyte_slot', publication: 'airbyte_pub', initial_waiting_seconds: 1200,
    });
    expect(config.port).toBe(5432);
    expect(config.schemas).toEqual(['public']);
  });

  test('CDC defaults: 1200 s initial wait, 8 h initial load, fail on an invalid cursor, commit LSN after loading, no heartbeat', () => {
    expect(postgresSourceConfiguration(source).replication_method).toEqual({
      method: 'CDC', plugin: 'pgoutput', replication_slot: 'airbyte_slot', publication: 'airbyte_pub', initial_waiting_seconds: 1200,
      initial_load_timeout_hours: 8, invalid_cdc_cursor_position_behavior: 'Fail sync', lsn_commit_behaviour: 'After loading Data in the destination',
      heartbeat_action_query: '',
    });
  });

  test('Xmin and Standard carry only their method', () => {
    expect(postgresSourceConfiguration({ ...source, replication: { method: 'Xmin' } }).replication_method).toEqual({ method: 'Xmin' });
    expect(postgresSourceConfiguration({ ...source, replication: { method: 'Standard' } }).replication_method).toEqual({ method: 'Standard' });
  });

  test('values only Terraform knows (tokens) are not range-checked', () => {
    expect(postgresSourceConfiguration({ ...source, port: Token.asNumber({ Ref: 'port' }) }).port).toEqual(expect.any(Number));
  });

  test('verify modes need a CA certificate', () => {
    expect(() => postgresSourceConfiguration({ ...source, sslMode: 'verify-full' })).toThrow(
      'Postgres source configuration: ssl_mode.ca_certificate: is required',
    );
    expect(postgresSourceConfiguration({ ...source, sslMode: 'verify-ca', caCertificate: 'PEM' }).ssl_mode).toEqual({ mode: 'verify-ca', ca_certificate: 'PEM' });
  });

  test.each([
    [{ initialWaitingSeconds: 60 }, 'replication_method.initial_waiting_seconds: 60 is out of range; expected an integer from 120 to 2400'],
    [{ initialLoadTimeoutHours: 30 }, 'replication_method.initial_load_timeout_hours: 30 is out of range; expected an integer from 4 to 24'],
    [{ replicationSlot: 'rds_slot' }, 'replication_method.replication_slot: "rds_slot" starts with "rds"'],
    [{ publication: '' }, 'replication_method.publication: is required'],
  ])('refuses CDC option %p', (override, message) => {
    const replication = { ...(source.replication as object), ...override } as PostgresSourceInput['replication'];
    expect(() => postgresSourceConfiguration({ ...source, replication })).toThrow(ConnectorConfigurationError);
    expect(() => postgresSourceConfiguration({ ...source, replication })).toThrow(message);
  });

  test.each([
    [{ database: '' }, 'Postgres source configuration: database: is required'],
    [{ username: ' ' }, 'Postgres source configuration: username: is required'],
    [{ password: '' }, 'Postgres source configuration: password: is required'],
    [{ schemas: [] }, 'Postgres source configuration: schemas: is empty; expected at least one schema'],
    [{ schemas: ['public', 'public'] }, 'Postgres source configuration: schemas: has duplicates; expected unique names'],
    [{ replication: { method: 'Logical' } as never }, 'Postgres source configuration: replication_method.method: "Logical" is not allowed; expected one of: CDC, Xmin, Standard'],
    [{ replication: { ...(source.replication as object), replicationSlot: '' } as never }, 'Postgres source configuration: replication_method.replication_slot: is required'],
    [{ replication: { ...(source.replication as object), invalidCdcCursorPositionBehavior: 'Ignore' } as never }, 'Postgres source configuration: replication_method.invalid_cdc_cursor_position_behavior: "Ignore" is not allowed; expected one of: Fail sync, Re-sync data'],
    [{ replication: { ...(source.replication as object), lsnCommitBehaviour: 'Never' } as never }, 'Postgres source configuration: replication_method.lsn_commit_behaviour: "Never" is not allowed; expected one of: While reading Data, After loading Data in the destination'],
  ])('refuses source input %p', (override, message) => {
    const build = () => postgresSourceConfiguration({ ...source, ...(override as Partial<PostgresSourceInput>) });
    expect(build).toThrow(ConnectorConfigurationError);
    expect(build).toThrow(message);
  });

  test('refuses a bad ssl mode, port, or missing host', () => {
    expect(() => postgresSourceConfiguration({ ...source, sslMode: 'sometimes' as never })).toThrow('ssl_mode.mode: "sometimes" is not allowed');
    expect(() => postgresSourceConfiguration({ ...source, port: 70000 })).toThrow('port: 70000 is out of range');
    expect(() => postgresSourceConfiguration({ ...source, host: '' })).toThrow('host: is required');
  });
});

describe('BigQuery destination configuration', () => {
  const base = { projectId: 'p-123456', datasetId: 'cdc', datasetLocation: 'EU', credentialsJson: Token.asString({ Ref: 'key' }) };

  test('standard inserts by default', () => {
    const config = bigQueryDestinationConfiguration(base);
    expect(config.loading_method).toEqual({ method: 'Standard' });
    expect(config.cdc_deletion_mode).toBe('Hard delete');
    expect(config.raw_data_dataset).toBe('airbyte_internal');
    expect(config.disable_type_dedupe).toBe(false);
  });

  test('a location only Terraform knows (token) is not checked', () => {
    expect(() => bigQueryDestinationConfiguration({ ...base, datasetLocation: Token.asString({ Ref: 'location' }) })).not.toThrow();
  });

  test('GCS staging carries the HMAC credential with its discriminator', () => {
    const config = bigQueryDestinationConfiguration({
      ...base,
      gcsStaging: { bucketName: 'b', hmacAccessId: Token.asString({ Ref: 'id' }), hmacSecret: Token.asString({ Ref: 's' }) },
    });
    expect(config.loading_method).toMatchObject({
      method: 'GCS Staging', gcs_bucket_name: 'b', gcs_bucket_path: 'airbyte-staging', 'keep_files_in_gcs-bucket': 'Delete all tmp files from GCS',
      credential: { credential_type: 'HMAC_KEY' },
    });
  });

  test.each([
    [{ projectId: '' }, 'BigQuery destination configuration: project_id: is required'],
    [{ datasetId: '' }, 'BigQuery destination configuration: dataset_id: is required'],
    [{ gcsStaging: { bucketName: '', hmacAccessId: 'id', hmacSecret: 's' } }, 'BigQuery destination configuration: loading_method.gcs_bucket_name: is required'],
    [{ gcsStaging: { bucketName: 'b', hmacAccessId: '', hmacSecret: 's' } }, 'BigQuery destination configuration: loading_method.credential.hmac_key_access_id: is required'],
    [{ gcsStaging: { bucketName: 'b', hmacAccessId: 'id', hmacSecret: '' } }, 'BigQuery destination configuration: loading_method.credential.hmac_key_secret: is required'],
  ])('refuses destination input %p', (override, message) => {
    const build = () => bigQueryDestinationConfiguration({ ...base, ...override });
    expect(build).toThrow(ConnectorConfigurationError);
    expect(build).toThrow(message);
  });

  test('refuses an unknown location and deletion mode', () => {
    expect(() => bigQueryDestinationConfiguration({ ...base, datasetLocation: 'moon' })).toThrow('BigQuery destination configuration: dataset_location: "moon" is not allowed');
    expect(() => bigQueryDestinationConfiguration({ ...base, cdcDeletionMode: 'Archive' as never })).toThrow('cdc_deletion_mode');
    expect(() => bigQueryDestinationConfiguration({ ...base, credentialsJson: '' })).toThrow('credentials_json: is required');
  });
});
