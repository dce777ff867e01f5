/**
 * cdktf records a complete stack trace (`Error.stackTraceLimit` raised to the maximum, then
 * formatted into strings) for every token it creates: each attribute reference, Lazy value and
 * dynamic block (`creationStack`, set through `captureStackTrace` of
 * cdktf/lib/tokens/private/stack-trace.js in tokens/private/intrinsic.js, tokens/lazy.js,
 * complex-computed-list.js, terraform-dynamic-block.js and terraform-dynamic-expression.js). The
 * trace is read only to decorate the message of a token that fails to resolve; a synth of dev +
 * prod creates about a thousand tokens, and capturing their traces was a tenth of its time. The
 * synthesized output does not depend on it.
 */

interface StackTraceModule {
  captureStackTrace: (below?: unknown) => string[];
}

const NO_TRACE = (): string[] => [];

/**
 * Makes cdktf skip the creation stack of the tokens it creates until the returned function is
 * called (which restores cdktf's own capture). Those modules call it through the module's exports
 * object on every use (`(0, stack_trace_1.captureStackTrace)()`), so replacing the export reaches
 * them all. If a cdktf release moves or renames that module, this does nothing: the app is then only
 * slower, never wrong.
 */
export function withoutTokenCreationStacks(): () => void {
  let module: StackTraceModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require('cdktf/lib/tokens/private/stack-trace') as StackTraceModule;
  } catch {
    return () => undefined;
  }
  const original = module.captureStackTrace;
  if (typeof original !== 'function' || original === NO_TRACE) return () => undefined;
  module.captureStackTrace = NO_TRACE;
  return () => {
    module.captureStackTrace = original;
  };
}
