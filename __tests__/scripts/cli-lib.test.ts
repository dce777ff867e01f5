import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expectShellcheckClean } from '../support/shellcheck';

// scripts/lib/cli.sh: the one library of messages, errors and option parsing the operator
// scripts share (exit 1 failure, exit 2 usage error, --help on stdout with exit 0).
const scripts = path.join(__dirname, '..', '..', 'scripts');
const LIB = path.join(scripts, 'lib', 'cli.sh');
const OPERATOR_SCRIPTS = ['stack.sh', 'tunnel.sh', 'boot-log.sh', 'install-system-deps.sh'];

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync('bash', args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.error) throw new Error(`bash could not run: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** bash with the library sourced, as if it were a script named demo.sh. */
const NAMING = path.join(scripts, 'lib', 'naming.sh');
const withLib = (script: string) => run(['-c', `set -euo pipefail; source "${LIB}"; source "${NAMING}"; ${script}`, 'scripts/demo.sh']);

describe.each(OPERATOR_SCRIPTS)('scripts/%s', (name) => {
  const file = path.join(scripts, name);

  test('sources scripts/lib/cli.sh instead of defining its own errors', () => {
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^source "\$[a-z_]+(\/scripts)?\/lib\/cli\.sh"$/m);
    expect(text).not.toMatch(/^(die|usage_error|need_value|log)\(\)/m);
  });

  test('--help prints the usage on stdout and exits 0', () => {
    const r = run([file, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(`Usage: scripts/${name}`)).toBe(true);
    expect(r.stderr).toBe('');
  });

  test('an unknown option is a usage error (exit 2) naming it, with where the usage is', () => {
    const r = run([file, '--no-such-option']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${name}: unknown option --no-such-option\nRun 'scripts/${name} --help' for usage.\n`);
    expect(r.stdout).toBe('');
  });
});

describe('scripts/lib/cli.sh', () => {
  test('die: the message prefixed with the script name on stderr, exit 1', () => {
    const r = withLib('die "it broke"; echo not reached');
    expect(r).toEqual({ status: 1, stdout: '', stderr: 'demo.sh: it broke\n' });
  });

  test('usage_error: the message and the --help hint on stderr, exit 2', () => {
    const r = withLib('usage_error "bad input"');
    expect(r).toEqual({ status: 2, stdout: '', stderr: "demo.sh: bad input\nRun 'scripts/demo.sh --help' for usage.\n" });
  });

  test('log writes to stderr only and goes on', () => {
    expect(withLib('log step one; echo done')).toEqual({ status: 0, stdout: 'done\n', stderr: 'demo.sh: step one\n' });
  });

  test('need_value: an option without a value (missing or empty) is a usage error naming it', () => {
    expect(withLib('need_value --port 8000; echo ok').stdout).toBe('ok\n');
    for (const call of ['need_value --port', 'need_value --port ""']) {
      const r = withLib(call);
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe('demo.sh: --port needs a value');
    }
  });

  test('require_port accepts 1-65535 and names the option otherwise', () => {
    expect(withLib('require_port --p 1; require_port --p 65535; echo ok').stdout).toBe('ok\n');
    for (const bad of ['0', '65536', 'x', '-1', '']) {
      const r = withLib(`require_port --local-port '${bad}'`);
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`demo.sh: --local-port must be a port number (1-65535), got '${bad}'`);
    }
  });

  test('set_environment_once and require_environment: one well-formed environment', () => {
    expect(withLib('env_name=""; set_environment_once dev; require_environment dev; echo "$env_name"').stdout).toBe('dev\n');
    const twice = withLib('env_name=""; set_environment_once dev; set_environment_once prod');
    expect(twice.status).toBe(2);
    expect(twice.stderr.split('\n')[0]).toBe("demo.sh: one environment only (got 'dev' and 'prod')");
    const none = withLib('env_name=""; require_environment dev');
    expect(none.status).toBe(2);
    expect(none.stderr.split('\n')[0]).toBe('demo.sh: which environment? e.g. scripts/demo.sh dev');
    const malformed = withLib('env_name="a b"; require_environment dev');
    expect(malformed.status).toBe(2);
    expect(malformed.stderr.split('\n')[0]).toBe("demo.sh: 'a b' is not an environment name");
  });

  test.each(['cli.sh', 'airbyte-host.sh'])('lib/%s is shellcheck-clean', (lib) => {
    expectShellcheckClean(path.join(scripts, 'lib', lib));
  });

  test('install-system-deps.sh is shellcheck-clean', () => {
    expectShellcheckClean(path.join(scripts, 'install-system-deps.sh'), ['--external-sources']);
  });
});
