import { ephemeralEnvironment } from '../../config';
import { dev } from '../../config/environments/dev';
import { prod } from '../../config/environments/prod';
import { onlyResource, resourcesOf, synthEnvironment } from '../support/synth';

const devGcp = synthEnvironment(dev).gcp;
const prodGcp = synthEnvironment(prod).gcp;
const prGcp = synthEnvironment(ephemeralEnvironment('pr-42')).gcp;

describe('<env>-gcp', () => {
  test('creates the dataset in the configured location, keeping contents on destroy outside ephemeral envs', () => {
    const dataset = resourcesOf(devGcp, 'google_bigquery_dataset').find((d) => d.dataset_id === 'cdc_dev')!;
    expect(dataset).toMatchObject({ dataset_id: 'cdc_dev', location: 'EU', project: 'example-data-dev', delete_contents_on_destroy: false });
    expect(dataset).not.toHaveProperty('access');
    expect(resourcesOf(prGcp, 'google_bigquery_dataset').find((d) => d.dataset_id === 'cdc_pr_42')).toMatchObject({ delete_contents_on_destroy: true });
  });

  test('grants the dedicated service account dataEditor on the dataset and jobUser on the project, nothing broader', () => {
    const account = onlyResource(devGcp, 'google_service_account');
    expect(account.account_id).toBe('airbyte-dev');
    const datasetGrants = resourcesOf(devGcp, 'google_bigquery_dataset_iam_member');
    expect(datasetGrants.map((g) => g.role)).toEqual(['roles/bigquery.dataEditor', 'roles/bigquery.dataEditor']);
    for (const grant of datasetGrants) expect(String(grant.dataset_id)).toMatch(/^\$\{google_bigquery_dataset\./);
    const projectGrants = resourcesOf(devGcp, 'google_project_iam_member');
    expect(projectGrants.map((g) => g.role)).toEqual(['roles/bigquery.jobUser']);
    for (const grant of [...datasetGrants, ...projectGrants]) expect(String(grant.member)).toMatch(/^serviceAccount:\$\{google_service_account\./);
    expect(resourcesOf(devGcp, 'google_project_iam_binding')).toEqual([]);
    expect(resourcesOf(devGcp, 'google_project_iam_policy')).toEqual([]);
  });

  test('creates the raw-table dataset the destination writes to (same location) and grants dataEditor on it', () => {
    const datasets = resourcesOf(devGcp, 'google_bigquery_dataset');
    const raw = datasets.find((d) => d.dataset_id === 'airbyte_internal')!;
    expect(raw).toMatchObject({ location: 'EU', project: 'example-data-dev', delete_contents_on_destroy: false });
    const rawRef = Object.entries(devGcp.resource!.google_bigquery_dataset).find(([, d]) => d.dataset_id === 'airbyte_internal')![0];
    const grants = resourcesOf(devGcp, 'google_bigquery_dataset_iam_member').filter((g) => g.dataset_id === `\${google_bigquery_dataset.${rawRef}.dataset_id}`);
    expect(grants).toHaveLength(1);
    expect(grants[0].role).toBe('roles/bigquery.dataEditor');
    // An ephemeral environment sharing dev's project gets its own, deletable with its contents.
    const prRaw = resourcesOf(prGcp, 'google_bigquery_dataset').find((d) => d.dataset_id !== 'cdc_pr_42')!;
    expect(prRaw).toMatchObject({ dataset_id: 'airbyte_internal_pr_42', delete_contents_on_destroy: true });
    // The destination is configured with that same dataset.
    const destination = String(resourcesOf(synthEnvironment(ephemeralEnvironment('pr-42')).airbyte, 'airbyte_destination')[0].configuration);
    expect(destination).toContain('"raw_data_dataset" = "airbyte_internal_pr_42"');
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
