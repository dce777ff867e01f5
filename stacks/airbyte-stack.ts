import { Construct } from 'constructs';
import { Fn, TerraformOutput, TerraformStack } from 'cdktf';
import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { AirbyteProvider } from '../.gen/providers/airbyte/provider';
import { ResolvedEnvironment } from '../config';
import { AirbytePipeline } from '../constructs/airbyte-pipeline';
import type { OrchestratorConfigDocument } from '../orchestrator/src/config-document';
import { PostgresSourceInput } from '../constructs/connector-configuration';
import { InvalidPropsError } from '../constructs/errors';
import { AwsStack } from './aws-stack';
import { addEnvironmentAwsProvider } from './aws-provider';
import { configureBackend } from './backend';
import { GcpStack } from './gcp-stack';
import { airbyteNamePrefix, orchestratorConnectionName, stackName } from '../config/naming';

/** SSM's limit for a String parameter value in the Advanced tier (Intelligent-Tiering's ceiling). */
export const SSM_PARAMETER_MAX_BYTES = 8192;

/** The public API's token endpoint under a server URL such as http://localhost:8000/api/public/v1. */
export function airbyteTokenUrl(serverUrl: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/applications/token`;
}

/**
 * Fails synth when the orchestrator's document cannot fit its SSM parameter. Terraform fills in
 * the connection id (a UUID) at apply time, so a UUID stands in for it when measuring.
 */
function checkParameterSize(environment: string, document: OrchestratorConfigDocument): void {
  const uuid = '00000000-0000-0000-0000-000000000000';
  const measured = { ...document, connections: document.connections.map((c) => ({ ...c, connectionId: uuid })) };
  const bytes = Buffer.byteLength(JSON.stringify(measured), 'utf8');
  if (bytes > SSM_PARAMETER_MAX_BYTES) {
    const tables = document.connections.reduce((n, c) => n + (c.tables?.length ?? 0), 0);
    throw new InvalidPropsError(
      `environment "${environment}": the orchestrator configuration for ${tables} tables (airbyte.streams) is ${bytes} bytes, ` +
        `above the ${SSM_PARAMETER_MAX_BYTES}-byte limit of an SSM parameter (about ${Math.floor((tables * SSM_PARAMETER_MAX_BYTES) / bytes)} tables of these names fit); ` +
        'watch fewer tables in this environment',
    );
  }
}

/**
 * `<env>-airbyte`: the Airbyte workspace, Postgres source, BigQuery destination and connection,
 * configured through the Airbyte provider over the SSM tunnel, plus the SSM parameter that
 * tells the orchestrator which connection and tables to watch. Secrets come from the AWS
 * stack's secrets and the GCP stack's sensitive outputs, never from literals.
 */
export class AirbyteStack extends TerraformStack {
  readonly env: ResolvedEnvironment;
  readonly pipeline: AirbytePipeline;
  /** What the orchestrator reads (the connection id is a Terraform reference until apply). */
  readonly orchestratorConfig: OrchestratorConfigDocument;

  constructor(scope: Construct, env: ResolvedEnvironment, aws: AwsStack, gcp: GcpStack) {
    const name = stackName(env.name, 'airbyte');
    super(scope, name);
    this.env = env;
    configureBackend(this, env, name);
    this.addDependency(aws);
    this.addDependency(gcp);

    addEnvironmentAwsProvider(this, env, name);
    const apiCredentials = new DataAwsSecretsmanagerSecretVersion(this, 'airbyte-api-credentials', {
      secretId: aws.airbyteCredentialsSecretArn,
    });
    const apiCredentialsJson = Fn.jsondecode(apiCredentials.secretString);
    new AirbyteProvider(this, 'airbyte', {
      serverUrl: env.airbyte.serverUrl,
      // Provider 1.2.0 resolves its default token path "/v1/applications/token" against the server
      // URL, which drops "/api/public" (404 on a self-hosted server): give it the absolute URL.
      tokenUrl: airbyteTokenUrl(env.airbyte.serverUrl),
      clientId: Fn.lookup(apiCredentialsJson, 'client_id', ''),
      clientSecret: Fn.lookup(apiCredentialsJson, 'client_secret', ''),
    });

    const dbCredentials = new DataAwsSecretsmanagerSecretVersion(this, 'source-db-credentials', {
      secretId: aws.database.credentialsSecretArn,
    });
    const dbPassword = Fn.lookup(Fn.jsondecode(dbCredentials.secretString), 'password', '');

    const source = env.airbyte.source;
    let replication: PostgresSourceInput['replication'];
    if (source.replication.method === 'cdc') {
      const cdc = source.replication;
      replication = {
        method: 'CDC',
        replicationSlot: cdc.replicationSlot,
        publication: cdc.publication,
        initialWaitingSeconds: cdc.initialWaitingSeconds,
        initialLoadTimeoutHours: cdc.initialLoadTimeoutHours,
        invalidCdcCursorPositionBehavior: cdc.invalidCdcCursorPositionBehavior,
        lsnCommitBehaviour: cdc.lsnCommitBehaviour,
        heartbeatActionQuery: cdc.heartbeatActionQuery,
      };
    } else {
      replication = { method: source.replication.method === 'xmin' ? 'Xmin' : 'Standard' };
    }

    const target = gcp.target;
    this.pipeline = new AirbytePipeline(this, 'pipeline', {
      workspaceName: env.airbyte.workspaceName,
      namePrefix: airbyteNamePrefix(env.name),
      source: {
        host: aws.database.address,
        port: aws.database.port,
        database: aws.database.databaseName,
        username: aws.database.replicationUsername,
        password: dbPassword,
        schemas: source.schemas,
        sslMode: source.sslMode,
        caCertificate: source.caCertificate,
        replication,
      },
      destination: {
        projectId: env.gcp.projectId,
        datasetId: env.gcp.datasetId,
        datasetLocation: env.gcp.datasetLocation,
        credentialsJson: Fn.base64decode(target.serviceAccountKeyBase64),
        gcsStaging:
          target.stagingBucketName && target.hmacAccessId && target.hmacSecret
            ? { bucketName: target.stagingBucketName, hmacAccessId: target.hmacAccessId, hmacSecret: target.hmacSecret }
            : undefined,
        cdcDeletionMode: env.airbyte.destination.cdcDeletionMode,
        disableTypeDedupe: env.airbyte.destination.disableTypeDedupe,
        rawDataDataset: env.airbyte.destination.rawDataDataset,
      },
      streams: env.airbyte.streams.map((s) => ({
        namespace: s.namespace,
        name: s.name,
        syncMode: s.syncMode,
        cursorField: s.cursorField,
        primaryKey: s.primaryKey,
      })),
      cronExpression: env.airbyte.schedule.type === 'cron' ? env.airbyte.schedule.cronExpression : undefined,
    });

    const cdcNames =
      source.replication.method === 'cdc'
        ? { replicationSlot: source.replication.replicationSlot, publication: source.replication.publication, heartbeatActionQuery: source.replication.heartbeatActionQuery }
        : {};
    // The freshness objective and cost cap travel to the orchestrator only when the environment
    // sets them; otherwise the orchestrator's own defaults apply (one place for each default).
    const schedule = env.airbyte.schedule;
    const freshness =
      schedule.type === 'orchestrator'
        ? {
            ...(schedule.freshnessTargetSeconds !== undefined ? { freshnessTargetSeconds: schedule.freshnessTargetSeconds } : {}),
            ...(schedule.minSyncIntervalSeconds !== undefined ? { minSyncIntervalSeconds: schedule.minSyncIntervalSeconds } : {}),
          }
        : {};
    this.orchestratorConfig = {
      version: 1,
      // prepare-source / retire-source / the WAL guard act on the same slot and publication
      // the Airbyte source reads.
      ...cdcNames,
      connections: [
        {
          connectionId: this.pipeline.connectionId,
          name: orchestratorConnectionName(env.name),
          tables: env.airbyte.streams.map((s) => ({
            schema: s.namespace,
            table: s.name,
            ...(s.cursorField && s.cursorField.length === 1 ? { cursorColumn: s.cursorField[0] } : {}),
          })),
          ...freshness,
        },
      ],
    };
    checkParameterSize(env.name, this.orchestratorConfig);
    new SsmParameter(this, 'orchestrator-config', {
      name: aws.orchestratorConfigParameterName,
      description: 'Connections and tables the orchestrator watches (written by the Airbyte stack)',
      type: 'String',
      // Standard parameters hold 4 KB (about 90 tables); Intelligent-Tiering moves to Advanced
      // (8 KB) only when the value needs it.
      tier: 'Intelligent-Tiering',
      value: Fn.jsonencode(this.orchestratorConfig),
    });

    new TerraformOutput(this, 'connection_id', { value: this.pipeline.connectionId });
    new TerraformOutput(this, 'source_id', { value: this.pipeline.sourceId });
    new TerraformOutput(this, 'workspace_id', { value: this.pipeline.workspaceId });
  }
}
