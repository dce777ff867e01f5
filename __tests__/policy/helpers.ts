import { Testing, TerraformStack } from 'cdktf';
import { applyPolicyPack, PolicyFinding } from '../../constructs/policy';

/**
 * Builds a one-stack app with `build`, applies the policy pack and synthesizes it the way the
 * stack tests do (Testing.synth runs aspects), returning what the pack found.
 */
export function findingsOf(build: (stack: TerraformStack) => void): PolicyFinding[] {
  const stack = new TerraformStack(Testing.app(), 'test');
  build(stack);
  const pack = applyPolicyPack(stack, { print: false });
  Testing.synth(stack);
  return pack.findings;
}

export function findingsOfRule(findings: PolicyFinding[], ruleId: string): PolicyFinding[] {
  return findings.filter((finding) => finding.ruleId === ruleId);
}

/** Paths (construct paths) of the unsuppressed findings of one rule, sorted. */
export function pathsFlagged(findings: PolicyFinding[], ruleId: string): string[] {
  return findingsOfRule(findings, ruleId)
    .filter((finding) => finding.suppressedReason === undefined)
    .map((finding) => finding.path)
    .sort();
}
