import { Token } from 'cdktf';
import { InvalidPropsError } from './errors';

/**
 * Small prop checks the constructs share, so every refusal reads the same way:
 * "<Construct> <path>: <prop> must be …, got …". A value that is a cdktf token is only known to
 * Terraform and is not checked here.
 */

/** `value` is an integer from `min` to `max` (inclusive); an omitted value (its default applies) passes. */
export function checkInteger(where: string, prop: string, value: number | undefined, min: number, max: number = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new InvalidPropsError(`${where}: ${prop} must be an integer ${range}, got ${value}`);
  }
}

/** `value` is a non-empty string matching `pattern`; `expected` says what that means to a reader. */
export function checkPattern(where: string, prop: string, value: string, pattern: RegExp, expected: string): void {
  if (typeof value === 'string' && Token.isUnresolved(value)) return;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new InvalidPropsError(`${where}: ${prop} ${JSON.stringify(value)} must be ${expected}`);
  }
}

/**
 * RDS storage with autoscaling: the allocated size from 20 GiB (gp3's minimum for PostgreSQL), the
 * autoscaling limit at or above it, both at most 65536 GiB. `prefix` places the props ("instance.").
 */
export function checkRdsStorage(where: string, prefix: string, allocated: number, max: number): void {
  checkInteger(where, `${prefix}allocatedStorageGiB`, allocated, 20, 65536);
  if (Token.isUnresolved(max) || Token.isUnresolved(allocated)) return;
  if (!Number.isInteger(max) || max < allocated || max > 65536) {
    throw new InvalidPropsError(`${where}: ${prefix}maxAllocatedStorageGiB must be an integer from ${prefix}allocatedStorageGiB (${allocated}) to 65536, got ${max}`);
  }
}

/**
 * The environment prefix built into AWS names, such as "cdc-dev". At most 24 characters: IAM
 * caps a role's name_prefix at 38, and the longest one built from it is "<prefix>-airbyte-host-".
 */
export function checkNamePrefix(where: string, value: string): void {
  checkPattern(where, 'namePrefix', value, /^[a-z][a-z0-9-]{0,23}$/, '1–24 lowercase letters, digits or hyphens, starting with a letter');
}

/** A Kubernetes object name that must be a DNS-1123 label (namespaces, most names): the pattern and how a message says it. */
export const KUBERNETES_NAME = {
  pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
  expected: 'a Kubernetes name (lowercase letters, digits and hyphens, at most 63)',
} as const;

/** Checks a prop that must be a DNS-1123 label, with the one wording every construct uses. */
export function checkKubernetesName(where: string, prop: string, value: string): void {
  checkPattern(where, prop, value, KUBERNETES_NAME.pattern, KUBERNETES_NAME.expected);
}
