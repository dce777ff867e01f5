import { EnvironmentConfig } from '../../config';
import { dev } from '../../config/environments/dev';
import { prod } from '../../config/environments/prod';
import { HEARTBEAT_ACTION_QUERY } from '../../orchestrator/src/probe/heartbeat';
import { HEARTBEAT_SCHEMA, HEARTBEAT_TABLE } from '../../orchestrator/src/probe/source-preparation';
import { dataOf, onlyResource, synthEnvironment } from '../support/synth';

const devAirbyte = synthEnvironment(dev).airbyte;
const prodAirbyte = synthEnvironment(prod).airbyte;

describe('<env>-airbyte', () => {
  test('the Airbyte provider targets the local API and reads its credentials from the env secret', () => {
    const provider = devAirbyte.provider!.airbyte[0];
    expect(provider.server_url).toBe('http://localhost:8000/api/public/v1');
    // Provider 1.2.0 would resolve its default "/v1/applications/token" to http://localhost:8000/v1/... (404).
    expect(provider.token_url).toBe('http://localhost:8000/api/public/v1/applications/token');
    expect(provider.client_id).toBe('${jsondecode(data.aws_secretsmanager_secret_version.airbyte-api-credentials.secret_string).client_id}');
    expect(provider.client_secret).toBe('${jsondecode(data.aws_secretsmanager_secret_version.airbyte-api-credentials.secret_string).client_secret}');
    const secretRead = dataOf(devAirbyte, 'aws_secretsmanager_secret_version');
    expect(secretRead.map((d) => String(d.secret_id))).toEqual([
      expect.stringContaining('data.terraform_remote_state.cross-stack-reference-input-dev-aws.outputs'),
      expect.stringContaining('data.terraform_remote_state.cross-stack-reference-input-dev-aws.outputs'),
    ]);
    expect(devAirbyte.terraform!.required_providers).toMatchObject({ airbyte: { source: 'airbytehq/airbyte' } });
  });

  test('uses the generic source/destination resources with the connector definition ids', () => {
    const source = onlyResource(devAirbyte, 'airbyte_source');
    expect(source.definition_id).toBe('decd338e-5647-4c0b-adf4-da0e75f5a750');
    expect(onlyResource(devAirbyte, 'airbyte_destination').definition_id).toBe('22f6c74f-5699-40ff-833c-4a879ea40133');
    onlyResource(devAirbyte, 'airbyte_workspace');
  });

  test('the Postgres source is configured for CDC with the discriminators the connector expects', () => {
    const configuration = String(onlyResource(devAirbyte, 'airbyte_source').configuration);
    expect(configuration).toMatch(/^\$\{jsonencode\(\{/);
    expect(configuration).toContain('"replication_method" = {"method" = "CDC", "plugin" = "pgoutput", "replication_slot" = "airbyte_dev_slot", "publication" = "airbyte_dev_publication", "initial_waiting_seconds" = 300');
    expect(configuration).toContain('"invalid_cdc_cursor_position_behavior" = "Fail sync"');
    // The one heartbeat definition: the table prepare-source creates is the one this query writes.
    expect(HEARTBEAT_ACTION_QUERY).toContain(`INSERT INTO ${HEARTBEAT_SCHEMA}.${HEARTBEAT_TABLE} `);
    expect(configuration).toContain(`"heartbeat_action_query" = "${HEARTBEAT_ACTION_QUERY}"`);
    expect(configuration).toContain('"ssl_mode" = {"mode" = "require"}');
    expect(configuration).toContain('"tunnel_method" = {"tunnel_method" = "NO_TUNNEL"}');
    expect(configuration).toMatch(/"password" = jsondecode\(data\.aws_secretsmanager_secret_version\.source-db-credentials\.secret_string\)\.password/);
    expect(configuration).toMatch(/"host" = data\.terraform_remote_state\.cross-stack-reference-input-dev-aws\.outputs\./);
  });

  test('xmin replication is selectable per environment', () => {
    const xmin: EnvironmentConfig = { ...dev, airbyte: { ...dev.airbyte, source: { replication: { method: 'xmin' } } } };
    const configuration = String(onlyResource(synthEnvironment(xmin).airbyte, 'airbyte_source').configuration);
    expect(configuration).toContain('"replication_method" = {"method" = "Xmin"}');
    expect(configuration).not.toContain('replication_slot');
  });

  test('the BigQuery destination carries project, dataset, location, loading method and deletion mode', () => {
    const devDestination = String(onlyResource(devAirbyte, 'airbyte_destination').configuration);
    expect(devDestination).toContain('"project_id" = "example-data-dev", "dataset_id" = "cdc_dev", "dataset_location" = "EU"');
    expect(devDestination).toContain('"loading_method" = {"method" = "Standard"}');
    expect(devDestination).toContain('"cdc_deletion_mode" = "Hard delete"');
    expect(devDestination).toMatch(/"credentials_json" = base64decode\(data\.terraform_remote_state\.cross-stack-reference-input-dev-gcp\.outputs\./);
    const prodDestination = String(onlyResource(prodAirbyte, 'airbyte_destination').configuration);
    expect(prodDestination).toContain('"method" = "GCS Staging"');
    expect(prodDestination).toContain('"credential_type" = "HMAC_KEY"');
    expect(prodDestination).toContain('"keep_files_in_gcs-bucket" = "Delete all tmp files from GCS"');
    expect(prodDestination).toContain('"cdc_deletion_mode" = "Soft delete"');
  });

  test('the connection syncs the env streams, propagates columns and is manual when the orchestrator drives it', () => {
    const connection = onlyResource(devAirbyte, 'airbyte_connection');
    expect(connection.non_breaking_schema_updates_behavior).toBe('propagate_columns');
    expect(connection.schedule).toEqual({ schedule_type: 'manual' });
    expect((connection.configurations as { streams: unknown[] }).streams).toEqual([
      { name: 'customers', namespace: 'public', sync_mode: 'incremental_deduped_history', primary_key: [['id']] },
      { name: 'orders', namespace: 'public', sync_mode: 'incremental_deduped_history', primary_key: [['id']] },
    ]);
    const cron: EnvironmentConfig = { ...dev, airbyte: { ...dev.airbyte, schedule: { type: 'cron', cronExpression: '0 0/15 * * * ?' } } };
    expect(onlyResource(synthEnvironment(cron).airbyte, 'airbyte_connection').schedule).toEqual({
      schedule_type: 'cron', cron_expression: '0 0/15 * * * ?',
    });
  });

  test('publishes the connection id and watched tables for the orchestrator', () => {
    const parameter = onlyResource(devAirbyte, 'aws_ssm_parameter');
    expect(parameter.name).toBe('/dev/cdc/orchestrator-config');
    expect(parameter.type).toBe('String');
    expect(parameter.tier).toBe('Intelligent-Tiering');
    const value = String(parameter.value);
    expect(value).toMatch(/"connectionId" = airbyte_connection\.[^.]+\.connection_id/);
    expect(value).toContain('"version" = 1');
    expect(value).toContain(`"replicationSlot" = "airbyte_dev_slot", "publication" = "airbyte_dev_publication", "heartbeatActionQuery" = "${HEARTBEAT_ACTION_QUERY}"`);
    expect(value).toContain('"tables" = [{"schema" = "public", "table" = "customers"}, {"schema" = "public", "table" = "orders"}]');
    expect(value).not.toContain('freshnessTargetSeconds');
  });

  test('writes the freshness objective and cost cap of the environment into the document', () => {
    const objective: EnvironmentConfig = { ...dev, airbyte: { ...dev.airbyte, schedule: { type: 'orchestrator', freshnessTargetSeconds: 300, minSyncIntervalSeconds: 120 } } };
    const value = String(onlyResource(synthEnvironment(objective).airbyte, 'aws_ssm_parameter').value);
    expect(value).toContain('"freshnessTargetSeconds" = 300');
    expect(value).toContain('"minSyncIntervalSeconds" = 120');
  });
});

describe('<env>-airbyte: limits', () => {
  test('token_url follows an overridden server URL (a trailing slash included)', () => {
    const other: EnvironmentConfig = { ...dev, airbyte: { ...dev.airbyte, serverUrl: 'http://localhost:18000/api/public/v1/' } };
    const provider = synthEnvironment(other).airbyte.provider!.airbyte[0];
    expect(provider.token_url).toBe('http://localhost:18000/api/public/v1/applications/token');
  });

  test('a configuration too large for an SSM parameter fails synth with the table count and the limit', () => {
    const streams = Array.from({ length: 200 }, (_, i) => ({ name: `table_with_a_rather_long_name_${String(i).padStart(3, '0')}`, primaryKey: [['id']] }));
    const big: EnvironmentConfig = { ...dev, airbyte: { ...dev.airbyte, streams } };
    expect(() => synthEnvironment(big)).toThrow(/the orchestrator configuration for 200 tables \(airbyte\.streams\) is \d+ bytes, above the 8192-byte limit of an SSM parameter/);
    // 120 such tables are beyond the Standard tier's 4 KB but fit Intelligent-Tiering.
    const medium: EnvironmentConfig = { ...dev, airbyte: { ...dev.airbyte, streams: streams.slice(0, 120) } };
    expect(() => synthEnvironment(medium)).not.toThrow();
  });
});
