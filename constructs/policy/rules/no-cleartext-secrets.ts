import { PolicyRule, Violation } from '../types';
import { findClearTextSecrets } from '../helpers/secret-scan';
import { splitInterpolations } from '../helpers/terraform-expressions';

/**
 * No single checkov id (checkov spreads this over many provider-specific secret checks). The
 * synthesized JSON is committed to plan artifacts, CI logs and pull-request comments: anything
 * in it is effectively public, so secrets must arrive as references resolved by Terraform.
 */
export const noClearTextSecrets: PolicyRule = {
  id: 'CDC-SECRET-1',
  checkov: [],
  level: 'error',
  title: 'No secret in clear text in the synthesized configuration (passwords, keys, tokens, connector secrets)',
  appliesTo: ['*'],
  fix: 'pass a reference instead: a random_password result, a data.aws_secretsmanager_secret_version value, a sensitive variable or a cross-stack output',
  check(element): Violation[] {
    const leaks = findClearTextSecrets(element.config);
    // A SecureString parameter's value is secret by declaration, whatever the attribute is called.
    if (element.type === 'aws_ssm_parameter' && element.config.type === 'SecureString') {
      const value = element.config.value;
      if (typeof value === 'string' && splitInterpolations(value).literal.trim() !== '') {
        leaks.push({ location: 'value', reason: 'a SecureString parameter holds a literal value' });
      }
    }
    const unique = new Map(leaks.map((leak) => [`${leak.location}|${leak.reason}`, leak]));
    return [...unique.values()].map((leak) => ({ problem: `clear-text secret at ${leak.location || '(value)'}: ${leak.reason}` }));
  },
};
