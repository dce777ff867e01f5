// The orchestrator's variables as one schema (ORCHESTRATOR_VARIABLES in orchestrator/src/settings.ts):
// defaults written once there, every problem of a pass reported on one line naming each variable.
import { ConfigurationError, ORCHESTRATOR_VARIABLES, defaultReplicationNames, loadSettings } from '../../orchestrator/src/settings';
import { publicationName, replicationSlotName } from '../../config/naming';

const base = { SOURCE_DATABASE_URL: 'postgres://app:pw@db.internal:5432/app', AIRBYTE_CLIENT_ID: 'id', AIRBYTE_CLIENT_SECRET: 'secret', AIRBYTE_CONNECTION_ID: '3f1c2b9e-8d4a-4e6b-9c1d-2a7b5e8f0c11' };

/** The ConfigurationError loadSettings throws for `env`. */
function configError(env: Record<string, string>): ConfigurationError {
  let thrown: unknown;
  try {
    loadSettings(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigurationError);
  return thrown as ConfigurationError;
}

test('several bad variables: the first names the error, all are on its one line with what was given', () => {
  const error = configError({ ...base, LOG_LEVEL: 'loud', HTTP_MAX_ATTEMPTS: '0', WAL_LAG_ALERT_BYTES: 'lots' });
  expect(error.variable).toBe('HTTP_MAX_ATTEMPTS');
  expect(error.message).toBe(
    'HTTP_MAX_ATTEMPTS: expected a whole number from 1 to 100, got "0"; also LOG_LEVEL: expected debug, info, warn or error, got "loud"; ' +
      'WAL_LAG_ALERT_BYTES: expected a positive number of bytes, optionally with a unit (e.g. 1073741824, 512MiB, 1GiB), got "lots"',
  );
  expect(error.others.map((o) => o.variable)).toEqual(['LOG_LEVEL', 'WAL_LAG_ALERT_BYTES']);
  expect(error.message).not.toContain('\n');
});

test('missing required variables are reported together', () => {
  const error = configError({});
  expect([error.variable, ...error.others.map((o) => o.variable)]).toEqual(['SOURCE_DATABASE_URL', 'AIRBYTE_CLIENT_ID', 'AIRBYTE_CLIENT_SECRET', 'AIRBYTE_CONNECTION_ID']);
});

test('a fixed default is the variable\'s own text, parsed like a given value', () => {
  const parsed = ORCHESTRATOR_VARIABLES.parse({});
  expect(parsed).toMatchObject({ WAL_LAG_ALERT_BYTES: 1024 ** 3, ORCHESTRATOR_HTTP_ADDR: { host: '127.0.0.1', port: 8089 }, RETRY_BASE_SECONDS: 500, LOG_LEVEL: 'info' });
  // Defaults that the configuration document may override stay unset until the document is read.
  expect(parsed.POLL_INTERVAL_SECONDS).toBeUndefined();
  expect(loadSettings(base).pollIntervalMs).toBe(30_000);
  expect(loadSettings({ ...base, WAL_LAG_ALERT_BYTES: '512MiB' }).walLagAlertBytes).toBe(512 * 1024 ** 2);
});

test('slot and publication defaults are the naming module\'s', () => {
  expect(defaultReplicationNames('pr-12')).toEqual({ slot: replicationSlotName('pr-12'), publication: publicationName('pr-12') });
  expect(loadSettings({ ...base, CDC_ENVIRONMENT: 'pr-12' }).source).toMatchObject({ replicationSlot: 'airbyte_pr_12_slot', publication: 'airbyte_pr_12_publication' });
});
