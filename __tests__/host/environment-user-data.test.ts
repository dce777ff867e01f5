import { buildHostUserData, HostEnvironment, needsLowResourceMode } from '../../constructs/airbyte-host/environment-user-data';
import { HostUserDataError } from '../../constructs/airbyte-host/user-data';
import { DATA_VOLUME_ID, testProps } from './fixtures';

const env = (host: Partial<HostEnvironment['host']> = {}): HostEnvironment => ({
  name: 'dev',
  aws: { region: 'eu-west-1' },
  host: { vcpu: 4, memoryGiB: 16, abctlVersion: 'v0.30.4', airbyteChartVersion: '2.2.0', airbytePort: 8000, ...host },
});

const { airbyteCredentialsSecretArn, databaseSecretArn, alertWebhookSecretArn, orchestratorConfigParameter, releaseParameter, preparationParameter } = testProps();
const locations = { airbyteCredentialsSecretArn, databaseSecretArn, alertWebhookSecretArn, orchestratorConfigParameter, releaseParameter, preparationParameter, dataVolumeId: DATA_VOLUME_ID };

describe('the boot script of an environment', () => {
  test.each([
    [2, 8, true],
    [4, 8, true],
    [2, 16, true],
    [4, 16, false],
    [8, 32, false],
  ])('%i vCPU / %i GiB: low-resource mode %s (below 4 vCPU or 16 GiB)', (vcpu, memoryGiB, expected) => {
    expect(needsLowResourceMode(env({ vcpu, memoryGiB }))).toBe(expected);
  });

  test('carries the environment and the locations into the VALUES block', () => {
    const script = buildHostUserData({ env: env({ vcpu: 2, memoryGiB: 8, dockerHubSecretArn: undefined }), ...locations });
    expect(script).toContain("REGION='eu-west-1'\n");
    expect(script).toContain("ENVIRONMENT='dev'\n");
    expect(script).toContain("LOW_RESOURCE_MODE='true'\n");
    expect(script).toContain("DOCKER_HUB_SECRET_ARN=''\n");
    expect(script).toContain(`DATA_VOLUME_ID='${DATA_VOLUME_ID}'\n`);
    expect(script).toContain(`RELEASE_PARAMETER='${releaseParameter}'\n`);
  });

  test('a bad environment value is a user error naming the prop', () => {
    expect(() => buildHostUserData({ env: env({ abctlVersion: '0.30' }), ...locations })).toThrow(HostUserDataError);
    expect(() => buildHostUserData({ env: env({ abctlVersion: '0.30' }), ...locations })).toThrow(/HostUserDataProps\.abctlVersion must be a release tag/);
  });
});
