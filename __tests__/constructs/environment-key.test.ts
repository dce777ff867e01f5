import { EnvironmentKey, EnvironmentKeyProps } from '../../constructs/environment-key';
import { expectPropsError, Json, single, synthConstruct } from '../support/construct';

function synth(props: Partial<EnvironmentKeyProps> = {}): Json {
  return synthConstruct((stack) => new EnvironmentKey(stack, 'key', { alias: 'cdc-test', ...props }));
}

/** The key policy's statement ids (the policy is Terraform's jsonencode of a literal object). */
function statementIds(json: Json): string[] {
  const policy = String(single(json, 'aws_kms_key').policy);
  return [...policy.matchAll(/"Sid" = "([^"]+)"/g)].map((m) => m[1]);
}

describe('EnvironmentKey defaults (props omitted)', () => {
  test('rotation on, a 30-day deletion window, the alias under alias/', () => {
    const json = synth();
    expect(single(json, 'aws_kms_key')).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, description: 'CDC pipeline data key (cdc-test)' });
    expect(single(json, 'aws_kms_alias').name).toBe('alias/cdc-test');
  });

  test('only the account administers it: CloudWatch alarms and logs are not let in', () => {
    const json = synth();
    expect(statementIds(json)).toEqual(['AccountAdministersThroughIam']);
    expect(json.data.aws_region).toBeUndefined();
  });
});

describe('EnvironmentKey props given', () => {
  test('CloudWatch alarms and logs each get a statement scoped to this account', () => {
    const json = synth({ allowCloudWatchAlarms: true, allowCloudWatchLogs: true, deletionWindowInDays: 7 });
    expect(statementIds(json)).toEqual(['AccountAdministersThroughIam', 'CloudWatchAlarmsPublishToEncryptedTopics', 'CloudWatchLogsEncryptsThisAccountsLogGroups']);
    expect(String(single(json, 'aws_kms_key').policy)).toContain('aws:SourceAccount');
    expect(single(json, 'aws_kms_key').deletion_window_in_days).toBe(7);
  });
});

describe('EnvironmentKey refuses props it cannot work with, naming the prop', () => {
  const where = 'EnvironmentKey test/key';
  test.each<[string, Partial<EnvironmentKeyProps>, string]>([
    ['a 6-day window', { deletionWindowInDays: 6 }, `${where}: deletionWindowInDays must be an integer from 7 to 30, got 6`],
    ['a 31-day window', { deletionWindowInDays: 31 }, `${where}: deletionWindowInDays must be an integer from 7 to 30, got 31`],
    ['a fractional window', { deletionWindowInDays: 7.5 }, `${where}: deletionWindowInDays must be an integer from 7 to 30, got 7.5`],
    ['an empty alias', { alias: '' }, `${where}: alias "" must be 1–250 letters, digits, "/", "_" or "-", without "alias/" and not under "aws/"`],
    ['an alias under aws/', { alias: 'aws/s3' }, `${where}: alias "aws/s3" must be 1–250 letters, digits, "/", "_" or "-", without "alias/" and not under "aws/"`],
    ['an alias with a space', { alias: 'cdc test' }, `${where}: alias "cdc test" must be 1–250 letters, digits, "/", "_" or "-", without "alias/" and not under "aws/"`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => synth(props), message);
  });
});
