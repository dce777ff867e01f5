import { ResourceView } from '../types';
import { Attributes, blocks, isPlainObject, stringList } from './attributes';
import { parseJsonencode, splitInterpolations } from './terraform-expressions';

/** One IAM policy statement, whichever syntax declared it. */
export interface IamStatement {
  /** Where it sits, for messages: `statement[0]`, `policy.Statement[1]`. */
  readonly label: string;
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
}

export interface IamStatements {
  readonly statements: IamStatement[];
  /** Policy attributes that are neither a reference nor readable JSON: they cannot be checked. */
  readonly unreadable: string[];
}

/** Resource types whose `policy` attribute is an identity policy document. */
export const IDENTITY_POLICY_RESOURCE_TYPES = ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy'] as const;

export const IAM_POLICY_SELECTORS = [
  'data.aws_iam_policy_document',
  ...IDENTITY_POLICY_RESOURCE_TYPES,
  'aws_iam_role',
] as const;

/** Every statement an IAM element declares: document blocks, JSON policies, inline role policies. */
export function iamStatementsOf(element: ResourceView): IamStatements {
  const statements: IamStatement[] = [];
  const unreadable: string[] = [];
  const readPolicy = (policy: unknown, label: string): void => {
    const result = parsePolicyJson(policy, label);
    if (result === 'unreadable') unreadable.push(label);
    else statements.push(...result);
  };

  if (element.kind === 'data') {
    blocks(element.config.statement).forEach((block, index) => statements.push(fromDocumentBlock(block, `statement[${index}]`)));
    for (const attribute of ['source_policy_documents', 'override_policy_documents']) {
      stringList(element.config[attribute]).forEach((policy, index) => readPolicy(policy, `${attribute}[${index}]`));
    }
  } else if (element.type === 'aws_iam_role') {
    blocks(element.config.inline_policy).forEach((block, index) => readPolicy(block.policy, `inline_policy[${index}].policy`));
  } else {
    readPolicy(element.config.policy, 'policy');
  }
  return { statements, unreadable };
}

function fromDocumentBlock(block: Attributes, label: string): IamStatement {
  return {
    label,
    effect: typeof block.effect === 'string' ? block.effect : 'Allow',
    actions: stringList(block.actions),
    notActions: stringList(block.not_actions),
    resources: stringList(block.resources),
    notResources: stringList(block.not_resources),
  };
}

/**
 * Statements of a JSON policy string. A pure reference ("${data.aws_iam_policy_document.x.json}")
 * yields none: the referenced document is checked where it is declared.
 */
function parsePolicyJson(policy: unknown, label: string): IamStatement[] | 'unreadable' {
  if (policy === undefined || policy === null || policy === '') return [];
  let document: unknown = policy;
  if (typeof policy === 'string') {
    const { literal } = splitInterpolations(policy);
    if (literal.trim() === '' && !policy.trim().startsWith('${jsonencode(')) return [];
    document = parseJsonencode(policy) ?? tryJson(policy);
  }
  if (!isPlainObject(document)) return 'unreadable';
  const rawStatements = document.Statement;
  const list = Array.isArray(rawStatements) ? rawStatements : rawStatements === undefined ? [] : [rawStatements];
  if (!list.every(isPlainObject)) return 'unreadable';
  return list.map((statement, index) => ({
    label: `${label}.Statement[${index}]`,
    effect: typeof statement.Effect === 'string' ? statement.Effect : 'Allow',
    actions: stringList(statement.Action),
    notActions: stringList(statement.NotAction),
    resources: stringList(statement.Resource),
    notResources: stringList(statement.NotResource),
  }));
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isAllow(statement: IamStatement): boolean {
  return statement.effect.toLowerCase() === 'allow';
}
