import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset';
import { BigqueryDatasetIamBinding } from '@cdktf/provider-google/lib/bigquery-dataset-iam-binding';
import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member';
import { BigqueryDatasetIamPolicy } from '@cdktf/provider-google/lib/bigquery-dataset-iam-policy';
import { DataGoogleIamPolicy } from '@cdktf/provider-google/lib/data-google-iam-policy';
import { ProjectIamBinding } from '@cdktf/provider-google/lib/project-iam-binding';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

describe('CDC-BQ-1 BigQuery not public', () => {
  it('accepts a dataset shared with named principals only', () => {
    const findings = findingsOf((stack) => {
      const account = new ServiceAccount(stack, 'airbyte', { accountId: 'airbyte-loader' });
      const dataset = new BigqueryDataset(stack, 'dataset', {
        datasetId: 'cdc', location: 'EU',
        access: [{ role: 'OWNER', specialGroup: 'projectOwners' }, { role: 'READER', groupByEmail: 'analysts@example.com' }],
      });
      new BigqueryDatasetIamMember(stack, 'editor', { datasetId: dataset.datasetId, role: 'roles/bigquery.dataEditor', member: account.member });
    });
    expect(pathsFlagged(findings, 'CDC-BQ-1')).toEqual([]);
  });

  it('flags allUsers / allAuthenticatedUsers in access blocks, IAM members, bindings and literal policies', () => {
    const findings = findingsOf((stack) => {
      new BigqueryDataset(stack, 'dataset', { datasetId: 'cdc', access: [{ role: 'READER', specialGroup: 'allAuthenticatedUsers' }] });
      new BigqueryDatasetIamMember(stack, 'member', { datasetId: 'cdc', role: 'roles/bigquery.dataViewer', member: 'allUsers' });
      new BigqueryDatasetIamBinding(stack, 'binding', { datasetId: 'cdc', role: 'roles/bigquery.dataViewer', members: ['group:a@example.com', 'allUsers'] });
      new BigqueryDatasetIamPolicy(stack, 'policy', {
        datasetId: 'cdc',
        policyData: JSON.stringify({ bindings: [{ role: 'roles/bigquery.dataViewer', members: ['allAuthenticatedUsers'] }] }),
      });
    });
    expect(pathsFlagged(findings, 'CDC-BQ-1')).toEqual(['test/binding', 'test/dataset', 'test/member', 'test/policy']);
    expect(findingsOfRule(findings, 'CDC-BQ-1').find((f) => f.path === 'test/dataset')?.message)
      .toMatch(/^\[CDC-BQ-1\/CKV_GCP_15\] test\/dataset \(google_bigquery_dataset\.dataset\): access\[0\] grants access to allAuthenticatedUsers/);
  });
});

describe('CDC-GCP-1 no primitive roles', () => {
  it('accepts predefined roles', () => {
    const findings = findingsOf((stack) => {
      new ProjectIamMember(stack, 'job-user', { project: 'p', role: 'roles/bigquery.jobUser', member: 'serviceAccount:a@p.iam.gserviceaccount.com' });
    });
    expect(pathsFlagged(findings, 'CDC-GCP-1')).toEqual([]);
  });

  it('flags owner, editor and viewer on members, bindings and policy documents', () => {
    const findings = findingsOf((stack) => {
      new ProjectIamMember(stack, 'editor', { project: 'p', role: 'roles/editor', member: 'serviceAccount:a@p.iam.gserviceaccount.com' });
      new ProjectIamBinding(stack, 'owner', { project: 'p', role: 'roles/owner', members: ['user:x@example.com'] });
      new DataGoogleIamPolicy(stack, 'document', { binding: [{ role: 'roles/viewer', members: ['group:g@example.com'] }] });
    });
    expect(pathsFlagged(findings, 'CDC-GCP-1')).toEqual(['test/document', 'test/editor', 'test/owner']);
    expect(findingsOfRule(findings, 'CDC-GCP-1').find((f) => f.path === 'test/editor')?.message)
      .toBe('[CDC-GCP-1] test/editor (google_project_iam_member.editor): grants the primitive role roles/editor. Fix: grant predefined roles scoped to the need (roles/bigquery.jobUser on the project, roles/bigquery.dataEditor on the dataset)');
  });
});
