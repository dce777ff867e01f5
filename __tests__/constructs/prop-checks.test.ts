import { Token } from 'cdktf';
import { checkInteger, checkNamePrefix, checkPattern, checkRdsStorage } from '../../constructs/prop-checks';
import { expectPropsError } from '../support/construct';

describe('prop checks shared by the constructs', () => {
  test('an omitted value passes (its default applies); a token passes (only Terraform knows it)', () => {
    expect(() => checkInteger('X a', 'size', undefined, 1)).not.toThrow();
    expect(() => checkInteger('X a', 'size', Token.asNumber({ Ref: 'n' }), 1)).not.toThrow();
    expect(() => checkPattern('X a', 'name', Token.asString({ Ref: 's' }), /^x$/, 'x')).not.toThrow();
  });

  test('the range in the message says what is allowed', () => {
    expectPropsError(() => checkInteger('X a', 'size', 0, 1), 'X a: size must be an integer ≥ 1, got 0');
    expectPropsError(() => checkInteger('X a', 'size', 9, 1, 8), 'X a: size must be an integer from 1 to 8, got 9');
    expectPropsError(() => checkInteger('X a', 'size', NaN, 1, 8), 'X a: size must be an integer from 1 to 8, got NaN');
    expectPropsError(() => checkPattern('X a', 'name', 'Y', /^x$/, 'an x'), 'X a: name "Y" must be an x');
  });

  test('RDS storage: the autoscaling limit may equal the size, not fall below it, and tokens pass', () => {
    expect(() => checkRdsStorage('X a', '', 20, 20)).not.toThrow();
    expect(() => checkRdsStorage('X a', '', 50, Token.asNumber({ Ref: 'n' }))).not.toThrow();
    expectPropsError(() => checkRdsStorage('X a', 'instance.', 10, 100), 'X a: instance.allocatedStorageGiB must be an integer from 20 to 65536, got 10');
    expectPropsError(() => checkRdsStorage('X a', 'instance.', 50, 49), 'X a: instance.maxAllocatedStorageGiB must be an integer from instance.allocatedStorageGiB (50) to 65536, got 49');
    expectPropsError(() => checkRdsStorage('X a', '', 50, 70000), 'X a: maxAllocatedStorageGiB must be an integer from allocatedStorageGiB (50) to 65536, got 70000');
  });

  test('a name prefix fits the longest IAM role name prefix built from it (38 with "-airbyte-host-")', () => {
    expect(() => checkNamePrefix('X a', 'cdc-' + 'a'.repeat(20))).not.toThrow();
    expect(('cdc-' + 'a'.repeat(20) + '-airbyte-host-').length).toBe(38);
    expectPropsError(() => checkNamePrefix('X a', 'cdc-' + 'a'.repeat(21)), /^X a: namePrefix "cdc-a{21}" must be 1–24 lowercase letters/);
    expectPropsError(() => checkNamePrefix('X a', 'Cdc-dev'), /namePrefix "Cdc-dev"/);
  });
});
