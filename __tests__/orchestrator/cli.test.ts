// The command line of the shipped bundle (dist/orchestrator.js, built by scripts/build.js
// --orchestrator-only): help, version, usage errors, and how errors read on a terminal. A real
// terminal comes from util-linux `script`, which runs the bundle on a pseudo-terminal.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { COMMANDS, VERSION, main } from '../../orchestrator/src/app';
import { COMMON_VARIABLES } from '../../orchestrator/src/commands/context';
import { createLogger, formatTextRecord, resolveLogFormat } from '../../orchestrator/src/ops/logger';

const repoRoot = path.join(__dirname, '..', '..');
const bundle = path.join(repoRoot, 'dist', 'orchestrator.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cliReference = require('../../orchestrator/docs/cli-reference.js') as { render: () => string; current: () => { text: string; start: number; end: number }; commandsIn: (help: string) => string[] };

beforeAll(() => {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.js'), '--orchestrator-only', '--quiet'], { cwd: repoRoot, stdio: 'inherit' });
}, 120_000);

/** Runs the bundle with pipes (not a terminal) and only the environment given. */
function run(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bundle, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const COMMAND_NAMES = COMMANDS.map((spec) => spec.name);

describe('help and version', () => {
  test('--help lists every command, LOG_FORMAT and the exit codes; exit 0, nothing on stderr', () => {
    const result = run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(cliReference.commandsIn(result.stdout)).toEqual(COMMAND_NAMES);
    expect(result.stdout).toContain('LOG_FORMAT');
    expect(result.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*bad command line/);
  });

  test.each(COMMAND_NAMES)('%s --help and help %s: what it does, every variable it reads, its exit codes', (name) => {
    const spec = COMMANDS.find((candidate) => candidate.name === name)!;
    const viaFlag = run([name, '--help']);
    const viaHelp = run(['help', name]);
    expect(viaFlag.code).toBe(0);
    expect(viaHelp.code).toBe(0);
    expect(viaFlag.stdout).toBe(viaHelp.stdout);
    const text = viaFlag.stdout;
    expect(text).toContain(`Usage: orchestrator ${name}`);
    // commander wraps the description; compare with whitespace collapsed.
    expect(text.replace(/\s+/g, ' ')).toContain(spec.reference.summary);
    const variables = text.split('Environment variables')[1].split('Exit codes:')[0];
    for (const variable of [...spec.reference.variables, ...COMMON_VARIABLES]) expect(variables.split(/\s+/)).toContain(variable);
    const codes = text.split('Exit codes:\n')[1];
    for (const [code, meaning] of spec.reference.exitCodes) expect(codes).toContain(`  ${code}  ${meaning}`);
    expect(codes).toMatch(/ {2}2 {2}bad command line/);
    for (const [flags] of spec.options) expect(text).toContain(flags);
  });

  test('the exit codes other tools rely on: prepare-source 0 ready, 1 failure, 2 a person must act', () => {
    // constructs/airbyte-host/prepare-source.js and scripts/stack.sh act on these.
    const reference = COMMANDS.find((spec) => spec.name === 'prepare-source')!.reference;
    expect(reference.exitCodes.map(([code]) => code)).toEqual([0, 1, 2]);
    expect(reference.exitCodes[2][1]).toMatch(/a person must act/);
  });

  test('--version prints package.json\'s version, embedded in the bundle', () => {
    const expected = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
    const result = run(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${expected}\n`, stderr: '' });
    expect(VERSION).toBe(expected);
    // Embedded, not read at run time: the bundle alone (no package.json beside it) knows it.
    expect(fs.readFileSync(bundle, 'utf8')).toContain(JSON.stringify(expected));
  });

  test('every variable a command reads is documented in .env.example, and every documented one is named by some command', () => {
    const documented = new Set([...fs.readFileSync(path.join(repoRoot, '.env.example'), 'utf8').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const named = new Set([...COMMON_VARIABLES, ...COMMANDS.flatMap((spec) => spec.reference.variables)]);
    expect([...named].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !named.has(name))).toEqual([]);
  });
});

describe('usage errors: exit 2, one message, nothing on stdout', () => {
  test.each([
    [['sync-everything'], /unknown command 'sync-everything'.*orchestrator --help/],
    [['status', '--jsn'], /unknown option '--jsn' \(Did you mean --json\?\).*orchestrator help status/],
    [['once', 'extra'], /too many arguments for 'once'/],
    [['--bogus'], /unknown option '--bogus'/],
    [[], /a command is required/],
    [['help', 'sync-everything'], /unknown command 'sync-everything'/],
  ])('%j (not a terminal: one JSON line)', (args, message) => {
    const result = run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const log = JSON.parse(lines[0]);
    expect(log.level).toBe('error');
    expect(log.msg).toMatch(message);
  });

  test('LOG_FORMAT=text without a terminal: one readable line', () => {
    const result = run(['sync-everything'], { LOG_FORMAT: 'text' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown command 'sync-everything' (see 'orchestrator --help')\n");
  });

  test('LOG_FORMAT other than json or text: exit 2 naming LOG_FORMAT', () => {
    const result = run(['once'], { LOG_FORMAT: 'xml' });
    expect(result.code).toBe(2);
    const log = JSON.parse(result.stderr.trim());
    expect(log).toMatchObject({ level: 'error', variable: 'LOG_FORMAT' });
    expect(log.msg).toContain('LOG_FORMAT: expected json or text, got "xml"');
  });
});

const scriptAvailable = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
if (!scriptAvailable && process.env.CI === 'true') throw new Error('util-linux `script` is required under CI=true (it gives the bundle a real terminal)');

/** Runs the bundle with stdout and stderr on a pseudo-terminal; returns the exit code and what the terminal showed. */
function onTerminal(args: string[], env: Record<string, string> = {}): { code: number | null; screen: string } {
  const command = [process.execPath, bundle, ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(' ');
  // -e: script exits with the command's status; -q: no "Script started" lines.
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return { code: result.status, screen: result.stdout.replace(/\r\n/g, '\n') };
}

(scriptAvailable ? describe : describe.skip)(`on a real terminal (util-linux script${scriptAvailable ? '' : ': not installed, skipped'})`, () => {
  test('an unknown command is one readable line: "error: …", no JSON, exit 2', () => {
    const result = onTerminal(['sync-everything']);
    expect(result.code).toBe(2);
    expect(result.screen).toBe("error: unknown command 'sync-everything' (see 'orchestrator --help')\n");
  });

  test('a configuration error is one readable line naming the variable, no stack, no secret', () => {
    const result = onTerminal(['once'], { SOURCE_DATABASE_URL: 'postgres://u:hunter22secret@127.0.0.1/db', AIRBYTE_CLIENT_ID: 'id', AIRBYTE_CLIENT_SECRET: 'client-s3cret' });
    expect(result.code).toBe(2);
    const lines = result.screen.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: configuration error: AIRBYTE_CONNECTION_ID: is required unless ORCHESTRATOR_CONFIG lists connections/);
    expect(result.screen).not.toContain('{');
    expect(result.screen).not.toMatch(/\n\s+at /);
    expect(result.screen).not.toContain('hunter22secret');
    expect(result.screen).not.toContain('client-s3cret');
  });

  test('LOG_FORMAT=json keeps JSON lines on a terminal', () => {
    const result = onTerminal(['sync-everything'], { LOG_FORMAT: 'json' });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.screen.trim())).toMatchObject({ level: 'error' });
  });
});

describe('the log format decision (pure)', () => {
  test.each([
    [undefined, true, 'text'],
    [undefined, false, 'json'],
    ['', true, 'text'],
    ['json', true, 'json'],
    ['JSON', false, 'json'],
    ['text', false, 'text'],
  ])('LOG_FORMAT=%j, stderr a terminal: %s → %s', (raw, terminal, expected) => {
    expect(resolveLogFormat(raw, terminal)).toBe(expected);
  });

  test('anything else is an error naming LOG_FORMAT and the allowed values', () => {
    expect(() => resolveLogFormat('yaml', true)).toThrow('LOG_FORMAT: expected json or text, got "yaml"');
  });

  test('text records: level, message, fields as key=value on one line; secrets scrubbed as in JSON', () => {
    expect(formatTextRecord('warn', 'slot lagging', { slot: 'airbyte_dev_slot', bytes: 12, note: 'two words' })).toBe('warn: slot lagging slot=airbyte_dev_slot bytes=12 note="two words"');
    let out = '';
    createLogger({ format: 'text', secrets: ['s3cr3t-value'], write: (line) => (out += line) }).error('login failed with s3cr3t-value', { url: 'postgres://u:pw@host/db', detail: 'multi\nline' });
    expect(out).toBe('error: login failed with [redacted] url=postgres://u:[redacted]@host/db detail="multi\\nline"\n');
  });

  test('in-process callers get JSON unless they say stderr is a terminal', async () => {
    let stderr = '';
    expect(await main(['bogus'], { env: {}, stderr: (text) => (stderr += text), stdout: () => undefined })).toBe(2);
    expect(JSON.parse(stderr.trim()).level).toBe('error');
    stderr = '';
    expect(await main(['bogus'], { env: {}, stderrIsTerminal: true, stderr: (text) => (stderr += text), stdout: () => undefined })).toBe(2);
    expect(stderr).toBe("error: unknown command 'bogus' (see 'orchestrator --help')\n");
  });
});

test('orchestrator/README.md\'s CLI reference is the bundle\'s --help (regenerate: npm run docs)', () => {
  const { text, start, end } = cliReference.current();
  const block = cliReference.render();
  for (const name of COMMAND_NAMES) expect(block).toContain(`orchestrator help ${name}`);
  expect(text.slice(start, end)).toBe(block);
});
