import { PolicyRule } from '../types';
import { requireLiteralTrue } from '../helpers/checks';

/** Mirrors checkov CKV_AWS_16. Encryption can only be chosen when the instance is created. */
export const rdsStorageEncrypted: PolicyRule = {
  id: 'CDC-RDS-1',
  checkov: ['CKV_AWS_16'],
  level: 'error',
  title: 'RDS instances encrypt their storage',
  appliesTo: ['aws_db_instance'],
  fix: 'set storageEncrypted: true (changing it later replaces the instance)',
  check: requireLiteralTrue('storage_encrypted'),
};
