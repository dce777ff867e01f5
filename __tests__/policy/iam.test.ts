import { Fn } from 'cdktf';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { isResourceWildcardAllowed } from '../../constructs/policy/helpers/iam-resource-wildcard-allowlist';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

const assumeByEc2 = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } }],
});

describe('CDC-IAM-1 no wildcard actions', () => {
  it('accepts a least-privilege document, an assume-role document and a reference to a document', () => {
    const findings = findingsOf((stack) => {
      const secret = new SecretsmanagerSecret(stack, 'secret', { name: 'dev/airbyte', kmsKeyId: 'alias/dev' });
      const document = new DataAwsIamPolicyDocument(stack, 'host-access', {
        statement: [{ actions: ['secretsmanager:GetSecretValue'], resources: [secret.arn] }],
      });
      new DataAwsIamPolicyDocument(stack, 'assume', {
        statement: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }] }],
      });
      const role = new IamRole(stack, 'role', { assumeRolePolicy: assumeByEc2 });
      new IamRolePolicy(stack, 'role-policy', { role: role.name, policy: document.json });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-1')).toEqual([]);
    expect(pathsFlagged(findings, 'CDC-IAM-2')).toEqual([]);
  });

  it('flags "*" and "service:*" in a policy document, but not in a Deny statement', () => {
    const findings = findingsOf((stack) => {
      new DataAwsIamPolicyDocument(stack, 'admin', { statement: [{ actions: ['*'], resources: ['arn:aws:s3:::x'] }] });
      new DataAwsIamPolicyDocument(stack, 'service', { statement: [{ actions: ['s3:*'], resources: ['arn:aws:s3:::x'] }] });
      new DataAwsIamPolicyDocument(stack, 'deny', { statement: [{ effect: 'Deny', actions: ['*'], resources: ['*'] }] });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-1')).toEqual(['test/admin', 'test/service']);
    expect(findingsOfRule(findings, 'CDC-IAM-1').find((f) => f.path === 'test/admin')?.message)
      .toMatch(/^\[CDC-IAM-1\/CKV_AWS_63,CKV_AWS_62,CKV_AWS_1\] test\/admin \(data\.aws_iam_policy_document\.admin\): statement\[0\] allows "\*"/);
  });

  it('reads literal JSON policies (JSON.stringify) and Fn.jsonencode policies', () => {
    const findings = findingsOf((stack) => {
      new IamPolicy(stack, 'json', {
        policy: JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::x' } }),
      });
      new IamPolicy(stack, 'jsonencode', {
        policy: Fn.jsonencode({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:*'], Resource: 'arn:aws:ssm:::parameter/x' }] }),
      });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-1')).toEqual(['test/json', 'test/jsonencode']);
  });

  it('flags NotAction in an Allow statement and inline role policies', () => {
    const findings = findingsOf((stack) => {
      new DataAwsIamPolicyDocument(stack, 'not-action', { statement: [{ notActions: ['iam:*'], resources: ['arn:aws:s3:::x'] }] });
      new IamRole(stack, 'role', {
        assumeRolePolicy: assumeByEc2,
        inlinePolicy: [{ name: 'all', policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }],
      });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-1')).toEqual(['test/not-action', 'test/role']);
  });

  it('flags attached AWS managed policies that are wildcards, not scoped ones', () => {
    const findings = findingsOf((stack) => {
      const role = new IamRole(stack, 'role', { assumeRolePolicy: assumeByEc2 });
      new IamRolePolicyAttachment(stack, 'ssm-core', { role: role.name, policyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' });
      new IamRolePolicyAttachment(stack, 'admin', { role: role.name, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
      new IamRolePolicyAttachment(stack, 's3-full', { role: role.name, policyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-1')).toEqual(['test/admin', 'test/s3-full']);
  });

  it('flags a policy it cannot read rather than letting it pass', () => {
    const findings = findingsOf((stack) => new IamPolicy(stack, 'opaque', { policy: 'not json' }));
    expect(pathsFlagged(findings, 'CDC-IAM-1')).toEqual(['test/opaque']);
  });
});

describe('CDC-IAM-2 no wildcard resources', () => {
  it('flags Resource "*" on actions that support resource-level permissions', () => {
    const findings = findingsOf((stack) => {
      new DataAwsIamPolicyDocument(stack, 'secrets', { statement: [{ actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }] });
      new IamPolicy(stack, 'json', {
        policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] }),
      });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-2')).toEqual(['test/json', 'test/secrets']);
    expect(findingsOfRule(findings, 'CDC-IAM-2').find((f) => f.path === 'test/secrets')?.problem).toContain('secretsmanager:GetSecretValue');
  });

  it('accepts Resource "*" for allow-listed actions only, and flags a mix', () => {
    const findings = findingsOf((stack) => {
      new DataAwsIamPolicyDocument(stack, 'allowed', {
        statement: [{ actions: ['ssm:DescribeParameters', 'ec2:DescribeInstances', 'ssmmessages:OpenDataChannel'], resources: ['*'] }],
      });
      new DataAwsIamPolicyDocument(stack, 'mixed', {
        statement: [{ actions: ['ssm:DescribeParameters', 'ssm:GetParameter'], resources: ['*'] }],
      });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-2')).toEqual(['test/mixed']);
    expect(findingsOfRule(findings, 'CDC-IAM-2')[0].problem).toBe('statement[0] allows ssm:GetParameter on Resource "*"');
  });

  it('flags NotResource in an Allow statement', () => {
    const findings = findingsOf((stack) => {
      new DataAwsIamPolicyDocument(stack, 'not-resource', { statement: [{ actions: ['s3:GetObject'], notResources: ['arn:aws:s3:::x'] }] });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-2')).toEqual(['test/not-resource']);
  });

  it('matches allow-list prefixes only within the service', () => {
    expect(isResourceWildcardAllowed('ec2:DescribeSubnets')).toBe(true);
    expect(isResourceWildcardAllowed('ec2:RunInstances')).toBe(false);
    expect(isResourceWildcardAllowed('kms:ListAliases')).toBe(true);
    expect(isResourceWildcardAllowed('kms:Decrypt')).toBe(false);
  });
});
