import { TerraformStack } from 'cdktf';
import { DbInstance, DbInstanceConfig } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { Password } from '@cdktf/provider-random/lib/password';
import { findingsOf, findingsOfRule, pathsFlagged } from './helpers';

function cdcParameterGroup(stack: TerraformStack, id = 'params', forceSsl = true): DbParameterGroup {
  return new DbParameterGroup(stack, id, {
    name: `${id}-pg16`,
    family: 'postgres16',
    parameter: [
      { name: 'rds.logical_replication', value: '1', applyMethod: 'pending-reboot' },
      ...(forceSsl ? [{ name: 'rds.force_ssl', value: '1' }] : []),
    ],
  });
}

function database(stack: TerraformStack, id: string, overrides: Partial<DbInstanceConfig> = {}): DbInstance {
  const params = cdcParameterGroup(stack, `${id}-params`);
  const password = new Password(stack, `${id}-password`, { length: 32 });
  return new DbInstance(stack, id, {
    engine: 'postgres',
    engineVersion: '16.4',
    instanceClass: 'db.t4g.medium',
    allocatedStorage: 50,
    username: 'postgres',
    password: password.result,
    storageEncrypted: true,
    publiclyAccessible: false,
    deletionProtection: true,
    backupRetentionPeriod: 7,
    parameterGroupName: params.name,
    ...overrides,
  });
}

describe('a fully compliant PostgreSQL instance', () => {
  it('has no RDS finding', () => {
    const findings = findingsOf((stack) => database(stack, 'db'));
    expect(findings.filter((finding) => finding.ruleId.startsWith('CDC-RDS'))).toEqual([]);
  });
});

describe('CDC-RDS-1 storage encrypted', () => {
  it('flags unencrypted storage', () => {
    const findings = findingsOf((stack) => database(stack, 'db', { storageEncrypted: false }));
    expect(pathsFlagged(findings, 'CDC-RDS-1')).toEqual(['test/db']);
  });
});

describe('CDC-RDS-2 not publicly accessible', () => {
  it('accepts the provider default (absent) and flags true', () => {
    const findings = findingsOf((stack) => {
      database(stack, 'default', { publiclyAccessible: undefined });
      database(stack, 'public', { publiclyAccessible: true });
    });
    expect(pathsFlagged(findings, 'CDC-RDS-2')).toEqual(['test/public']);
  });

  it('sees publicly_accessible set with addOverride', () => {
    const findings = findingsOf((stack) => database(stack, 'db').addOverride('publicly_accessible', true));
    expect(pathsFlagged(findings, 'CDC-RDS-2')).toEqual(['test/db']);
  });
});

describe('CDC-RDS-3 SSL forced through the parameter group', () => {
  it('flags an instance on the default parameter group', () => {
    const findings = findingsOf((stack) => database(stack, 'db', { parameterGroupName: undefined }));
    expect(pathsFlagged(findings, 'CDC-RDS-3')).toEqual(['test/db']);
  });

  it('flags a PostgreSQL parameter group without rds.force_ssl, and the instance using it', () => {
    const findings = findingsOf((stack) => {
      const params = cdcParameterGroup(stack, 'weak', false);
      database(stack, 'db', { parameterGroupName: params.name });
    });
    expect(pathsFlagged(findings, 'CDC-RDS-3')).toEqual(['test/db', 'test/weak']);
    expect(findingsOfRule(findings, 'CDC-RDS-3').find((f) => f.path === 'test/db')?.problem).toContain('aws_db_parameter_group.weak');
  });

  it('resolves a literal parameter group name to the group of the same name', () => {
    const findings = findingsOf((stack) => {
      cdcParameterGroup(stack, 'named');
      database(stack, 'db', { parameterGroupName: 'named-pg16' });
    });
    expect(pathsFlagged(findings, 'CDC-RDS-3')).toEqual([]);
  });

  it('flags a parameter group that is not in the stack, since it cannot be verified', () => {
    const findings = findingsOf((stack) => database(stack, 'db', { parameterGroupName: 'shared-prod-params' }));
    expect(pathsFlagged(findings, 'CDC-RDS-3')).toEqual(['test/db']);
  });

  it('sees rds.force_ssl switched off with addOverride', () => {
    const findings = findingsOf((stack) => {
      const params = cdcParameterGroup(stack, 'params');
      params.addOverride('parameter', [{ name: 'rds.force_ssl', value: '0' }]);
      database(stack, 'db', { parameterGroupName: params.name });
    });
    expect(pathsFlagged(findings, 'CDC-RDS-3')).toEqual(['test/db', 'test/params']);
  });

  it('ignores non-PostgreSQL engines', () => {
    const findings = findingsOf((stack) => database(stack, 'db', { engine: 'mysql', parameterGroupName: undefined }));
    expect(pathsFlagged(findings, 'CDC-RDS-3')).toEqual([]);
  });
});

describe('CDC-RDS-4 deletion protection', () => {
  it('flags deletion protection off', () => {
    const findings = findingsOf((stack) => database(stack, 'db', { deletionProtection: false }));
    expect(pathsFlagged(findings, 'CDC-RDS-4')).toEqual(['test/db']);
    expect(findingsOfRule(findings, 'CDC-RDS-4')[0].message).toMatch(/^\[CDC-RDS-4\/CKV_AWS_293\] test\/db \(aws_db_instance\.db\)/);
  });
});

describe('CDC-RDS-5 backups', () => {
  it('flags a retention of 0 and an implicit one', () => {
    const findings = findingsOf((stack) => {
      database(stack, 'zero', { backupRetentionPeriod: 0 });
      database(stack, 'implicit', { backupRetentionPeriod: undefined });
      database(stack, 'one', { backupRetentionPeriod: 1 });
    });
    expect(pathsFlagged(findings, 'CDC-RDS-5')).toEqual(['test/implicit', 'test/zero']);
  });
});
