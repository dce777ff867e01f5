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

  test('refuses an unknown location and deletion mode', () => {
    expect(() => bigQueryDestinationConfiguration({ ...base, datasetLocation: 'moon' })).toThrow('BigQuery destination configuration: dataset_location: "moon" is not allowed');
    expect(() => bigQueryDestinationConfiguration({ ...base, cdcDeletionMode: 'Archive' as never })).toThrow('cdc_deletion_mode');
    expect(() => bigQueryDestinationConfiguration({ ...base, credentialsJson: '' })).toThrow('credentials_json: is required');
  });
});
