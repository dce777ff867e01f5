import { ResolvedEnvironment } from '../config';

/**
 * What the deploy's "prepare the source" step works on, known from the configuration alone (so
 * before any Airbyte connection exists): the configured streams' tables and the CDC slot and
 * publication. The host reads it from its SSM parameter, the in-cluster Job from its environment;
 * both get it from here.
 */
export interface SourcePreparationPlan {
  readonly environment: string;
  /** `schema.table` of every configured stream, in order. */
  readonly tables: readonly string[];
  /** Empty when the source does not replicate with CDC (prepare-source then derives the names from the environment). */
  readonly replicationSlot: string;
  readonly publication: string;
}

export function sourcePreparationPlan(env: ResolvedEnvironment): SourcePreparationPlan {
  const cdc = env.airbyte.source.replication.method === 'cdc' ? env.airbyte.source.replication : undefined;
  return {
    environment: env.name,
    tables: env.airbyte.streams.map((s) => `${s.namespace}.${s.name}`),
    replicationSlot: cdc?.replicationSlot ?? '',
    publication: cdc?.publication ?? '',
  };
}
