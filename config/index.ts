import { BIGQUERY_DESTINATION_DEFAULTS } from '../constructs/connector-configuration';
import { UserError } from '../constructs/user-error';
import { datasetSuffix, ephemeralDatasetId, isEphemeralEnvironmentName } from './naming';
import { dev } from './environments/dev';
import { prod } from './environments/prod';
import { EnvironmentConfig, ResolvedEnvironment } from './types';
import { validateEnvironment } from './validate';

export * from './types';
export { ConfigValidationError, validateEnvironment } from './validate';
export { EKS_KUBERNETES_VERSIONS, ENVIRONMENT_DEFAULTS, environmentSchema } from './schema';

/** The environments checked into the repository. */
export const CHECKED_IN_ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, prod];

/** Thrown for a bad selection variable (EPHEMERAL_ENV, ENVIRONMENTS). */
export class EnvironmentSelectionError extends UserError {}

/**
 * An ephemeral (pull-request) environment: dev's shape under another name, with
 * teardown-friendly settings and its own slot/publication/dataset so it never collides with dev.
 */
export function ephemeralEnvironment(name: string, base: EnvironmentConfig = dev, hosting?: 'ec2-abctl' | 'eks-helm'): EnvironmentConfig {
  if (!isEphemeralEnvironmentName(name)) {
    throw new EnvironmentSelectionError(
      `EPHEMERAL_ENV: ${JSON.stringify(name)} is not an ephemeral environment name; expected pr-<number> (e.g. pr-123) or test-<letters/digits>`,
    );
  }
  const suffix = datasetSuffix(name);
  const baseHosting = hosting === undefined || hosting === (base.hosting?.mode ?? 'ec2-abctl') ? base.hosting : hosting === 'eks-helm' ? { mode: 'eks-helm' as const } : { mode: 'ec2-abctl' as const };
  return {
    ...base,
    hosting:
      baseHosting?.mode === 'eks-helm'
        ? { ...baseHosting, configDatabase: { ...(baseHosting.configDatabase ?? {}), multiAz: false, backupRetentionDays: 1 } }
        : baseHosting,
    name,
    ephemeral: true,
    backend: base.backend,
    gcp: { ...base.gcp, datasetId: ephemeralDatasetId(name) },
    database: base.database.mode === 'create' ? { ...base.database, backupRetentionDays: 1, multiAz: false } : base.database,
    airbyte: {
      ...base.airbyte,
      // Its own raw-table dataset: a teardown then removes only this environment's raw tables.
      destination: {
        ...base.airbyte.destination,
        rawDataDataset: `${base.airbyte.destination?.rawDataDataset ?? BIGQUERY_DESTINATION_DEFAULTS.rawDataDataset}_${suffix}`,
      },
      source: {
        ...base.airbyte.source,
        replication:
          base.airbyte.source.replication?.method === 'cdc' || base.airbyte.source.replication === undefined
            ? { ...(base.airbyte.source.replication ?? { method: 'cdc' as const }), replicationSlot: undefined, publication: undefined }
            : base.airbyte.source.replication,
      },
    },
    tags: { ...(base.tags ?? {}), Ephemeral: 'true' },
  };
}

/**
 * The validated environments to synthesize, chosen by environment variables so no file is
 * edited for a test stack:
 * - EPHEMERAL_ENV=pr-123 adds an ephemeral environment (dev's shape; EPHEMERAL_HOSTING=eks-helm
 *   runs its Airbyte on EKS instead of one host);
 * - ENVIRONMENTS=dev,pr-123 restricts the output to those names (default: all).
 */
export function loadEnvironments(variables: NodeJS.ProcessEnv = process.env): ResolvedEnvironment[] {
  const configs = [...CHECKED_IN_ENVIRONMENTS];
  const ephemeralName = variables.EPHEMERAL_ENV?.trim();
  if (ephemeralName) {
    if (configs.some((c) => c.name === ephemeralName)) {
      throw new EnvironmentSelectionError(`EPHEMERAL_ENV: ${JSON.stringify(ephemeralName)} is a checked-in environment; expected a new name such as pr-123`);
    }
    const hosting = variables.EPHEMERAL_HOSTING?.trim() || undefined;
    if (hosting !== undefined && hosting !== 'ec2-abctl' && hosting !== 'eks-helm') {
      throw new EnvironmentSelectionError(`EPHEMERAL_HOSTING: ${JSON.stringify(hosting)} is not a hosting mode; expected ec2-abctl or eks-helm`);
    }
    configs.push(ephemeralEnvironment(ephemeralName, dev, hosting));
  }
  let selected = configs;
  const only = variables.ENVIRONMENTS?.trim();
  if (only) {
    const names = only.split(',').map((n) => n.trim()).filter(Boolean);
    const unknown = names.filter((n) => !configs.some((c) => c.name === n));
    if (unknown.length > 0) {
      throw new EnvironmentSelectionError(
        `ENVIRONMENTS: unknown environment(s) ${unknown.join(', ')}; expected some of: ${configs.map((c) => c.name).join(', ')}`,
      );
    }
    selected = configs.filter((c) => names.includes(c.name));
  }
  return selected.map((c) => validateEnvironment(c));
}

