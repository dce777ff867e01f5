import { UserError } from './user-error';

/**
 * A construct was given props it cannot work with. The message names the construct path, the
 * prop and what is expected, so the app can print it without a stack trace.
 */
export class InvalidPropsError extends UserError {}
