import { IConstruct } from 'constructs';

/** `error` fails `cdktf synth` / `app.synth()`; `warning` is printed and recorded. */
export type PolicyLevel = 'error' | 'warning';

/** What kind of Terraform block an element synthesizes to. */
export type ElementKind = 'resource' | 'data' | 'provider' | 'output' | 'other';

/**
 * One Terraform element as the rules see it: the synthesized, fully resolved configuration
 * (snake_case keys, references rendered as "${...}" strings, overrides applied).
 */
export interface ResourceView {
  readonly construct: IConstruct;
  /** Construct path, e.g. `dev-aws/airbyte-host/instance`. */
  readonly path: string;
  readonly kind: ElementKind;
  /** Terraform type without prefix (`aws_instance`, `aws_iam_policy_document`, `google`). */
  readonly type: string;
  /** The key of the block in the synthesized JSON. */
  readonly logicalId: string;
  /** Terraform address: `aws_instance.x`, `data.aws_iam_policy_document.x`, `provider.aws`. */
  readonly address: string;
  readonly config: Record<string, unknown>;
}

/** Read access to every element of the stack being checked, for rules that join resources. */
export interface StackView {
  /** Resources (kind `resource`) of one Terraform type in the same stack. */
  resourcesOfType(type: string): ResourceView[];
}

/** One problem a rule found on one element. */
export interface Violation {
  /** What is wrong, without the rule id or the path (the engine adds them). */
  readonly problem: string;
  /** Overrides the rule's generic fix hint when a more precise one exists. */
  readonly fix?: string;
}

export interface PolicyRule {
  /** Our id, e.g. `CDC-EC2-1`. Stable: suppressions refer to it. */
  readonly id: string;
  /** The checkov check ids this rule mirrors; empty when checkov has no equivalent. */
  readonly checkov: readonly string[];
  readonly level: PolicyLevel;
  /** One line: what must be true. */
  readonly title: string;
  /**
   * Element selectors the rule applies to: a resource type (`aws_instance`), a data source
   * (`data.aws_iam_policy_document`), a provider (`provider.google`), or `*` for every element.
   */
  readonly appliesTo: readonly string[];
  /** Generic fix hint, used when a violation carries no specific one. */
  readonly fix: string;
  check(element: ResourceView, stack: StackView): Violation[];
}

/** A rule violation on one element, as reported by the engine. */
export interface PolicyFinding {
  readonly ruleId: string;
  readonly checkov: readonly string[];
  readonly level: PolicyLevel;
  readonly path: string;
  readonly address: string;
  readonly problem: string;
  readonly fix: string;
  /** Set when a `suppressRule` on the element covers this rule. */
  readonly suppressedReason?: string;
  /** The one-line message used for annotations and printing. */
  readonly message: string;
}
