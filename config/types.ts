/**
 * The configuration types, all derived from the schema (config/schema.ts): `EnvironmentConfig` is
 * what an environment file is written as, `ResolvedEnvironment` what the stacks read after every
 * default is applied. The field reference is README's "Configuration reference" (`npm run docs`).
 */
export type {
  EnvironmentConfig,
  ResolvedCdc,
  ResolvedDatabase,
  ResolvedEksHosting,
  ResolvedEnvironment,
  ResolvedHosting,
  ResolvedNodeGroup,
  ResolvedStream,
} from './schema';
