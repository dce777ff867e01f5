import { ephemeralEnvironment } from '../../config';
import { dev } from '../../config/environments/dev';
import { prod } from '../../config/environments/prod';
import { onlyResource, resourcesOf, synthEnvironment } from '../support/synth';

const devGcp = synthEnvironment(dev).gcp;
const prodGcp = synthEnvironment(prod).gcp;
const prGcp = synthEnvironment(ephemeralEnvironment('pr-42')).gcp;

describe('<env>-gcp', () => {
  test('creates the dataset in the configured location, keeping contents on destroy outside ephemeral envs', () => {
    const dataset = onlyResource(devGcp, 'google_bigquery_dataset');
    expect(dataset).toMatchObject({ dataset_id: 'cdc_dev', location: 'EU', project: 'example-data-dev', delete_contents_on_destroy: false });
    expect(dataset).not.toHaveProperty('access');
    expect(onlyResource(prGcp, 'google_bigquery_dataset')).toMatchObject({ dataset_id: 'cdc_pr_42', delete_contents_on_destroy: true });
  });

  test('grants the dedicated service account dataEditor on the dataset and jobUser on the project, nothing broader', () => {
    const account = onlyResource(devGcp, 'google_service_account');
    expect(account.account_id).toBe('airbyte-dev');
    const datasetGrant = onlyResource(devGcp, 'google_bigquery_dataset_iam_member');
    expect(datasetGrant.role).toBe('roles/bigquery.dataEditor');
    expect(String(datasetGrant.dataset_id)).toMatch(/^\$\{google_bigquery_dataset\./);
    const projectGrants = resourcesOf(devGcp, 'google_project_iam_member');
    expect(projectGrants.map((g) => g.role)).toEqual(['roles/bigquery.jobUser']);
    for (const grant of [datasetGrant, ...projectGrants]) expect(String(grant.member)).toMatch(/^serviceAccount:\$\{google_service_account\./);
    expect(resourcesOf(devGcp, 'google_project_iam_binding')).toEqual([]);
    expect(resourcesOf(devGcp, 'google_project_iam_policy')).toEqual([]);
  });

  test('hands the key to the Airbyte stack only as a sensitive output', () => {
    onlyResource(devGcp, 'google_service_account_key');
    const keyOutputs = Object.entries(devGcp.output ?? {}).filter(([, o]) => String(o.value).includes('google_service_account_key'));
    expect(keyOutputs).toHaveLength(1);
    expect(keyOutputs[0][1].sensitive).toBe(true);
  });

  test('GCS staging adds a private bucket and an HMAC key only when selected', () => {
    expect(resourcesOf(devGcp, 'google_storage_bucket')).toEqual([]);
    const bucket = onlyResource(prodGcp, 'google_storage_bucket');
    expect(bucket).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: 'enforced', force_destroy: false });
    onlyResource(prodGcp, 'google_storage_hmac_key');
    expect(onlyResource(prodGcp, 'google_storage_bucket_iam_member').role).toBe('roles/storage.objectAdmin');
  });

  test('labels resources with the environment', () => {
    const provider = devGcp.provider!.google[0];
    expect(provider.default_labels).toMatchObject({ environment: 'dev', managed_by: 'cdktf' });
  });
});
