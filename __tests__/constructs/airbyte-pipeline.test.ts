import { Token } from 'cdktf';
import { AirbytePipeline, AirbytePipelineProps, PipelineStream } from '../../constructs/airbyte-pipeline';
import { ConnectorConfigurationError } from '../../constructs/connector-configuration';
import { UserError } from '../../constructs/user-error';
import { expectPropsError, Json, single, synthConstruct } from '../support/construct';

const orders: PipelineStream = { namespace: 'public', name: 'orders', syncMode: 'incremental_deduped_history', primaryKey: [['id']] };
/** Only the required props: schedule and schema-change behaviour take their defaults. */
const base: AirbytePipelineProps = {
  workspaceName: 'cdc-test', namePrefix: 'cdc-test',
  source: {
    host: 'db.internal', database: 'app', username: 'airbyte', password: Token.asString({ Ref: 'password' }),
    replication: { method: 'CDC', replicationSlot: 'airbyte_test_slot', publication: 'airbyte_test_publication' },
  },
  destination: { projectId: 'p-123456', datasetId: 'cdc_test', datasetLocation: 'EU', credentialsJson: Token.asString({ Ref: 'key' }) },
  streams: [orders],
};

function synth(props: Partial<AirbytePipelineProps> = {}): Json {
  return synthConstruct((stack) => new AirbytePipeline(stack, 'pipeline', { ...base, ...props }));
}

describe('AirbytePipeline defaults (props omitted)', () => {
  test('a manual schedule (the orchestrator triggers syncs), new columns propagated, active, written to the destination\'s dataset', () => {
    expect(single(synth(), 'airbyte_connection')).toMatchObject({
      name: 'cdc-test-postgres-to-bigquery', schedule: { schedule_type: 'manual' }, non_breaking_schema_updates_behavior: 'propagate_columns',
      status: 'active', namespace_definition: 'destination',
    });
  });

  test('one workspace; the source and destination are named from the prefix and carry their configuration as Terraform-encoded JSON', () => {
    const json = synth();
    expect(single(json, 'airbyte_workspace').name).toBe('cdc-test');
    expect(single(json, 'airbyte_source').name).toBe('cdc-test-postgres');
    expect(single(json, 'airbyte_destination').name).toBe('cdc-test-bigquery');
    // Assembled by Terraform (jsonencode), so secret references stay references.
    expect(String(single(json, 'airbyte_source').configuration)).toMatch(/^\$\{jsonencode\(\{.*"replication_slot" = "airbyte_test_slot".*\}\)\}$/s);
    expect(String(single(json, 'airbyte_destination').configuration)).toMatch(/^\$\{jsonencode\(\{.*"dataset_id" = "cdc_test".*\}\)\}$/s);
  });

  test('streams keep their sync mode, cursor and primary key', () => {
    const streams: PipelineStream[] = [orders, { namespace: 'public', name: 'events', syncMode: 'full_refresh_overwrite' }];
    expect(single(synth({ streams }), 'airbyte_connection').configurations.streams).toEqual([
      { name: 'orders', namespace: 'public', sync_mode: 'incremental_deduped_history', primary_key: [['id']] },
      { name: 'events', namespace: 'public', sync_mode: 'full_refresh_overwrite' },
    ]);
  });
});

describe('AirbytePipeline props given', () => {
  test('a cron expression becomes Airbyte\'s own schedule; the schema-change behaviour is passed on', () => {
    expect(single(synth({ cronExpression: '0 0 * * * ?', nonBreakingSchemaUpdatesBehavior: 'ignore' }), 'airbyte_connection')).toMatchObject({
      schedule: { schedule_type: 'cron', cron_expression: '0 0 * * * ?' }, non_breaking_schema_updates_behavior: 'ignore',
    });
  });
});

describe('AirbytePipeline refuses props it cannot work with, naming the prop', () => {
  const where = 'AirbytePipeline test/pipeline';
  const standard = { ...base.source, replication: { method: 'Standard' as const } };
  test.each<[string, Partial<AirbytePipelineProps>, string]>([
    ['no streams', { streams: [] }, `${where}: streams is empty; expected at least one stream`],
    ['a deduped stream without a primary key', { streams: [{ ...orders, primaryKey: undefined }] }, `${where}: streams[0] (public.orders) uses incremental_deduped_history and needs a primaryKey`],
    ['an incremental stream without a cursor under Standard replication', { source: standard, streams: [{ namespace: 'public', name: 'events', syncMode: 'incremental_append' }] }, `${where}: streams[0] (public.events) is incremental with a user-defined cursor and needs cursorField`],
    ['an empty workspace name', { workspaceName: '' }, `${where}: workspaceName "" must be a non-empty name`],
    ['a blank name prefix', { namePrefix: ' ' }, `${where}: namePrefix " " must be a non-empty name`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => synth(props), message);
  });

  test('a connector configuration the connector would reject is a user error too', () => {
    const build = () => synth({ destination: { ...base.destination, datasetLocation: 'moon' } });
    expect(build).toThrow(ConnectorConfigurationError);
    expect(build).toThrow(UserError);
    expect(build).toThrow('BigQuery destination configuration: dataset_location: "moon" is not allowed');
  });
});
