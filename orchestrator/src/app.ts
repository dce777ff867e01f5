// The orchestrator's command line (commander): one subcommand per module under commands/. `main`
// returns the exit code instead of exiting, so tests run it in-process.
import { Command, CommanderError, Option } from 'commander';
import { version as PACKAGE_VERSION } from '../../package.json';
import { LogFormat, LogFormatError, createLogger, resolveLogFormat } from './ops/logger';
import { COMMON_VARIABLES, CommandContext, CommandReference, EXIT_BAD_CONFIGURATION, EXIT_OK, MainOptions, USAGE_EXIT } from './commands/context';
import { MIGRATE, migrateCommand } from './commands/migrate';
import { ONCE, onceCommand } from './commands/once';
import { PREPARE_SOURCE, prepareSourceCommand } from './commands/prepare-source';
import { RETIRE_SOURCE, retireSourceCommand } from './commands/retire-source';
import { RUN, runCommand } from './commands/run';
import { STATUS, statusCommand } from './commands/status';

export { EXIT_BAD_CONFIGURATION, EXIT_FAILED, EXIT_OK, sharesServer } from './commands/context';
export type { MainOptions } from './commands/context';

/** Embedded by the bundler from package.json, so `--version` needs no file at run time. */
export const VERSION: string = PACKAGE_VERSION;

const PROGRAM = 'orchestrator';

interface CommandSpec {
  readonly name: string;
  readonly reference: CommandReference;
  readonly options: ReadonlyArray<readonly [flags: string, description: string]>;
  readonly action: (context: CommandContext, flags: Record<string, unknown>) => Promise<number>;
}

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  { name: 'migrate', reference: MIGRATE, options: [], action: (context) => migrateCommand(context) },
  { name: 'once', reference: ONCE, options: [], action: (context) => onceCommand(context) },
  { name: 'run', reference: RUN, options: [], action: (context) => runCommand(context) },
  { name: 'status', reference: STATUS, options: [['--json', 'print the status page\'s model as JSON (with the per-table rows as "tables")']], action: (context, flags) => statusCommand(context, { json: flags.json === true }) },
  {
    name: 'prepare-source',
    reference: PREPARE_SOURCE,
    options: [['--recreate-lost-slot', 'drop and recreate a slot whose WAL was removed (wal_status = lost); Airbyte must then resync (reset the connection)']],
    action: (context, flags) => prepareSourceCommand(context, { recreateLostSlot: flags.recreateLostSlot === true }),
  },
  { name: 'retire-source', reference: RETIRE_SOURCE, options: [['--confirm', 'really drop them (without it nothing is dropped: exit 2)']], action: (context, flags) => retireSourceCommand(context, { confirm: flags.confirm === true }) },
];

const PROGRAM_DESCRIPTION =
  'Watches the source PostgreSQL for committed changes and triggers Airbyte syncs only when there is something to sync, keeping its state in PostgreSQL.';

/** The text after a command's options in its --help: variables and exit codes. */
export function commandHelpFooter(reference: CommandReference): string {
  const variables = [...reference.variables.filter((name, index) => reference.variables.indexOf(name) === index), ...COMMON_VARIABLES.filter((name) => !reference.variables.includes(name))];
  const codes = [...reference.exitCodes, USAGE_EXIT].filter(([code, meaning], index, all) => all.findIndex(([other, otherMeaning]) => other === code && otherMeaning === meaning) === index);
  return [
    '',
    'Environment variables (meanings and defaults: .env.example, orchestrator/README.md):',
    ...wrapList(variables),
    '',
    'Exit codes:',
    ...codes.map(([code, meaning]) => `  ${code}  ${meaning}`),
  ].join('\n');
}

function programHelpFooter(): string {
  return [
    '',
    `Run '${PROGRAM} help <command>' for a command's environment variables and exit codes.`,
    '',
    'Logs go to stderr: JSON lines, or readable lines when stderr is a terminal; LOG_FORMAT=json|text overrides.',
    'Passwords in URLs, tokens and the client secret are scrubbed.',
    '',
    'Exit codes:',
    '  0  ok (--help, --version)',
    '  1  the command failed (see the command\'s help)',
    `  ${USAGE_EXIT[0]}  bad configuration, or a ${USAGE_EXIT[1]}`,
  ].join('\n');
}

function wrapList(names: readonly string[], width = 96): string[] {
  const lines: string[] = [];
  let line = ' ';
  for (const name of names) {
    if (line.length + name.length + 1 > width && line.trim() !== '') {
      lines.push(line);
      line = ' ';
    }
    line += ` ${name}`;
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

/**
 * The program. `run` receives the chosen command's exit code; commander's own outcomes (help,
 * version, usage errors) come out as CommanderError (exitOverride) with the message in `errors`.
 */
export function buildProgram(io: { stdout: (text: string) => void; stderr: (text: string) => void }, run: (spec: CommandSpec, flags: Record<string, unknown>) => Promise<void>): { program: Command; errors: string[] } {
  const errors: string[] = [];
  const program = new Command(PROGRAM)
    .description(PROGRAM_DESCRIPTION)
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .helpCommand('help [command]', 'print the help of a command')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      // Only help shown because of an error goes here (`help <unknown>`): main reports that as a
      // usage error in the log format instead, so stderr stays one record.
      writeErr: () => undefined,
      // Usage errors are reported by main in the chosen log format, not written here.
      outputError: (message) => errors.push(message.replace(/^error: /, '').trim()),
    })
    .addHelpText('after', programHelpFooter());
  for (const spec of COMMANDS) {
    const command = program.command(spec.name).summary(spec.reference.summary).description(spec.reference.summary).helpOption('-h, --help', 'print this help');
    for (const [flags, description] of spec.options) command.addOption(new Option(flags, description));
    command.addHelpText('after', commandHelpFooter(spec.reference));
    command.action((flags: Record<string, unknown>) => run(spec, flags));
  }
  return { program, errors };
}

export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  const terminal = options.stderrIsTerminal ?? false;

  let logFormat: LogFormat;
  try {
    logFormat = resolveLogFormat(env.LOG_FORMAT, terminal);
  } catch (error) {
    if (!(error instanceof LogFormatError)) throw error;
    // The format itself is what is wrong: say it the way the place it goes to reads best.
    createLogger({ write: stderr, format: terminal ? 'text' : 'json' }).error(`configuration error: ${error.message}`, { variable: error.variable });
    return EXIT_BAD_CONFIGURATION;
  }
  const usageError = (message: string): number => {
    const helpFor = COMMANDS.some((spec) => spec.name === argv[0]) ? `${PROGRAM} help ${argv[0]}` : `${PROGRAM} --help`;
    const line = `${message.replace(/\s*\n\s*/g, ' ')} (see '${helpFor}')`;
    createLogger({ write: stderr, format: logFormat }).error(line, logFormat === 'json' ? { argv: [...argv] } : undefined);
    return EXIT_BAD_CONFIGURATION;
  };
  if (argv.length === 0) return usageError('a command is required');

  const context: CommandContext = { env, stdout, stderr, signal: options.signal, readFile: options.readFile, onHttpListening: options.onHttpListening, logFormat };
  let code: number = EXIT_OK;
  const { program, errors } = buildProgram({ stdout, stderr }, async (spec, flags) => {
    code = await spec.action(context, flags);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help, --version and `help` end here too, successfully.
    if (error.exitCode === 0) return EXIT_OK;
    if (error.code === 'commander.help') return usageError(argv[0] === 'help' && argv[1] !== undefined ? `unknown command '${argv[1]}'` : 'a command is required');
    return usageError(errors[0] ?? error.message.replace(/^error: /, ''));
  }
  return code;
}
