import { IConstruct } from 'constructs';
import {
  AnnotationMetadataEntryType,
  Annotations,
  App,
  Aspects,
  DefaultTokenResolver,
  IAspect,
  StringConcat,
  TerraformDataSource,
  TerraformElement,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  Tokenization,
} from 'cdktf';
import { ALL_RULES } from './all-rules';
import { suppressionsOf, PolicyUsageError } from './suppressions';
import { ElementKind, PolicyFinding, PolicyRule, ResourceView, StackView } from './types';

const RESOLVER = new DefaultTokenResolver(new StringConcat());

export interface PolicyPackOptions {
  /** Rules to apply; defaults to every rule of the pack (`ALL_RULES`). */
  readonly rules?: readonly PolicyRule[];
  /**
   * Where warnings and suppressed findings are printed. Default: stdout (stderr is for errors: the
   * cdktf CLI shows every stderr line as `[ERROR]`), except under the cdktf CLI (it sets
   * CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS and prints annotations itself).
   * `false` prints nothing (tests read `findings` instead).
   */
  readonly print?: false | ((line: string) => void);
  /**
   * Check each stack against the configuration cdktf writes for it, resolved once when the aspect
   * visits the stack, and hand that same configuration to cdktf to write instead of resolving the
   * whole stack again: one resolution of every element fewer per synth. Only for a synthesis in
   * which nothing changes the constructs between the aspects and the write (runApp: define,
   * `app.synth()`, done), and call `release()` after it. A stack that carries another aspect, or
   * whose own overrides reach into resource, data or output blocks, is checked per element as
   * without this option.
   * @default false
   */
  readonly shareStackResolution?: boolean;
}

/** Renders a finding as `[RULE/checkov] path (address): problem. Fix: hint`. */
export function formatFinding(finding: Omit<PolicyFinding, 'message'>): string {
  const tag = finding.checkov.length > 0 ? `${finding.ruleId}/${finding.checkov.join(',')}` : finding.ruleId;
  const where = `${finding.path} (${finding.address})`;
  const problem = finding.problem.replace(/\.\s*$/, '');
  if (finding.suppressedReason !== undefined) {
    return `[${tag}] ${where}: suppressed (reason: ${finding.suppressedReason}): ${problem}.`;
  }
  return `[${tag}] ${where}: ${problem}. Fix: ${finding.fix}`;
}

/**
 * Builds the rules' view of one element from its synthesized configuration. Resolving
 * `toTerraform()` (rather than reading construct props) is what makes `addOverride` and escape
 * hatches visible to the rules.
 */
export function viewOf(element: TerraformElement): ResourceView {
  const stack = TerraformStack.of(element);
  const resolved = Tokenization.resolve(element.toTerraform(), { scope: stack, preparing: false, resolver: RESOLVER });
  const path = element.node.path;
  for (const kind of ['resource', 'data'] as const) {
    const byType = resolved?.[kind];
    if (byType && typeof byType === 'object') {
      const type = Object.keys(byType)[0];
      const logicalId = Object.keys(byType[type])[0];
      const address = kind === 'data' ? `data.${type}.${logicalId}` : `${type}.${logicalId}`;
      return { construct: element, path, kind, type, logicalId, address, config: withoutMetadata(byType[type][logicalId]) };
    }
  }
  if (resolved?.provider && typeof resolved.provider === 'object') {
    const type = Object.keys(resolved.provider)[0];
    const entries = resolved.provider[type];
    const config = withoutMetadata(Array.isArray(entries) ? entries[0] : entries);
    const alias = typeof config.alias === 'string' ? `.${config.alias}` : '';
    return { construct: element, path, kind: 'provider', type, logicalId: type, address: `provider.${type}${alias}`, config };
  }
  if (resolved?.output && typeof resolved.output === 'object') {
    const logicalId = Object.keys(resolved.output)[0];
    return {
      construct: element, path, kind: 'output', type: 'output', logicalId,
      address: `output.${logicalId}`, config: withoutMetadata(resolved.output[logicalId]),
    };
  }
  const logicalId = element.friendlyUniqueId;
  return { construct: element, path, kind: 'other', type: 'other', logicalId, address: logicalId, config: withoutMetadata(resolved) };
}

function withoutMetadata(config: unknown): Record<string, unknown> {
  if (typeof config !== 'object' || config === null) return {};
  const { ['//']: _metadata, ...rest } = config as Record<string, unknown>;
  return rest;
}

function selectorOf(kind: ElementKind, type: string): string {
  if (kind === 'data') return `data.${type}`;
  if (kind === 'provider') return `provider.${type}`;
  if (kind === 'resource') return type;
  return kind;
}

export function ruleApplies(rule: PolicyRule, view: ResourceView): boolean {
  return rule.appliesTo.includes('*') || rule.appliesTo.includes(selectorOf(view.kind, view.type));
}

function elementsOf(scope: IConstruct): TerraformElement[] {
  return scope.node.findAll().filter(TerraformElement.isTerraformElement);
}

/** Views of a stack's resources by Terraform type, resolved when a rule first asks for that type. */
export type StackViewCache = Map<TerraformStack, Map<string, ResourceView[]>>;

/**
 * The other resources of the element's stack, resolved when a rule asks for them, and only those of
 * the type asked for: in cdktf only a TerraformResource writes a `resource` block, keyed by its
 * `terraformResourceType` (cdktf/lib/terraform-resource.js toTerraform), so the type is known
 * before resolving and the rest of the stack is never resolved for a join. Without a cache nothing
 * is kept across elements; the aspect passes one per stack traversal (see PolicyAspect.visit),
 * because resolving a whole stack for every bucket and database instance was a fifth of the synth
 * time.
 */
function stackViewFor(element: TerraformElement, cache?: StackViewCache): StackView {
  const stack = TerraformStack.of(element);
  let byType = cache?.get(stack);
  if (!byType) {
    byType = new Map();
    cache?.set(stack, byType);
  }
  const views = byType;
  return {
    resourcesOfType(type: string): ResourceView[] {
      let ofType = views.get(type);
      if (!ofType) {
        ofType = elementsOf(stack)
          .filter((candidate) => TerraformResource.isTerraformResource(candidate) && candidate.terraformResourceType === type)
          .map(viewOf)
          .filter((view) => view.kind === 'resource' && view.type === type);
        views.set(type, ofType);
      }
      return ofType;
    },
  };
}

export interface ElementEvaluation {
  readonly findings: PolicyFinding[];
  /** Suppressions on this element that matched no finding: stale, and able to hide a future one. */
  readonly unusedSuppressions: Array<{ ruleId: string; reason: string }>;
}

export function evaluateElement(
  element: TerraformElement,
  rules: readonly PolicyRule[] = ALL_RULES,
  stackViews?: StackViewCache,
  resolvedView?: ResourceView,
): ElementEvaluation {
  const view = resolvedView ?? viewOf(element);
  const stackView = stackViewFor(element, stackViews);
  const suppressions = suppressionsOf(element);
  const usedSuppressions = new Set<string>();
  const findings: PolicyFinding[] = [];
  for (const rule of rules) {
    if (!ruleApplies(rule, view)) continue;
    for (const violation of rule.check(view, stackView)) {
      const suppressedReason = suppressions.get(rule.id);
      if (suppressedReason !== undefined) usedSuppressions.add(rule.id);
      const finding = {
        ruleId: rule.id,
        checkov: rule.checkov,
        level: rule.level,
        path: view.path,
        address: view.address,
        problem: violation.problem,
        fix: violation.fix ?? rule.fix,
        suppressedReason,
      };
      findings.push({ ...finding, message: formatFinding(finding) });
    }
  }
  const unusedSuppressions = [...suppressions]
    .filter(([ruleId]) => !usedSuppressions.has(ruleId))
    .map(([ruleId, reason]) => ({ ruleId, reason }));
  return { findings, unusedSuppressions };
}

/**
 * Runs the rules over every Terraform element under `scope` (an App, a stack or any construct)
 * and returns the findings, suppressed ones included, without annotating anything.
 */
export function collectPolicyFindings(scope: IConstruct, options: Pick<PolicyPackOptions, 'rules'> = {}): PolicyFinding[] {
  return elementsOf(scope).flatMap((element) => evaluateElement(element, options.rules).findings);
}

/**
 * The aspect: checks each Terraform element when cdktf visits it during synthesis and records the
 * outcome as annotations (error → synth fails, warning, info for suppressions). Every element
 * is checked on its own visit, so aspects that run before this one on the same element (those
 * added to the stack earlier) have already made their changes.
 */
export class PolicyAspect implements IAspect {
  readonly findings: PolicyFinding[] = [];
  private readonly rules: readonly PolicyRule[];
  private readonly print: false | ((line: string) => void);
  private readonly recorded = new Set<string>();
  /** Resolved views of each stack's resources, valid for one traversal of that stack. */
  private readonly stackViews: StackViewCache = new Map();
  private readonly shareStackResolution: boolean;
  /** With shareStackResolution: each stack's configuration as cdktf writes it, for one traversal. */
  private readonly stackConfigs = new Map<TerraformStack, StackConfig>();

  constructor(options: PolicyPackOptions = {}) {
    this.rules = options.rules ?? ALL_RULES;
    this.print = options.print === undefined ? defaultPrinter() : options.print;
    this.shareStackResolution = options.shareStackResolution ?? false;
  }

  visit(node: IConstruct): void {
    // cdktf visits the stack node first on every synthesis: start that traversal with fresh views.
    if (TerraformStack.isStack(node)) {
      this.stackViews.delete(node);
      this.stackConfigs.delete(node);
      if (this.shareStackResolution && this.isOnlyAspectIn(node) && !overridesElementBlocks(node)) {
        this.stackConfigs.set(node, handOverResolution(node));
      }
    }
    if (!TerraformElement.isTerraformElement(node)) return;
    const config = this.stackConfigs.get(TerraformStack.of(node));
    const resolvedView = config ? viewFromStackConfig(node, config) : undefined;
    const { findings, unusedSuppressions } = evaluateElement(node, this.rules, this.stackViews, resolvedView);
    for (const finding of findings) {
      if (finding.suppressedReason !== undefined) {
        this.report(node, AnnotationMetadataEntryType.INFO, finding.message, `SUPPRESSED ${finding.message}`);
      } else if (finding.level === 'error') {
        this.report(node, AnnotationMetadataEntryType.ERROR, finding.message);
      } else {
        this.report(node, AnnotationMetadataEntryType.WARN, finding.message, `WARNING ${finding.message}`);
      }
      const key = `${finding.level}|${finding.message}`;
      if (!this.recorded.has(key)) {
        this.recorded.add(key);
        this.findings.push(finding);
      }
    }
    for (const { ruleId, reason } of unusedSuppressions) {
      const message =
        `[policy] ${node.node.path}: the suppression of ${ruleId} (reason: ${reason}) matches no finding. ` +
        'Remove it so it cannot hide a future violation.';
      this.report(node, AnnotationMetadataEntryType.WARN, message, `WARNING ${message}`);
    }
  }

  /**
   * Ends shareStackResolution's hand-over: a stack whose synthesis stopped between the aspects and
   * the write (an error finding) resolves itself again on its next toTerraform().
   */
  release(): void {
    for (const stack of this.stackConfigs.keys()) takeBackResolution(stack);
    this.stackConfigs.clear();
  }

  /** Whether this is the only aspect on the stack and everything under it (cdktf runs no App aspect). */
  private isOnlyAspectIn(stack: TerraformStack): boolean {
    return stack.node.findAll().every((construct) => Aspects.of(construct).all.every((aspect) => aspect === this));
  }

  /** Findings that fail synthesis (errors that are not suppressed). */
  get errors(): PolicyFinding[] {
    return this.findings.filter((finding) => finding.level === 'error' && finding.suppressedReason === undefined);
  }

  private report(node: IConstruct, type: string, message: string, printed?: string): void {
    // Aspects run on every synthesis of a stack (Testing.synth then app.synth, for instance):
    // skip what this node already carries so messages are not repeated.
    if (node.node.metadata.some((entry) => entry.type === type && entry.data === message)) return;
    const annotations = Annotations.of(node);
    if (type === AnnotationMetadataEntryType.ERROR) annotations.addError(message);
    else if (type === AnnotationMetadataEntryType.WARN) annotations.addWarning(message);
    else annotations.addInfo(message);
    if (printed && this.print) this.print(printed);
  }
}

/** A stack's configuration as cdktf writes it (TerraformStack.toTerraform). */
type StackConfig = Record<string, unknown>;

type StackBlocks = Record<string, Record<string, Record<string, unknown>> | undefined>;

/**
 * Whether the stack's own overrides (`stack.addOverride`) reach into the blocks the rules read.
 * cdktf merges them over the elements' blocks last (terraform-stack.js toTerraform), so the
 * stack's configuration would then differ from the element's own.
 */
function overridesElementBlocks(stack: TerraformStack): boolean {
  const overrides = (stack as unknown as { rawOverrides?: Record<string, unknown> }).rawOverrides ?? {};
  return ['resource', 'data', 'output'].some((block) => block in overrides);
}

/**
 * Resolves the stack's configuration now and makes the stack's next toTerraform() (cdktf's write,
 * after the aspects and validations) return it instead of resolving every element again.
 */
function handOverResolution(stack: TerraformStack): StackConfig {
  takeBackResolution(stack);
  const config = stack.toTerraform() as StackConfig;
  const handOver = stack as unknown as { toTerraform: () => unknown };
  handOver.toTerraform = () => {
    takeBackResolution(stack);
    return config;
  };
  return config;
}

function takeBackResolution(stack: TerraformStack): void {
  if (Object.prototype.hasOwnProperty.call(stack, 'toTerraform')) delete (stack as unknown as { toTerraform?: unknown }).toTerraform;
}

/**
 * The element's view read from its stack's configuration: the block cdktf wrote for it under its
 * type and logical id (terraform-resource.js, terraform-data-source.js, terraform-output.js
 * toTerraform), which is the element's own resolved block (cdktf merges the elements' resolved
 * blocks and resolves the result again). Undefined for other elements (providers, the backend,
 * remote state...) and for a resource that moved: those are resolved on their own (viewOf).
 */
function viewFromStackConfig(element: TerraformElement, config: StackConfig): ResourceView | undefined {
  const path = element.node.path;
  const logicalId = element.friendlyUniqueId;
  if (TerraformResource.isTerraformResource(element) || TerraformDataSource.isTerraformDataSource(element)) {
    const kind = TerraformResource.isTerraformResource(element) ? 'resource' : 'data';
    const type = element.terraformResourceType;
    const block = (config[kind] as StackBlocks | undefined)?.[type]?.[logicalId];
    if (block === undefined) return undefined;
    const address = kind === 'data' ? `data.${type}.${logicalId}` : `${type}.${logicalId}`;
    return { construct: element, path, kind, type, logicalId, address, config: withoutMetadata(block) };
  }
  if (TerraformOutput.isTerraformOutput(element)) {
    const block = (config.output as Record<string, unknown> | undefined)?.[logicalId];
    if (block === undefined) return undefined;
    return { construct: element, path, kind: 'output', type: 'output', logicalId, address: `output.${logicalId}`, config: withoutMetadata(block) };
  }
  return undefined;
}

function defaultPrinter(): false | ((line: string) => void) {
  if (process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined) return false;
  return (line) => process.stdout.write(`${line}\n`);
}

/**
 * Adds the policy aspect to every stack of an App, or to one stack (or construct subtree).
 *
 * cdktf 0.21 runs aspects per stack, starting at the stack: an aspect added to the App itself is
 * never invoked. So for an App this adds the aspect to the stacks that exist now, and must be
 * called after the stacks are defined. A stack that already carries the pack keeps its aspect
 * (no double reporting). Returns the aspect, whose `findings` fill up during synth.
 */
export function applyPolicyPack(scope: IConstruct, options: PolicyPackOptions = {}): PolicyAspect {
  const aspect = new PolicyAspect(options);
  const targets = App.isApp(scope) ? scope.node.findAll().filter(TerraformStack.isStack) : [scope];
  if (targets.length === 0) {
    throw new PolicyUsageError(
      'applyPolicyPack(app): the app has no stacks yet. Call it after defining the stacks; cdktf does not run aspects added to the App itself.',
    );
  }
  for (const target of targets) {
    const alreadyApplied = Aspects.of(target).all.some((existing) => existing instanceof PolicyAspect);
    if (!alreadyApplied) Aspects.of(target).add(aspect);
  }
  return aspect;
}
