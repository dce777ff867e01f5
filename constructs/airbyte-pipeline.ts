import { InvalidPropsError } from './errors';
import { checkPattern } from './prop-checks';
import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { Connection } from '../.gen/providers/airbyte/connection';
import { Destination } from '../.gen/providers/airbyte/destination';
import { Source } from '../.gen/providers/airbyte/source';
import { Workspace } from '../.gen/providers/airbyte/workspace';
import {
  BIGQUERY_DESTINATION_DEFINITION_ID,
  BigQueryDestinationInput,
  bigQueryDestinationConfiguration,
  POSTGRES_SOURCE_DEFINITION_ID,
  PostgresSourceInput,
  postgresSourceConfiguration,
} from './connector-configuration';

export type PipelineSyncMode = 'full_refresh_overwrite' | 'full_refresh_append' | 'incremental_append' | 'incremental_deduped_history';

export interface PipelineStream {
  /** Source schema. */
  readonly namespace: string;
  readonly name: string;
  readonly syncMode: PipelineSyncMode;
  readonly cursorField?: readonly string[];
  readonly primaryKey?: ReadonlyArray<readonly string[]>;
}

export interface AirbytePipelineProps {
  /** Name of the workspace created for this pipeline. */
  readonly workspaceName: string;
  /** Prefix of the source, destination and connection names. */
  readonly namePrefix: string;
  readonly source: PostgresSourceInput;
  readonly destination: BigQueryDestinationInput;
  /** Streams (tables) the connection syncs; at least one. */
  readonly streams: readonly PipelineStream[];
  /**
   * Quartz cron expression for Airbyte's own schedule; leave unset when an external orchestrator
   * triggers syncs (schedule `manual`).
   * @default manual
   */
  readonly cronExpression?: string;
  /**
   * What Airbyte does with non-breaking schema changes.
   * @default "propagate_columns"
   */
  readonly nonBreakingSchemaUpdatesBehavior?: 'ignore' | 'disable_connection' | 'propagate_columns' | 'propagate_fully';
}

/**
 * The Airbyte objects of one pipeline: a workspace, the Postgres source and BigQuery
 * destination (typed, validated configuration rendered to the JSON the generic resources
 * take, with secrets as Terraform references), and the connection between them.
 */
export class AirbytePipeline extends Construct {
  readonly workspaceId: string;
  readonly sourceId: string;
  readonly destinationId: string;
  readonly connectionId: string;

  constructor(scope: Construct, id: string, props: AirbytePipelineProps) {
    super(scope, id);
    const where = `AirbytePipeline ${this.node.path}`;
    checkPattern(where, 'workspaceName', props.workspaceName, /\S/, 'a non-empty name');
    checkPattern(where, 'namePrefix', props.namePrefix, /\S/, 'a non-empty name');
    if (props.streams.length === 0) throw new InvalidPropsError(`${where}: streams is empty; expected at least one stream`);
    props.streams.forEach((stream, i) => {
      if (stream.syncMode === 'incremental_deduped_history' && (!stream.primaryKey || stream.primaryKey.length === 0)) {
        throw new InvalidPropsError(`${where}: streams[${i}] (${stream.namespace}.${stream.name}) uses incremental_deduped_history and needs a primaryKey`);
      }
      if (props.source.replication.method === 'Standard' && stream.syncMode.startsWith('incremental') && !stream.cursorField) {
        throw new InvalidPropsError(`${where}: streams[${i}] (${stream.namespace}.${stream.name}) is incremental with a user-defined cursor and needs cursorField`);
      }
    });
    const sourceConfiguration = postgresSourceConfiguration(props.source);
    const destinationConfiguration = bigQueryDestinationConfiguration(props.destination);

    const workspace = new Workspace(this, 'workspace', { name: props.workspaceName });
    this.workspaceId = workspace.workspaceId;
    const source = new Source(this, 'source', {
      name: `${props.namePrefix}-postgres`,
      workspaceId: workspace.workspaceId,
      definitionId: POSTGRES_SOURCE_DEFINITION_ID,
      // jsonencode in Terraform keeps secret references as references: the JSON is only ever
      // assembled by Terraform, and the attribute is sensitive in the provider schema.
      configuration: Fn.jsonencode(sourceConfiguration),
    });
    this.sourceId = source.sourceId;
    const destination = new Destination(this, 'destination', {
      name: `${props.namePrefix}-bigquery`,
      workspaceId: workspace.workspaceId,
      definitionId: BIGQUERY_DESTINATION_DEFINITION_ID,
      configuration: Fn.jsonencode(destinationConfiguration),
    });
    this.destinationId = destination.destinationId;

    const connection = new Connection(this, 'connection', {
      name: `${props.namePrefix}-postgres-to-bigquery`,
      sourceId: source.sourceId,
      destinationId: destination.destinationId,
      namespaceDefinition: 'destination',
      nonBreakingSchemaUpdatesBehavior: props.nonBreakingSchemaUpdatesBehavior ?? 'propagate_columns',
      status: 'active',
      schedule: props.cronExpression
        ? { scheduleType: 'cron', cronExpression: props.cronExpression }
        : { scheduleType: 'manual' },
      configurations: {
        streams: props.streams.map((stream) => ({
          name: stream.name,
          namespace: stream.namespace,
          syncMode: stream.syncMode,
          cursorField: stream.cursorField ? [...stream.cursorField] : undefined,
          primaryKey: stream.primaryKey ? stream.primaryKey.map((path) => [...path]) : undefined,
        })),
      },
    });
    this.connectionId = connection.connectionId;
  }
}
