import { BIGQUERY_TARGET_PROJECT_ROLES, BigQueryTarget, BigQueryTargetProps } from '../../constructs/bigquery-target';
import { all, expectPropsError, Json, single, synthConstruct } from '../support/construct';

/** Only the required props: contents are kept, no staging bucket, no labels. */
const base: BigQueryTargetProps = { projectId: 'p-123456', datasetId: 'cdc_test', rawDatasetId: 'cdc_test_raw', location: 'EU', serviceAccountId: 'cdc-test-writer' };

function synth(props: Partial<BigQueryTargetProps> = {}): Json {
  return synthConstruct((stack) => new BigQueryTarget(stack, 'bq', { ...base, ...props }));
}

describe('BigQueryTarget defaults (props omitted)', () => {
  test('the dataset and the raw dataset in the same location, their contents kept on destroy, no labels', () => {
    const datasets = all(synth(), 'google_bigquery_dataset');
    expect(datasets.map((d) => [d.dataset_id, d.location, d.delete_contents_on_destroy])).toEqual([
      ['cdc_test', 'EU', false],
      ['cdc_test_raw', 'EU', false],
    ]);
    for (const dataset of datasets) expect(dataset).not.toHaveProperty('labels');
  });

  test('the service account edits both datasets and may run jobs; no other project role', () => {
    const json = synth();
    expect(all(json, 'google_bigquery_dataset_iam_member').map((m) => m.role)).toEqual(['roles/bigquery.dataEditor', 'roles/bigquery.dataEditor']);
    expect(all(json, 'google_project_iam_member').map((m) => m.role)).toEqual([...BIGQUERY_TARGET_PROJECT_ROLES]);
    expect(BIGQUERY_TARGET_PROJECT_ROLES).toEqual(['roles/bigquery.jobUser']);
    expect(single(json, 'google_service_account').account_id).toBe('cdc-test-writer');
  });

  test('no staging bucket and no HMAC key', () => {
    const json = synth();
    expect(json.resource.google_storage_bucket).toBeUndefined();
    expect(json.resource.google_storage_hmac_key).toBeUndefined();
  });

  test('a staging bucket, when asked for, is private and deletes staged files after 2 days', () => {
    const bucket = single(synth({ gcsStaging: { location: 'EU' } }), 'google_storage_bucket');
    expect(bucket).toMatchObject({
      name: 'p-123456-cdc-test-staging', location: 'EU', uniform_bucket_level_access: true, public_access_prevention: 'enforced', force_destroy: false,
      lifecycle_rule: [{ action: { type: 'Delete' }, condition: { age: 2 } }],
    });
  });
});

describe('BigQueryTarget props given', () => {
  test('an ephemeral target deletes its contents; staging retention and labels reach the resources', () => {
    const json = synth({ deleteContentsOnDestroy: true, gcsStaging: { location: 'EU', retentionDays: 5 }, labels: { env: 'pr-1' } });
    expect(all(json, 'google_bigquery_dataset').map((d) => [d.delete_contents_on_destroy, d.labels])).toEqual([[true, { env: 'pr-1' }], [true, { env: 'pr-1' }]]);
    expect(single(json, 'google_storage_bucket')).toMatchObject({ force_destroy: true, lifecycle_rule: [{ condition: { age: 5 } }] });
    expect(single(json, 'google_storage_hmac_key')).toBeDefined();
  });
});

describe('BigQueryTarget refuses props it cannot work with, naming the prop', () => {
  const where = 'BigQueryTarget test/bq';
  test.each<[string, Partial<BigQueryTargetProps>, string]>([
    ['a service account id that is too short', { serviceAccountId: 'cdc' }, `${where}: serviceAccountId "cdc" must be 6–30 lowercase letters, digits or hyphens, starting with a letter`],
    ['a service account id starting with a digit', { serviceAccountId: '1cdc-writer' }, `${where}: serviceAccountId "1cdc-writer" must be 6–30 lowercase letters, digits or hyphens, starting with a letter`],
    ['an empty dataset id', { datasetId: '' }, `${where}: datasetId "" must be a dataset id (letters, digits, _)`],
    ['a dataset id with a hyphen', { datasetId: 'cdc-test' }, `${where}: datasetId "cdc-test" must be a dataset id (letters, digits, _)`],
    ['a raw dataset id with a hyphen', { rawDatasetId: 'cdc-raw' }, `${where}: rawDatasetId "cdc-raw" must be a dataset id (letters, digits, _) other than datasetId`],
    ['the raw dataset being the dataset', { rawDatasetId: 'cdc_test' }, `${where}: rawDatasetId "cdc_test" must be a dataset id (letters, digits, _) other than datasetId`],
    ['a staging retention of 0 days', { gcsStaging: { location: 'EU', retentionDays: 0 } }, `${where}: gcsStaging.retentionDays must be an integer ≥ 1, got 0`],
  ])('%s', (_case, props, message) => {
    expectPropsError(() => synth(props), message);
  });
});
