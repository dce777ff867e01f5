import { PolicyRule, Violation } from '../types';
import { describeValue, isLiteralTrue } from './attributes';

/**
 * The whole check of a rule whose one requirement is a boolean attribute set to a literal true
 * (encryption, deletion protection): an expression could resolve to false at plan time, so it
 * does not count. Shared so these rules word their finding the same way.
 */
export function requireLiteralTrue(attribute: string): PolicyRule['check'] {
  return (element): Violation[] => {
    const value = element.config[attribute];
    if (isLiteralTrue(value)) return [];
    return [{ problem: `${attribute} is ${describeValue(value)}, must be true` }];
  };
}
