import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamAccessKey } from '@cdktf/provider-aws/lib/iam-access-key';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { TerraformStack } from 'cdktf';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

const compliantCluster = {
  name: 'cdc-test',
  roleArn: 'arn:aws:iam::111111111111:role/cluster',
  vpcConfig: { subnetIds: ['subnet-1', 'subnet-2'], endpointPrivateAccess: true, endpointPublicAccess: false },
  encryptionConfig: { resources: ['secrets'], provider: { keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/abc' } },
  enabledClusterLogTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
};

describe('CDC-EKS-1 cluster endpoint not open to the world', () => {
  it('accepts a private endpoint, and a public one limited to named ranges', () => {
    const findings = findingsOf((stack) => {
      new EksCluster(stack, 'private', compliantCluster);
      new EksCluster(stack, 'ranges', { ...compliantCluster, vpcConfig: { ...compliantCluster.vpcConfig, endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] } });
    });
    expect(pathsFlagged(findings, 'CDC-EKS-1')).toEqual([]);
  });

  it('flags a public endpoint open to 0.0.0.0/0, one with no CIDR list, one left at the default, and a missing private endpoint', () => {
    const findings = findingsOf((stack) => {
      new EksCluster(stack, 'open', { ...compliantCluster, vpcConfig: { ...compliantCluster.vpcConfig, endpointPublicAccess: true, publicAccessCidrs: ['10.0.0.0/8', '0.0.0.0/0'] } });
      new EksCluster(stack, 'no-cidrs', { ...compliantCluster, vpcConfig: { ...compliantCluster.vpcConfig, endpointPublicAccess: true } });
      new EksCluster(stack, 'default', { ...compliantCluster, vpcConfig: { subnetIds: ['subnet-1', 'subnet-2'], endpointPrivateAccess: true } });
      new EksCluster(stack, 'no-private', { ...compliantCluster, vpcConfig: { subnetIds: ['subnet-1', 'subnet-2'], endpointPublicAccess: false } });
    });
    expect(pathsFlagged(findings, 'CDC-EKS-1')).toEqual(['test/default', 'test/no-cidrs', 'test/no-private', 'test/open']);
    const open = findingsOfRule(findings, 'CDC-EKS-1').find((f) => f.path === 'test/open')!;
    expect(open.message).toMatch(/^\[CDC-EKS-1\/CKV_AWS_38,CKV_AWS_39\] test\/open \(aws_eks_cluster\.open\): public_access_cidrs contains 0\.0\.0\.0\/0\. Fix: /);
  });
});

describe('CDC-EKS-2 secrets envelope-encrypted', () => {
  it('accepts encryption of secrets with a key', () => {
    expect(pathsFlagged(findingsOf((stack) => new EksCluster(stack, 'c', compliantCluster)), 'CDC-EKS-2')).toEqual([]);
  });

  it('flags a cluster without encryption_config', () => {
    const findings = findingsOf((stack) => new EksCluster(stack, 'c', { ...compliantCluster, encryptionConfig: undefined }));
    expect(pathsFlagged(findings, 'CDC-EKS-2')).toEqual(['test/c']);
  });
});

describe('CDC-EKS-3 control-plane logging', () => {
  it('accepts all five log types', () => {
    expect(pathsFlagged(findingsOf((stack) => new EksCluster(stack, 'c', compliantCluster)), 'CDC-EKS-3')).toEqual([]);
  });

  it('flags missing log types and names them', () => {
    const findings = findingsOf((stack) => {
      new EksCluster(stack, 'some', { ...compliantCluster, enabledClusterLogTypes: ['api', 'audit'] });
      new EksCluster(stack, 'none', { ...compliantCluster, enabledClusterLogTypes: undefined });
    });
    expect(pathsFlagged(findings, 'CDC-EKS-3')).toEqual(['test/none', 'test/some']);
    expect(findingsOfRule(findings, 'CDC-EKS-3').find((f) => f.path === 'test/some')!.problem).toBe('control-plane log types off: authenticator, controllerManager, scheduler');
  });
});

describe('CDC-EKS-4 node groups use a launch template with IMDSv2 and hop limit 1', () => {
  const nodeGroup = (stack: TerraformStack, id: string, launchTemplate?: { id?: string; name?: string; version: string }) =>
    new EksNodeGroup(stack, id, {
      clusterName: 'cdc-test',
      nodeRoleArn: 'arn:aws:iam::111111111111:role/node',
      subnetIds: ['subnet-1'],
      scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 2 },
      launchTemplate,
    });

  it('accepts a group whose launch template requires IMDSv2 with hop limit 1', () => {
    const findings = findingsOf((stack) => {
      const template = new LaunchTemplate(stack, 'template', { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 } });
      nodeGroup(stack, 'nodes', { id: template.id, version: template.latestVersion.toString() });
    });
    expect(pathsFlagged(findings, 'CDC-EKS-4')).toEqual([]);
  });

  it('flags a group without a template, with a template from elsewhere, and with a weak template', () => {
    const findings = findingsOf((stack) => {
      nodeGroup(stack, 'bare');
      nodeGroup(stack, 'foreign', { id: 'lt-0123456789abcdef0', version: '1' });
      const weak = new LaunchTemplate(stack, 'weak', { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 2 } });
      nodeGroup(stack, 'weak-nodes', { id: weak.id, version: '$Latest' });
    });
    expect([...new Set(pathsFlagged(findings, 'CDC-EKS-4'))]).toEqual(['test/bare', 'test/foreign', 'test/weak-nodes']);
    const weakProblems = findingsOfRule(findings, 'CDC-EKS-4').filter((f) => f.path === 'test/weak-nodes').map((f) => f.problem);
    expect(weakProblems.join('\n')).toMatch(/allows IMDSv1/);
    expect(weakProblems.join('\n')).toMatch(/hop limit 2/);
  });
});

describe('CDC-IAM-3 no access keys', () => {
  it('accepts a stack without access keys', () => {
    expect(pathsFlagged(findingsOf((stack) => new IamUser(stack, 'user', { name: 'someone' })), 'CDC-IAM-3')).toEqual([]);
  });

  it('flags any aws_iam_access_key', () => {
    const findings = findingsOf((stack) => {
      const user = new IamUser(stack, 'user', { name: 'airbyte' });
      new IamAccessKey(stack, 'key', { user: user.name });
    });
    expect(pathsFlagged(findings, 'CDC-IAM-3')).toEqual(['test/key']);
    expect(findingsOfRule(findings, 'CDC-IAM-3')[0].level).toBe('error');
  });
});
