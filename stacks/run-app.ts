import { App, AppConfig, TerraformStack } from 'cdktf';
import { applyPolicyPack } from '../constructs/policy';
import { asUserError } from './synth-errors';
import { withoutTokenCreationStacks } from './token-creation-stacks';

/** Where the app writes: progress and warnings to `stdout`, errors to `stderr`. */
export interface AppOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_OUTPUT: AppOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export interface RunAppOptions {
  /**
   * Passed to `new App` (tests set `outdir`). Stack traces are off unless this turns them on: the
   * construct metadata's (cdktf's `stackTraces`) and the creation stack of every token
   * (stacks/token-creation-stacks.ts), both only ever shown in cdktf's own error messages.
   */
  readonly appConfig?: AppConfig;
  /** Default: the process's stdout and stderr. */
  readonly output?: AppOutput;
}

/** Adds the stacks to the app. */
export type DefineStacks = (app: App) => void;

/**
 * One synthesis of the cdktf app: `prepare` reads and validates the input (configuration,
 * selection variables) and returns what defines the stacks; only then is the App created, because
 * creating it already writes to the output directory, and a refused input should leave none. The
 * security policy pack checks every stack (constructs/policy/RULES.md), then cdktf writes the output.
 *
 * Progress and policy warnings go to stdout and only errors to stderr, because the cdktf CLI
 * shows each line the app writes to stderr as a red `[ERROR]`. A user error (any `UserError`, or
 * cdktf refusing error-level findings) ends as ONE message on stderr and exit code 1, never a
 * stack trace; anything else is a bug and is rethrown with its stack.
 *
 * Returns the exit code.
 */
export function runApp(prepare: () => DefineStacks, options: RunAppOptions = {}): number {
  const output = options.output ?? PROCESS_OUTPUT;
  const restoreTokenStacks = options.appConfig?.stackTraces ? () => undefined : withoutTokenCreationStacks();
  try {
    const define = prepare();
    const app = new App({ stackTraces: false, ...options.appConfig });
    define(app);
    // Under the cdktf CLI (which sets this variable) the CLI prints annotations itself.
    const underCli = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined;
    // Nothing changes the stacks between the policy's aspects and cdktf's write here, so the pack
    // checks the configuration cdktf writes and hands it over (one resolution of each stack fewer).
    const policy = applyPolicyPack(app, { print: underCli ? false : (line) => output.stdout(`${line}\n`), shareStackResolution: true });
    try {
      app.synth();
    } finally {
      policy.release();
    }
    const stackNames = app.node.children.filter(TerraformStack.isStack).map((stack) => stack.node.id);
    output.stdout(`synthesized ${stackNames.length} stacks: ${stackNames.join(', ')}\n`);
    return 0;
  } catch (error) {
    const userError = asUserError(error);
    if (userError === undefined) throw error;
    output.stderr(`error: ${userError.message}\n`);
    return 1;
  } finally {
    restoreTokenStacks();
  }
}
