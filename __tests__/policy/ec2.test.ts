import { Instance } from '@cdktf/provider-aws/lib/instance';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

const compliantInstance = {
  ami: 'ami-12345678',
  instanceType: 'm6i.xlarge',
  metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
  rootBlockDevice: { encrypted: true, volumeSize: 50, volumeType: 'gp3' },
};

describe('CDC-EC2-1 IMDSv2 required', () => {
  it('accepts http_tokens = required', () => {
    const findings = findingsOf((stack) => new Instance(stack, 'host', compliantInstance));
    expect(pathsFlagged(findings, 'CDC-EC2-1')).toEqual([]);
  });

  it('flags an instance without metadata options, naming the rule and the resource', () => {
    const findings = findingsOf((stack) => new Instance(stack, 'host', { ...compliantInstance, metadataOptions: undefined }));
    expect(pathsFlagged(findings, 'CDC-EC2-1')).toEqual(['test/host']);
    const [finding] = findingsOfRule(findings, 'CDC-EC2-1');
    expect(finding.level).toBe('error');
    expect(finding.message).toMatch(/^\[CDC-EC2-1\/CKV_AWS_79\] test\/host \(aws_instance\.host\): .*http_tokens.*Fix: /);
  });

  it('sees a value changed with addOverride after construction', () => {
    const findings = findingsOf((stack) => {
      const instance = new Instance(stack, 'host', compliantInstance);
      instance.addOverride('metadata_options.http_tokens', 'optional');
    });
    expect(pathsFlagged(findings, 'CDC-EC2-1')).toEqual(['test/host']);
  });

  it('sees a fix made with addOverride', () => {
    const findings = findingsOf((stack) => {
      const instance = new Instance(stack, 'host', { ...compliantInstance, metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 1 } });
      instance.addOverride('metadata_options.http_tokens', 'required');
    });
    expect(pathsFlagged(findings, 'CDC-EC2-1')).toEqual([]);
  });

  it('applies to launch templates', () => {
    const findings = findingsOf((stack) => new LaunchTemplate(stack, 'template', { metadataOptions: { httpTokens: 'optional' } }));
    expect(pathsFlagged(findings, 'CDC-EC2-1')).toEqual(['test/template']);
  });
});

describe('CDC-EC2-2 metadata hop limit 1', () => {
  it('accepts an explicit hop limit of 1', () => {
    const findings = findingsOf((stack) => new Instance(stack, 'host', compliantInstance));
    expect(pathsFlagged(findings, 'CDC-EC2-2')).toEqual([]);
  });

  it('flags a hop limit of 2 and a missing one', () => {
    const findings = findingsOf((stack) => {
      new Instance(stack, 'two', { ...compliantInstance, metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } });
      new Instance(stack, 'unset', { ...compliantInstance, metadataOptions: { httpTokens: 'required' } });
    });
    expect(pathsFlagged(findings, 'CDC-EC2-2')).toEqual(['test/two', 'test/unset']);
  });

  it('accepts an instance whose metadata endpoint is disabled', () => {
    const findings = findingsOf((stack) => new Instance(stack, 'host', { ...compliantInstance, metadataOptions: { httpEndpoint: 'disabled' } }));
    expect(pathsFlagged(findings, 'CDC-EC2-1')).toEqual([]);
    expect(pathsFlagged(findings, 'CDC-EC2-2')).toEqual([]);
  });
});

describe('CDC-EBS-1 instance volumes encrypted', () => {
  it('accepts an encrypted root volume and encrypted data volumes', () => {
    const findings = findingsOf((stack) => new Instance(stack, 'host', {
      ...compliantInstance,
      ebsBlockDevice: [{ deviceName: '/dev/sdf', encrypted: true, volumeSize: 10 }],
    }));
    expect(pathsFlagged(findings, 'CDC-EBS-1')).toEqual([]);
  });

  it('flags a missing root_block_device, an unencrypted root and an unencrypted data volume', () => {
    const findings = findingsOf((stack) => {
      new Instance(stack, 'no-root', { ...compliantInstance, rootBlockDevice: undefined });
      new Instance(stack, 'plain-root', { ...compliantInstance, rootBlockDevice: { encrypted: false } });
      new Instance(stack, 'plain-data', { ...compliantInstance, ebsBlockDevice: [{ deviceName: '/dev/sdf' }] });
    });
    expect(pathsFlagged(findings, 'CDC-EBS-1')).toEqual(['test/no-root', 'test/plain-data', 'test/plain-root']);
    expect(findingsOfRule(findings, 'CDC-EBS-1').find((f) => f.path === 'test/plain-data')?.problem).toContain('/dev/sdf');
  });

  it('sees a data volume added with addOverride', () => {
    const findings = findingsOf((stack) => {
      new Instance(stack, 'host', compliantInstance).addOverride('ebs_block_device', [{ device_name: '/dev/sdg', encrypted: false }]);
    });
    expect(pathsFlagged(findings, 'CDC-EBS-1')).toEqual(['test/host']);
  });

  it('checks launch template block device mappings (encrypted is a string there)', () => {
    const findings = findingsOf((stack) => {
      new LaunchTemplate(stack, 'good', { blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true' } }] });
      new LaunchTemplate(stack, 'bad', { blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'false' } }] });
    });
    expect(pathsFlagged(findings, 'CDC-EBS-1')).toEqual(['test/bad']);
  });
});

describe('CDC-EBS-2 standalone volumes encrypted', () => {
  it('accepts an encrypted volume and flags an unencrypted one', () => {
    const findings = findingsOf((stack) => {
      new EbsVolume(stack, 'good', { availabilityZone: 'eu-west-1a', size: 10, encrypted: true });
      new EbsVolume(stack, 'bad', { availabilityZone: 'eu-west-1a', size: 10 });
    });
    expect(pathsFlagged(findings, 'CDC-EBS-2')).toEqual(['test/bad']);
    expect(findingsOfRule(findings, 'CDC-EBS-2')[0].message).toContain('[CDC-EBS-2/CKV_AWS_3]');
  });
});
