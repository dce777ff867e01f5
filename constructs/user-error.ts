/**
 * Base of every error a user can cause and fix without reading our code: bad environment
 * configuration, a bad selection variable, construct props a construct cannot work with, policy
 * findings, values the host's user-data renderer refuses. The message alone says what is wrong
 * (object or field, what was given, what is expected), so the app prints it as one message and
 * never a stack trace. Anything else thrown during synth is a bug and keeps its stack.
 *
 * It lives with the constructs, not the config, because constructs must not depend on the
 * environment configuration; config, stacks and the app import it from here.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    // Subclasses keep their own name (ConfigValidationError, InvalidPropsError, ...) without
    // repeating this line.
    this.name = new.target.name;
  }
}

