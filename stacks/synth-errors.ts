import { UserError } from '../constructs/user-error';
import { PolicyFindingsError } from '../constructs/policy';

/**
 * The user error an error thrown during synth stands for: itself when it is one, the policy
 * findings when cdktf refused error annotations, otherwise undefined (a bug, which keeps its stack).
 */
export function asUserError(error: unknown): UserError | undefined {
  if (error instanceof UserError) return error;
  return PolicyFindingsError.fromSynthError(error);
}

/** The message to show for an error that is the user's to fix, or undefined for a bug. */
export function describeUserError(error: unknown): string | undefined {
  return asUserError(error)?.message;
}
